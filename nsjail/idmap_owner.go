package nsjail

import (
	"fmt"
	"os"
	"os/exec"
	"sync"
	"syscall"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
)

// ownerKey names a directory owner's uid and gid.
type ownerKey struct{ uid, gid uint32 }

// ownerNS is one cached owner namespace.
type ownerNS struct {
	once sync.Once
	file *os.File
	err  error
}

// ownerNamespaces caches, for the life of the process, one user namespace
// per directory owner the jails mounted: few hosts have more than a
// handful of owners, and a namespace kept by its descriptor costs a few
// hundred bytes of kernel memory.
var ownerNamespaces sync.Map // ownerKey → *ownerNS

// ownerNamespace returns a user namespace that maps host uid and gid to
// JailHostID and nothing else, to idmap a mount whose owner is not root
// (see idmappedTree): on-disk uid is then the jail's root. It is made once
// per owner by starting this binary with argv[0] stage.UsernsMarker in a
// new user namespace with those maps (the process waits for the end of its
// standard input and exits), opening its /proc/PID/ns/user and ending it;
// the descriptor keeps the namespace.
func ownerNamespace(uid, gid uint32) (*os.File, error) {
	v, _ := ownerNamespaces.LoadOrStore(ownerKey{uid, gid}, &ownerNS{})
	o := v.(*ownerNS)
	o.once.Do(func() { o.file, o.err = newOwnerNamespace(uid, gid) })
	return o.file, o.err
}

func newOwnerNamespace(uid, gid uint32) (*os.File, error) {
	fail := func(err error) (*os.File, error) {
		return nil, &SetupError{Step: "user", Err: fmt.Errorf("user namespace mapping the owner %d:%d to %d: %w", uid, gid, JailHostID, err)}
	}
	r, w, err := os.Pipe()
	if err != nil {
		return fail(err)
	}
	defer w.Close()
	cmd := exec.Command(selfExe)
	cmd.Args = []string{stage.UsernsMarker}
	cmd.Env = initEnv
	cmd.Dir = "/"
	cmd.Stdin = r
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:                 syscall.CLONE_NEWUSER,
		UidMappings:                []syscall.SysProcIDMap{{ContainerID: int(uid), HostID: JailHostID, Size: 1}},
		GidMappings:                []syscall.SysProcIDMap{{ContainerID: int(gid), HostID: JailHostID, Size: 1}},
		GidMappingsEnableSetgroups: false,
		Pdeathsig:                  syscall.SIGKILL,
	}
	err = cmd.Start()
	r.Close()
	if err != nil {
		return fail(fmt.Errorf("clone(CLONE_NEWUSER) of %s: %w", selfExe, err))
	}
	ns, err := os.Open(fmt.Sprintf("/proc/%d/ns/user", cmd.Process.Pid))
	w.Close()
	if werr := cmd.Wait(); err == nil && werr != nil {
		err = fmt.Errorf("holder process: %w", werr)
	}
	if err != nil {
		if ns != nil {
			ns.Close()
		}
		return fail(err)
	}
	return ns, nil
}
