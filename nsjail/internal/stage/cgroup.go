package stage

import (
	"os"
	"strings"
	"syscall"
)

// setupCgroup joins the cgroup v1 leaves of s.Cgroups, checks the result,
// and enters a new cgroup namespace rooted there (see
// cgroup_namespaces(7)), so /proc/self/cgroup shows "/" and no host cgroup
// path. It runs first, before any process of the jail but this one
// exists; the command, forked from this thread, inherits both.
func setupCgroup(s *Spec) error {
	if err := joinCgroups(s.Cgroups); err != nil {
		return err
	}
	if err := syscall.Unshare(syscall.CLONE_NEWCGROUP); err != nil {
		return sysErr("unshare", "CLONE_NEWCGROUP", err)
	}
	return nil
}

// joinCgroups moves this thread into each leaf by writing "0" to its tasks
// file (see the kernel's Documentation/admin-guide/cgroup-v1/cgroups.rst).
// A thread that moves itself does not take the cgroup threadgroup lock,
// whose first writer waits for an RCU grace period (often 10 ms and more);
// the host writing the init stage's pid into cgroup.procs would. Only the
// init stage's main thread moves: it is the one that forks the command,
// and its memory is charged to the leaf as the owner of the process's
// address space. The Go runtime's other threads stay outside and run none
// of the command's code.
func joinCgroups(joins []CgroupJoin) error {
	for _, j := range joins {
		fd, err := syscall.Open(j.Tasks, syscall.O_WRONLY|syscall.O_CLOEXEC, 0)
		if err != nil {
			return sysErr("open", q(j.Tasks)+", O_WRONLY", err)
		}
		_, err = syscall.Write(fd, []byte("0"))
		syscall.Close(fd)
		if err != nil {
			return sysErr("write", q(j.Tasks)+", \"0\"", err)
		}
	}
	if len(joins) == 0 {
		return nil
	}
	data, err := os.ReadFile("/proc/thread-self/cgroup")
	if err != nil {
		return err
	}
	for _, j := range joins {
		if !inCgroup(string(data), j.Controller, j.Path) {
			return stageError("/proc/thread-self/cgroup does not show " + j.Controller + " cgroup " + j.Path + ":\n" + string(data))
		}
	}
	return nil
}

// inCgroup reports whether a /proc/PID/cgroup text (see cgroups(7)) has
// the hierarchy of controller at path.
func inCgroup(procCgroup, controller, path string) bool {
	for _, line := range strings.Split(strings.TrimSpace(procCgroup), "\n") {
		parts := strings.SplitN(line, ":", 3)
		if len(parts) != 3 {
			continue
		}
		for _, c := range strings.Split(parts[1], ",") {
			if c == controller {
				return parts[2] == path
			}
		}
	}
	return false
}
