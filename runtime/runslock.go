package runtime

import (
	"errors"
	"fmt"
	"os"

	"golang.org/x/sys/unix"

	"github.com/bulkhead-dev/bulkhead/internal/sharedfile"
)

// errDeleting is the setup error of runsLocks when the workspace's lock
// is held exclusively, by a DeleteWorkspace of any process.
var errDeleting = errors.New("being deleted")

// runsLocks holds the workspaces this process uses: one open .runs.lock
// per workspace, however many runs and other users hold it, locked shared
// (flock(2), LOCK_SH) by its first holder and unlocked when the last one
// closes it.
var runsLocks = sharedfile.New(os.O_RDONLY|os.O_CREATE, 0o600, func(f *os.File) (struct{}, error) {
	rc, err := f.SyscallConn()
	if err != nil {
		return struct{}{}, err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) { lerr = unix.Flock(int(fd), unix.LOCK_SH|unix.LOCK_NB) }); err != nil {
		return struct{}{}, err
	}
	if errors.Is(lerr, unix.EWOULDBLOCK) {
		return struct{}{}, errDeleting
	}
	if lerr != nil {
		return struct{}{}, fmt.Errorf("flock: %w", lerr)
	}
	return struct{}{}, nil
})

// Acquire marks the workspace in use, as each run does, until release is
// called (calling it again does nothing): meanwhile DeleteWorkspace, in
// this process or another, fails with ErrWorkspaceBusy. Errors: the
// workspace is being or has been deleted; the lock file cannot be opened.
//
// # Notes
//
// All holders of a workspace in this process share one descriptor: the
// first takes a shared flock(2) on <dir>/.runs.lock, the last release
// drops it (see runsLocks).
func (w *Workspace) Acquire() (release func(), err error) {
	h, err := runsLocks.Open(w.layout().runsLock())
	if errors.Is(err, errDeleting) {
		return nil, fmt.Errorf("workspace %s is being deleted", w.id)
	}
	if err != nil {
		return nil, fmt.Errorf("workspace %s: %w", w.id, err)
	}
	return func() { h.Release() }, nil
}
