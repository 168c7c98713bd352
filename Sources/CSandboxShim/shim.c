// Defined before any header, so that glibc declares its GNU extensions.
#define _GNU_SOURCE
#include <fcntl.h>
#include <spawn.h>
#include <unistd.h>

#include "CSandboxShim.h"

int CSandboxShim_pipe2(int fds[2], int flags) {
    return pipe2(fds, flags);
}

int CSandboxShim_posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from) {
    return posix_spawn_file_actions_addclosefrom_np(actions, from);
}
