import Testing
@testable import Sandbox

@Suite struct CgroupTests {
    static let procSelfCgroup = """
        9:name=systemd:/
        8:pids:/
        6:freezer:/
        4:memory:/process_api/abc
        2:cpu,cpuacct:/
        0::/
        """
    static let mountinfo = """
        30 25 0:26 / /sys/fs/cgroup/systemd rw,nosuid - cgroup cgroup rw,xattr,name=systemd
        31 25 0:27 / /sys/fs/cgroup/pids rw,nosuid - cgroup cgroup rw,pids
        32 25 0:28 / /sys/fs/cgroup/freezer rw,nosuid - cgroup cgroup rw,freezer
        33 25 0:29 / /sys/fs/cgroup/memory rw,nosuid - cgroup cgroup rw,memory
        34 25 0:30 / /sys/fs/cgroup/cpu,cpuacct rw,nosuid - cgroup cgroup rw,cpu,cpuacct
        35 25 0:31 / /sys/fs/cgroup/unified rw,nosuid - cgroup2 cgroup2 rw
        """

    @Test func v1PathsFollowTheNodesOwnCgroup() {
        let v1 = CgroupV1.parse(procSelfCgroup: Self.procSelfCgroup, mountinfo: Self.mountinfo)
        #expect(v1.dir("memory", "n-0-a") == "/sys/fs/cgroup/memory/process_api/abc/continuum/n-0-a")
        #expect(v1.dir("freezer", "n-0-a") == "/sys/fs/cgroup/freezer/continuum/n-0-a")
        #expect(v1.dir("cpuacct", "n-0-a") == "/sys/fs/cgroup/cpu,cpuacct/continuum/n-0-a")
        #expect(v1.dir("name=systemd", "x") == "/sys/fs/cgroup/systemd/continuum/x")
        #expect(v1.cgroupsPath(for: "n-0-a") == "continuum/n-0-a")
    }

    @Test func v2RunnerLeafIsAbsoluteBesideTheTaskLeaf() {
        // v2 forbids processes in a cgroup whose children have controllers: the runner gets a leaf.
        #expect(CgroupV2(mount: "/sys/fs/cgroup").cgroupsPath(for: "n-1-b") == "/continuum/n-1-b/runner")
    }

    @Test func countersAndPids() {
        #expect(Cgroups.counter("oom_kill", in: "oom_kill_disable 0\nunder_oom 0\noom_kill 3\n") == 3)
        #expect(Cgroups.counter("oom_kill", in: "low 0\nhigh 0\nmax 2\noom 1\noom_kill 1\n") == 1)
        #expect(Cgroups.counter("oom_kill", in: "oom_kill_disable 0\n") == nil)
        #expect(Cgroups.parsePids("12\n 7\n\nx\n") == [12, 7])
    }

    @Test func thisHostIsDetected() {
        let hierarchy = Cgroups.detect()
        if let v1 = hierarchy as? CgroupV1 {
            #expect(v1.dir("memory", "x") != nil)
            #expect(v1.dir("freezer", "x") != nil)
        } else {
            #expect(hierarchy is CgroupV2)
        }
    }
}
