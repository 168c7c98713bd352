#ifndef C_SANDBOX_SHIM_H
#define C_SANDBOX_SHIM_H

#include <spawn.h>

/// glibc calls that its headers declare only under `_GNU_SOURCE`, which Swift's Glibc module does
/// not define. shim.c defines it and forwards, so a glibc without them fails at link time.

/// `pipe2(2)`: a pipe with `flags` (`O_CLOEXEC`) set on both ends at once.
int CSandboxShim_pipe2(int fds[2], int flags);

/// `posix_spawn_file_actions_addclosefrom_np(3)` (glibc 2.34): the child closes every descriptor
/// from `from` up.
int CSandboxShim_posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

#endif
