package nsjail

import (
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
// clone(2)). The cgroup namespace is entered by the init stage once it is
// in its cgroup leaves (stage/cgroup.go), so that its root is the leaf.
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
	spec    *os.File // unix stream socket: the spec, stdio and mount trees
	reportR *os.File
}

// startInit clones the init stage into new namespaces, directly into leaf
// when it is a cgroup v2 leaf (clone-time placement; nil for none). Nothing
// in it depends on the call it will serve: the call's standard streams,
// mount trees and everything else come with the spec, so an init stage can
// be started before it is needed (pool.go). It waits for its spec; the
// caller kills it when the call's context ends.
func startInit(leaf cgroupLeaf) (*initProc, error) {
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
	priv, err := hostPrivilege()
	if err != nil {
		specHost.Close()
		specInit.Close()
		reportR.Close()
		reportW.Close()
		return nil, err
	}
	uids, gids := idMappings(priv)
	cmd := exec.Command(selfExe)
	cmd.Args = []string{stage.Marker}
	cmd.Env = initEnv // never the host's environment
	cmd.Dir = "/"
	// Standard streams stay /dev/null until the spec brings the call's.
	cmd.ExtraFiles = []*os.File{specInit, reportW} // stage.SpecFD, stage.ReportFD
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:                 cloneFlags,
		UidMappings:                uids,
		GidMappings:                gids,
		GidMappingsEnableSetgroups: false,
		// setuid(0) and setgid(0) inside, once the maps are written, make
		// the init stage root of its namespace (host priv.UID).
		Credential: &syscall.Credential{Uid: jailUID, Gid: jailGID, NoSetGroups: true},
		// A new session has no controlling terminal, so /dev/tty cannot
		// reach the host's terminal.
		Setsid: true,
		// The jail dies with the host thread that started it, which stays
		// locked until the jail is reaped (run.go, pool.go).
		Pdeathsig: syscall.SIGKILL,
	}
	if leaf != nil {
		if fd, ok := leaf.cloneFD(); ok {
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

// sendSpec sends the encoded spec with the standard streams and the mount
// trees as SCM_RIGHTS on its first bytes (see unix(7)), then closes the
// host's end, which the init stage reads as the end of the spec. A failure
// means the init stage died first; the caller learns why from the report.
//
// With keep, the host's end is only shut for writing (the spec still ends
// there) and stays open, for the egress listener the init stage sends
// back (serveEgress closes it).
func sendSpec(p *initProc, sp *stage.Spec, stdio *jailStdio, trees []mountTree, keep bool) (err error) {
	defer func() {
		if keep && err == nil {
			if serr := shutWrite(p.spec); serr != nil {
				err = serr
				p.spec.Close()
			}
			return
		}
		p.spec.Close()
	}()
	var fds []int
	for _, f := range []*os.File{stdio.stdin, stdio.stdout, stdio.stderr} {
		if f != nil {
			fds = append(fds, int(f.Fd()))
		}
	}
	for _, t := range trees {
		fds = append(fds, int(t.file.Fd()))
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
