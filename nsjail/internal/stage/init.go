package stage

import (
	"errors"
	"os"
	"syscall"
	"time"
)

// Marker is the argv[0] value that turns any binary importing this
// package into the init stage (see doc.go); it is reserved.
const Marker = "bulkhead-jail-init"

// UsernsMarker is the argv[0] value that turns any binary importing this
// package into a holder of the user namespace it was started in: it reads
// its standard input until the end and exits 0, doing nothing else. The
// host starts one to make a user namespace with given id maps and opens
// its /proc/PID/ns/user meanwhile (package nsjail, idmap_owner.go).
const UsernsMarker = "bulkhead-jail-userns"

// ExitSetupFailed is the init stage's exit code when the jail could not be
// set up (the report says why).
const ExitSetupFailed = 125

// init runs the init stage instead of the importing program's main when
// argv[0] is Marker; it never returns in that case. syscall.Exit, not
// os.Exit: no exit hook (such as coverage output) may write into the
// jail's stderr.
func init() {
	if len(os.Args) == 0 {
		return
	}
	switch os.Args[0] {
	case Marker:
		syscall.Exit(Main())
	case UsernsMarker:
		buf := make([]byte, 64)
		for {
			if n, err := syscall.Read(0, buf); n <= 0 && err != syscall.EINTR {
				syscall.Exit(0)
			}
		}
	}
}

// step is one layer the init stage sets up, named for the report.
type step struct {
	name  string
	apply func(*Spec) error
}

// trees are the mount tree descriptors received with the spec, for the
// mnt step.
var trees []int

// Steps are applied in this order, after the spec is read and before the
// command starts. The host has already made the namespaces (clone(2)),
// written the id maps and, with cgroup v2, placed the process in its leaf. Layers that
// need privilege come first; the ones that take it away (rlimits,
// capabilities, then no_new_privs with the seccomp filter, which would
// deny the mount calls) come last; verify reads everything back.
var steps = []step{
	{"cgroup", setupCgroup},
	{"mnt", func(s *Spec) error { return setupMounts(s, trees) }},
	{"uts", setupUTS},
	{"net", setupNetwork},
	{"rlimit", setRlimits},
	{"caps", dropCapabilities},
	{"seccomp", installSeccomp},
	{"verify", verify},
}

// Main is the init stage: it sets up every layer, runs the command as its
// child, reports the outcome on ReportFD and returns its exit code.
func Main() int {
	// Only PID 1 of a new PID namespace (whose parent is outside it, so
	// getppid(2) returns 0) may touch mounts: started by hand, this binary
	// must not pivot the host's root.
	if os.Getpid() != 1 || os.Getppid() != 0 {
		os.Stderr.WriteString(Marker + ": refusing to run: not PID 1 of a new PID namespace\n")
		return ExitSetupFailed
	}
	syscall.CloseOnExec(SpecFD)
	syscall.CloseOnExec(ReportFD)
	reportPipe := os.NewFile(ReportFD, "report")
	if err := closeInherited(); err != nil {
		return fail(reportPipe, "fds", err)
	}
	if err := resetSignals(); err != nil {
		return fail(reportPipe, "signals", err)
	}
	syscall.Umask(0o022)

	s, fds, err := ReceiveSpec(SpecFD)
	if err != nil || s.ProxyPort == 0 {
		syscall.Close(SpecFD) // else the net step sends the egress listener on it first
	}
	if err != nil {
		return fail(reportPipe, "spec", err)
	}
	if err := takeStdio(s, fds[:s.stdioCount()]); err != nil {
		return fail(reportPipe, "spec", err)
	}
	trees = fds[s.stdioCount():]
	times := make([]StepTime, 0, len(steps))
	for _, st := range steps {
		start := time.Now()
		if err := st.apply(s); err != nil {
			return fail(reportPipe, st.name, err)
		}
		times = append(times, StepTime{Name: st.name, Micros: time.Since(start).Microseconds()})
	}
	pid, err := startCommand(s)
	if err != nil {
		return fail(reportPipe, "exec", err)
	}
	ws, err := waitCommand(pid)
	if err != nil {
		return fail(reportPipe, "pid", err)
	}
	reapAll()
	rep, code := statusReport(ws)
	rep.Steps = times
	if err := writeReport(reportPipe, rep); err != nil {
		os.Stderr.WriteString(Marker + ": " + err.Error() + "\n")
	}
	return code
}

// takeStdio makes the received standard streams this process's 0, 1 and
// 2 (0 stays /dev/null without one), which the command inherits.
func takeStdio(s *Spec, fds []int) error {
	first := 1
	if s.Stdin {
		first = 0
	}
	for i, fd := range fds {
		target := first + i
		if err := syscall.Dup3(fd, target, 0); err != nil {
			return sysErr("dup3", itoa(fd)+", "+itoa(target), err)
		}
		syscall.Close(fd)
	}
	return nil
}

// fail reports a setup failure in step and returns ExitSetupFailed.
func fail(w *os.File, step string, err error) int {
	if werr := writeReport(w, FailureReport(step, err)); werr != nil {
		os.Stderr.WriteString(Marker + ": setup step " + step + ": " + err.Error() + " (" + werr.Error() + ")\n")
	}
	return ExitSetupFailed
}

// writeReport writes rep as the one message of the report pipe.
func writeReport(w *os.File, rep Report) error {
	if _, err := w.Write(rep.Encode()); err != nil {
		return errors.Join(&layerError{"write report", err}, w.Close())
	}
	return w.Close()
}
