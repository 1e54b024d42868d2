package nsjail

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"syscall"
	"time"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
	"golang.org/x/sys/unix"
)

// selfExe re-executes the running binary, even if it was replaced on disk.
const selfExe = "/proc/self/exe"

// cloneFlags are the namespaces every call gets (see namespaces(7) and
// clone(2)). The cgroup namespace is entered by the init stage after the
// host has placed it in its cgroups (stage/cgroupns.go), so that its root
// is the jail's leaf.
const cloneFlags = syscall.CLONE_NEWUSER | // user.go
	syscall.CLONE_NEWNS | // stage/mnt.go
	syscall.CLONE_NEWPID | // stage/exec.go: the init stage is PID 1
	syscall.CLONE_NEWNET | // stage/net.go
	syscall.CLONE_NEWUTS | // stage/uts.go
	syscall.CLONE_NEWIPC // System V IPC and POSIX message queues: nothing to set up

const cloneFlagNames = "CLONE_NEWUSER|CLONE_NEWNS|CLONE_NEWPID|CLONE_NEWNET|CLONE_NEWUTS|CLONE_NEWIPC"

// initEnv is the init stage's own environment (the command's is in the
// spec): one scheduler thread and no garbage collection, since the init
// stage allocates a little during setup and nothing while it waits.
var initEnv = []string{"GOMAXPROCS=1", "GOGC=off"}

// waitDelay bounds how long Run waits for the output copiers after the
// init stage has been reaped; they reach end of file as soon as the
// namespace is gone.
const waitDelay = 2 * time.Second

// initProc is a started init stage and the host's ends of its channels.
type initProc struct {
	cmd     *exec.Cmd
	spec    *os.File // unix stream socket: the spec and the mount trees
	reportR *os.File
}

// startInit clones the init stage into new namespaces with the given
// stdio, directly into leaf when it supports clone-time placement. ctx's
// end kills the leaf's processes and the init stage, and with it the whole
// PID namespace.
func startInit(ctx context.Context, stdio *jailStdio, leaf *pendingLeaf) (*initProc, error) {
	specHost, specInit, err := socketPair()
	if err != nil {
		return nil, &SetupError{Step: "namespaces", Err: err}
	}
	reportR, reportW, err := os.Pipe()
	if err != nil {
		specHost.Close()
		specInit.Close()
		return nil, &SetupError{Step: "namespaces", Err: sysErr("pipe2", "report", err)}
	}
	uids, gids := idMappings()
	cmd := exec.CommandContext(ctx, selfExe)
	cmd.Args = []string{stage.Marker}
	cmd.Env = initEnv // never the host's environment
	cmd.Dir = "/"
	if stdio.stdin != nil {
		cmd.Stdin = stdio.stdin
	}
	cmd.Stdout = stdio.stdout
	cmd.Stderr = stdio.stderr
	cmd.ExtraFiles = []*os.File{specInit, reportW} // stage.SpecFD, stage.ReportFD
	cmd.Cancel = func() error {
		if l, err := leaf.get(); err == nil {
			_ = l.kill()
		}
		return cmd.Process.Kill()
	}
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:                 cloneFlags,
		UidMappings:                uids,
		GidMappings:                gids,
		GidMappingsEnableSetgroups: false,
		// setuid(0) and setgid(0) inside, once the maps are written, make
		// the init stage root of its namespace (host JailHostID).
		Credential: &syscall.Credential{Uid: jailUID, Gid: jailGID, NoSetGroups: true},
		// A new session has no controlling terminal, so /dev/tty cannot
		// reach the host's terminal.
		Setsid: true,
		// The jail dies with the host thread that started it; Run keeps that
		// thread locked until the jail is reaped.
		Pdeathsig: syscall.SIGKILL,
	}
	if l, err := leaf.ready(); err == nil {
		if fd, ok := l.cloneFD(); ok {
			cmd.SysProcAttr.UseCgroupFD = true
			cmd.SysProcAttr.CgroupFD = fd
		}
	}
	err = cmd.Start()
	specInit.Close()
	reportW.Close()
	if err != nil {
		specHost.Close()
		reportR.Close()
		return nil, &SetupError{Step: "namespaces", Err: fmt.Errorf("clone(%s) of %s: %w", cloneFlagNames, selfExe, err)}
	}
	return &initProc{cmd: cmd, spec: specHost, reportR: reportR}, nil
}

// socketPair returns the two ends of a unix stream socket pair.
func socketPair() (*os.File, *os.File, error) {
	fds, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM|unix.SOCK_CLOEXEC, 0)
	if err != nil {
		return nil, nil, sysErr("socketpair", "AF_UNIX, SOCK_STREAM", err)
	}
	return os.NewFile(uintptr(fds[0]), "spec"), os.NewFile(uintptr(fds[1]), "spec"), nil
}

// sendSpec sends the encoded spec with the mount trees as SCM_RIGHTS on
// its first bytes (see unix(7)), then closes the host's end, which the
// init stage reads as the end of the spec. A failure means the init stage
// died first; the caller learns why from the report.
func sendSpec(p *initProc, sp *stage.Spec, trees []mountTree) error {
	defer p.spec.Close()
	fds := make([]int, len(trees))
	for i, t := range trees {
		fds[i] = int(t.file.Fd())
	}
	data := sp.Encode()
	conn, err := p.spec.SyscallConn()
	if err != nil {
		return fmt.Errorf("send spec: %w", err)
	}
	var n int
	var serr error
	if err := conn.Write(func(fd uintptr) bool {
		n, serr = unix.SendmsgN(int(fd), data, unix.UnixRights(fds...), nil, 0)
		return serr != unix.EAGAIN
	}); err != nil {
		return fmt.Errorf("send spec: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("send spec: %w", sysErr("sendmsg", "SCM_RIGHTS", serr))
	}
	if _, err := p.spec.Write(data[n:]); err != nil {
		return fmt.Errorf("send spec: %w", err)
	}
	return nil
}
