package stage

import (
	"errors"
	"syscall"
)

// noexec is MS_NOEXEC, for mounts that hold no programs.
const noexec = syscall.MS_NOEXEC

// procReadOnly are the /proc entries that configure the whole machine
// rather than the jail (kernel tunables, the magic SysRq key, interrupt
// routing, bus devices). They are bound read-only over themselves, as
// bubblewrap and runc do. With root inside mapped to an unprivileged host
// uid and no capabilities, their owner and mode already deny writes; the
// read-only binds are the second wall.
var procReadOnly = []string{"sys", "sysrq-trigger", "irq", "bus"}

// procOptions hide every process the caller could not ptrace, which in
// the jail is the non-dumpable init stage (see proc(5), "hidepid"); Linux
// before 5.8 only knows the numeric form.
var procOptions = []string{"hidepid=invisible", "hidepid=2"}

// mountProc mounts a new proc(5) for the jail's PID namespace at
// /newroot/proc, so it lists only the jail's processes. It must run while
// the host's /proc is still visible at /oldroot/proc: the kernel only allows
// a new proc mount in a user namespace when a fully visible one exists in
// the mount namespace.
func mountProc() error {
	proc := newRootDir + "/proc"
	if err := mkdir(proc); err != nil {
		return err
	}
	var err error
	for _, opts := range procOptions {
		err = syscall.Mount("proc", proc, "proc", syscall.MS_NOSUID|syscall.MS_NODEV|syscall.MS_NOEXEC, opts)
		if !errors.Is(err, syscall.EINVAL) {
			break
		}
	}
	if err != nil {
		return sysErr("mount", `"proc", `+q(proc)+`, "proc", MS_NOSUID|MS_NODEV|MS_NOEXEC, `+q(procOptions[0]), err)
	}
	for _, name := range procReadOnly {
		p := proc + "/" + name
		if err := syscall.Access(p, 0); errors.Is(err, syscall.ENOENT) { // F_OK
			continue
		}
		if err := bindMount(p, p, roFlags|noexec); err != nil {
			return err
		}
	}
	return nil
}
