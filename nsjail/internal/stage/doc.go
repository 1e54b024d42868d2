// Package stage is the inside half of package nsjail: the init stage, the
// process that becomes PID 1 of a new jail, sets up every layer from
// inside, runs the command as its child and reports how it ended.
//
// The host (package nsjail) clones the init stage into new user, mount,
// PID, network, IPC and UTS namespaces by re-executing the running binary
// (/proc/self/exe) with argv[0] set to [Marker] (directly into its cgroup
// v2 leaf, if any), writes the id maps, and then sends the [Spec] with the
// mount trees on [SpecFD]. This package's init function recognises the marker and runs
// [Main] instead of the program's main; the outcome comes back as a
// [Report] on [ReportFD].
//
// The package has few imports on purpose: Go initialises packages in
// dependency order and, among independent ones, by import path, so a
// package with few dependencies runs its init function early and the
// init stage does not wait for the initialisation of everything else the
// importing binary links (SDKs, WebAssembly runtimes, …).
//
// Steps, in order (one file each):
//
//	cgroup.go    the cgroup v1 leaves joined, a cgroup namespace rooted there
//	mnt.go       mount namespace: tmpfs root, read-only system binds, the
//	             caller's mounts, pivot_root, old root detached
//	mnt_bind.go  the caller's mounts cloned here when the host is not root
//	mnt_etc.go   the synthesized /etc
//	mnt_proc.go  the new /proc (hidepid), read-only kernel knobs
//	mnt_dev.go   the minimal /dev
//	uts.go       hostname
//	net.go       loopback up (or not)
//	rlimit.go    resource limits
//	caps.go      securebits, all five capability sets emptied, not dumpable
//	seccomp.go   no_new_privs and the seccomp filter
//	verify.go    everything above read back from inside
//	exec.go      the command as child, PID 1 reaping until it exits, then killing and reaping the rest
//
// signals.go resets all signal handlers first, which makes the init stage
// immune to signals from the command; spec.go and wire.go carry the
// messages. init.go also serves [UsernsMarker], a process that only holds
// the user namespace it was started in.
package stage
