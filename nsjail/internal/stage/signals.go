package stage

import (
	"syscall"
	"unsafe"
)

// kernelSigaction is the kernel's struct sigaction on 64-bit Linux; only
// its all-zero value (SIG_DFL, no flags, empty mask) is ever passed, which
// reads the same whether or not the architecture has sa_restorer.
type kernelSigaction struct {
	handler, flags, restorer, mask uint64
}

// maxSignal is _NSIG on Linux: signals are numbered 1 to 64.
const maxSignal = 64

// resetSignals sets every signal's disposition to SIG_DFL with
// rt_sigaction(2), replacing the handlers the Go runtime installed at start.
// For PID 1 of a PID namespace the kernel then drops every signal sent from
// inside the namespace, SIGKILL included (see pid_namespaces(7)), so the
// command cannot kill or stop the init stage; and the command starts with
// default dispositions for all signals, none inherited as ignored. The
// init stage does not use signals: it runs to completion on one thread,
// and the runtime's preemption signal (SIGURG) is ignored by default.
func resetSignals() error {
	var dfl kernelSigaction
	for sig := uintptr(1); sig <= maxSignal; sig++ {
		if sig == uintptr(syscall.SIGKILL) || sig == uintptr(syscall.SIGSTOP) {
			continue
		}
		_, _, errno := syscall.RawSyscall6(syscall.SYS_RT_SIGACTION, sig, uintptr(unsafe.Pointer(&dfl)), 0, maxSignal/8, 0, 0)
		if errno != 0 {
			return sysErr("rt_sigaction", itoa(sig)+", SIG_DFL", errno)
		}
	}
	return nil
}
