// Package nsjail runs a command (the agent's bash tool calls, native
// skills, later MCP servers) in a fresh Linux jail: every call is a new
// process in new user, mount, PID, network, IPC, UTS and cgroup
// namespaces, pivoted into a minimal read-only root, limited by a cgroup
// (memory without swap, pids, CPU) and resource limits, with no
// capabilities, no_new_privs and a seccomp filter, an allowlisted
// environment, a timeout and capped output.
//
// [Run] takes a validated [Config] (zero fields mean the documented
// defaults, so callers that set only Workspace, like the bash tool and
// `bulkhead sandbox exec`, get the same jail) and returns a [Result] with
// the exit status or signal, the timeout and OOM flags, the resource
// usage and the captured output. Every layer is requested by the
// configuration and applied before the command starts; one that cannot be
// applied stops the call with a *[SetupError] naming the layer and the
// system call (fail closed). [Check] reports which layers a host supports.
//
// # Layers, in the order they are applied
//
// On the host (package nsjail):
//
//	config.go, bind.go  validation: workspace, binds against a protected-path
//	                    list, environment, limits (before anything is made)
//	cgroup*.go          a leaf cgroup per call: v2 when its hierarchy has the
//	                    memory, pids and cpu controllers, else v1; an
//	                    ordinary user's in its delegated v2 subtree
//	                    (cgroup_delegate.go); none when opted out
//	spawn.go            clone(2) of the init stage into new user, mount,
//	                    PID, network, IPC and UTS namespaces (with cgroup v2,
//	                    straight into the leaf with clone3 CLONE_INTO_CGROUP)
//	user.go             uid/gid maps: root inside is JailHostID outside
//	                    (the caller's own ids when it is not root)
//	idmap.go            as root: the workspace and binds as detached mounts,
//	                    idmapped, nosuid, nodev (otherwise the init stage
//	                    binds them itself, stage/mnt_bind.go)
//	seccomp.go          the seccomp filter program
//	rlimit.go           the resource limits
//	pool.go             the init stage started ahead of the next call
//
// Inside, in the init stage (package internal/stage, one file per step):
// cgroup (join the v1 leaves, new cgroup namespace), mnt (tmpfs root,
// read-only system binds, the caller's mounts, /proc with hidepid, a
// minimal /dev, size-limited /tmp and /dev/shm, pivot_root, old root
// detached), uts (hostname), net (loopback up, or nothing), rlimit, caps
// (securebits, all five capability sets emptied, not dumpable), seccomp
// (no_new_privs, then the filter), verify (every layer read back from
// inside), then the command. Teardown: when the command exits, the init
// stage, PID 1, kills the rest of the namespace and reaps it (so their
// rusage adds up into its own), reports and exits; a timeout or a
// cancelled context kills the leaf's processes and the init stage; the
// leaf is removed before Run returns, and leaves a crashed host process
// left behind are removed by the next process that uses the same
// hierarchy.
//
// # The init stage
//
// Go cannot enter a new user namespace from its multithreaded runtime, so
// [Run] clones a child by re-executing the current binary
// (/proc/self/exe) with argv[0] set to "bulkhead-jail-init". The stage
// package's init function recognises that marker and runs the jail's setup
// instead of the program's main, so any binary that imports nsjail — the
// CLI, a service, the test binary of any package — can serve as the init
// stage without extra code. The stage package imports only early standard
// packages, so Go initialises it before most of the importing binary's
// dependencies; the importer's other init functions that sort before it
// still run once per jailed call, so keep them cheap. The init stage
// refuses to do anything unless it is PID 1 of a new PID namespace, so
// invoking a binary with that argv[0] by hand cannot touch the host's
// mounts. The spec travels over a socket pair, with the command's standard
// streams and the mount trees as SCM_RIGHTS; the outcome comes back over a
// pipe.
//
// Since nothing of a call is bound when the init stage is cloned, a
// process that has made two calls keeps one init stage started ahead,
// with its cgroup leaf (pool.go): the next call takes it, skipping the
// namespace creation, the exec and the Go runtime's start-up, and the one
// after it is started when that call is over. [ReleaseIdle] ends it; a
// process that exits without calling it leaves the leaf to the next
// process's stale-leaf clean-up, as a crash would.
//
// # Inside the jail
//
// The root is a read-only tmpfs holding: /usr (read-only bind of the
// host's); /bin, /lib, /lib64, /sbin (symlinks into usr on a merged-usr
// host, else read-only binds); /etc with only passwd, group, hosts,
// resolv.conf, nsswitch.conf, ld.so.cache, ssl/certs and alternatives; a
// new /proc for the PID namespace (hidepid=invisible; its sys, irq and bus
// entries read-only); a minimal /dev; a private /tmp (a tmpfs of 1 GiB by
// default, or a fresh directory on disk under Config.TmpDir, removed after
// the call) and /dev/shm (at most 64 MiB); the workspace, read-write
// unless Config.WorkspaceReadOnly, at /workspace, which is the working
// directory; the persistent home (Config.Home) at /root, which is HOME
// (else HOME is /tmp); and the caller's binds (none from under a protected
// path, except the read-only ones named in Config.ExposeReadOnly). There
// is no /sys and no /home. The command runs as uid 0 inside, host uid
// JailHostID outside (the caller's uid when it is not root), with no
// capability. The only network interface is loopback.
//
// # Host requirements
//
// Linux 5.14 or later (mount_setattr, cgroup.kill). [Check] names every
// blocker of a host and its fix (`bulkhead sandbox check`).
//
// As root (uid 0 with CAP_SYS_ADMIN in the initial user namespace) the
// jail maps its root to the unprivileged host uid JailHostID, creates
// idmapped mounts and writes cgroups. The workspace must be on a
// filesystem that supports idmapped mounts (ext4, xfs, btrfs, tmpfs since
// 6.3). Leaf cgroups live in a "bulkhead" directory at the top of each
// hierarchy (/sys/fs/cgroup/<controller>/bulkhead/ with v1,
// /sys/fs/cgroup/bulkhead/ with v2).
//
// As an ordinary user, where the kernel allows unprivileged user
// namespaces, every layer is the same except three ([HostPrivilege]):
// root inside is the caller's own uid and gid (one id mapped, so no
// newuidmap and no subordinate ids); the workspace and binds are plain
// binds the init stage makes, so files keep the caller's ids; and cgroup
// limits need a cgroup v2 directory delegated to the caller (systemd's
// Delegate=yes, e.g. `systemd-run --user --scope -p Delegate=yes`), whose
// processes are moved into its "supervisor" child so that leaves can be
// made under its "bulkhead" child. Without one the call is refused with
// what to change, unless Config.Cgroup is [CgroupNone], an explicit
// opt-out of cgroup limits.
//
// # Testing on a pure cgroup v2 host
//
// The tests run on whatever hierarchy the host has. On a host whose
// cgroup2 mount has the memory, pids and cpu controllers (systemd's
// unified layout, kernel 5.14 or later), `go test ./nsjail/...` as root
// runs every jail through cgroup v2 (CgroupAuto picks it),
// TestCgroupLimitsApplied reads memory.max, pids.max and cpu.max of a live
// leaf, TestCgroupV2 runs a full CgroupV2 jail and TestFailClosedCgroupMode
// checks that asking for v1 is refused. On a hybrid host the v1 path runs
// and TestCgroupV2 still exercises clone3 placement, cgroup.kill and leaf
// removal on the controller-less cgroup2 mount; the decision logic and
// file formats are unit-tested either way.
//
// The tests run as root and exercise the unprivileged path with an
// ordinary user they create (useradd, removed by TestMain): helper
// processes of the test binary drop to it. TestUnprivilegedDelegatedCgroup
// makes a cgroup v2 directory delegated to that user; on a pure v2 host
// whose root has the three controllers the user's default jail runs there
// with its limits, on a hybrid host the refusal is checked and placement
// runs without controllers.
package nsjail
