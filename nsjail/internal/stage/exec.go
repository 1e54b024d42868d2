package stage

import (
	"errors"
	"strings"
	"syscall"
)

// Path is the PATH inside the jail (the Debian default for root).
const Path = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"

// startCommand starts s.Argv as a child of the init stage, in /workspace,
// with exactly s.Env and the init stage's stdin, stdout and stderr as its
// only descriptors. It
// runs on the thread whose capabilities, securebits, no_new_privs and
// seccomp filter were set, so the command inherits them.
func startCommand(s *Spec) (int, error) {
	path, err := lookPath(s.Argv[0])
	if err != nil {
		return 0, err
	}
	if err := sealDescriptors(); err != nil {
		return 0, err
	}
	pid, err := syscall.ForkExec(path, s.Argv, &syscall.ProcAttr{
		Dir:   WorkspaceDir,
		Env:   s.Env,
		Files: []uintptr{0, 1, 2},
		Sys:   &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL},
	})
	if err != nil {
		return 0, sysErr("execve", q(path), err)
	}
	return pid, nil
}

// lookPath finds name in Path the way execvp(3) does: a name with a slash
// is used as is, otherwise the first Path entry holding an executable
// regular file of that name wins.
func lookPath(name string) (string, error) {
	if strings.Contains(name, "/") {
		return name, nil
	}
	for _, dir := range strings.Split(Path, ":") {
		p := dir + "/" + name
		var st syscall.Stat_t
		if syscall.Stat(p, &st) != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG {
			continue
		}
		if syscall.Access(p, 1) == nil { // X_OK
			return p, nil
		}
	}
	return "", &sysError{call: "execvp", args: q(name) + ", PATH=" + Path, errno: syscall.ENOENT}
}

// waitCommand acts as PID 1 of the namespace until the command exits: it
// reaps every child, including orphans the kernel reparents to it (see
// pid_namespaces(7), "The namespace init process"), so no zombie
// accumulates, and returns the command's wait status; reapAll ends the
// rest.
func waitCommand(pid int) (syscall.WaitStatus, error) {
	for {
		var ws syscall.WaitStatus
		got, err := syscall.Wait4(-1, &ws, 0, nil)
		if errors.Is(err, syscall.EINTR) {
			continue
		}
		if err != nil {
			return ws, sysErr("wait4", "-1", err)
		}
		if got == pid && (ws.Exited() || ws.Signaled()) {
			return ws, nil
		}
	}
}

// reapAll ends the jail once the command has exited: it kills every other
// process of the namespace (kill(2) with pid -1, which from PID 1 reaches
// exactly the namespace's other processes) and reaps them all, so that
// their resource usage — CPU times, maximum resident set and the I/O
// accounting of proc_pid_io(5) — adds up into the init stage's, which the
// host reads from wait4(2) when it reaps the init stage (getrusage(2),
// RUSAGE_CHILDREN). Left to the kernel, which kills them when the init
// stage exits, they would be reaped with SIGCHLD ignored and their usage
// dropped (zap_pid_ns_processes in kernel/pid_namespace.c). If the kill
// fails (it cannot: every process of the jail has the init stage's uid and
// none can change it) the rest is left to the kernel rather than waited
// for.
func reapAll() {
	if err := syscall.Kill(-1, syscall.SIGKILL); err != nil {
		return // ESRCH: nothing else runs
	}
	for {
		_, err := syscall.Wait4(-1, nil, 0, nil)
		if err != nil && !errors.Is(err, syscall.EINTR) {
			return // ECHILD: all reaped
		}
	}
}

// statusReport turns the command's wait status into the init stage's
// report and the init stage's own exit code (the shell convention:
// 128+signal number for a signal).
func statusReport(ws syscall.WaitStatus) (Report, int) {
	if !ws.Signaled() {
		return Report{ExitCode: ws.ExitStatus()}, ws.ExitStatus()
	}
	return Report{ExitCode: -1, Signal: int(ws.Signal())}, 128 + int(ws.Signal())
}
