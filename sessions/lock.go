package sessions

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"os"
	"sync"
	"time"

	"golang.org/x/sys/unix"

	"github.com/bulkhead-dev/bulkhead/internal/ids"
	"github.com/bulkhead-dev/bulkhead/internal/sharedfile"
)

// Lock takes the session lock of id, held across processes, so that two
// runs on the same session never interleave. It waits until the lock is
// free or ctx is done; then the error wraps ctx.Err(). The returned
// unlock releases the lock and may be called more than once.
//
// # Notes
//
//   - The lock is one byte of <workspaceDir>/sessions.lock, at an offset
//     taken from SHA-256(id), locked with an open file description lock
//     (fcntl(2), F_OFD_SETLK; see "Open file description locks" there).
//     Every Store of the directory in this process shares one open file of
//     it, so a process holding any number of session locks of a workspace
//     holds one descriptor for them.
//   - Locks within this process exclude each other too (a second Lock of
//     the same id waits, Delete of a locked session fails with ErrLocked),
//     through a table of held bytes, since locks taken through one open file
//     do not exclude each other.
//   - Two ids whose bytes collide (62 bits of SHA-256; about k²/2⁶³ for k
//     sessions locked at once) wait for each other; nothing else follows.
//   - A process that dies releases its locks.
//   - While another process holds the lock, Lock retries every 10 ms.
//   - fcntl(2): https://man7.org/linux/man-pages/man2/fcntl.2.html
func (s *Store) Lock(ctx context.Context, id string) (unlock func() error, err error) {
	if err := ids.Validate("session", id); err != nil {
		return nil, err
	}
	unlock, err = s.lockSession(ctx, id, true)
	if err != nil {
		return nil, fmt.Errorf("lock session %q: %w", id, err)
	}
	return unlock, nil
}

// TryLock is Lock without waiting: it fails with an error wrapping
// ErrLocked when the session is locked by a run of this process or
// another.
func (s *Store) TryLock(id string) (unlock func() error, err error) {
	if err := ids.Validate("session", id); err != nil {
		return nil, err
	}
	unlock, err = s.lockSession(context.Background(), id, false)
	if err != nil {
		return nil, fmt.Errorf("lock session %q: %w", id, err)
	}
	return unlock, nil
}

// lockFiles holds this process's open sessions.lock files, one for each
// such file however many Stores and sessions use it, each with the bytes
// this process locked in it.
var lockFiles = sharedfile.New(os.O_RDWR|os.O_CREATE, filePerm, func(*os.File) (*heldBytes, error) {
	return &heldBytes{held: map[int64]chan struct{}{}}, nil
})

// heldBytes are the bytes of one sessions.lock that session locks of this
// process hold, each with a channel closed when its lock is released. A
// byte is held by at most one Lock of the process at a time.
type heldBytes struct {
	mu   sync.Mutex
	held map[int64]chan struct{}
}

// lockOffset returns the byte of sessions.lock that is the lock of
// session id: the first 8 bytes of SHA-256(id) (FIPS 180-4), big-endian,
// masked to 62 bits, which keeps the byte's offset and end within off_t.
func lockOffset(id string) int64 {
	sum := sha256.Sum256([]byte(id))
	return int64(binary.BigEndian.Uint64(sum[:8]) & (1<<62 - 1))
}

// lockSession takes session id's lock; with wait it waits for a holder in
// this process to release it, and polls every lockRetry while another
// process holds it, until ctx is done. Without wait it fails with
// ErrLocked when the lock is held.
func (s *Store) lockSession(ctx context.Context, id string, wait bool) (func() error, error) {
	h, err := lockFiles.Open(s.sessionLockPath())
	if err != nil {
		return nil, err
	}
	b, off := h.State(), lockOffset(id)
	var retry *time.Timer
	for {
		if wait && ctx.Err() != nil {
			h.Release()
			return nil, ctx.Err()
		}
		released, err := b.tryLock(h.File(), off)
		if err == nil {
			return sync.OnceValue(func() error {
				if err := errors.Join(b.unlock(h.File(), off), h.Release()); err != nil {
					return fmt.Errorf("unlock session %q: %w", id, err)
				}
				return nil
			}), nil
		}
		if !wait || !errors.Is(err, ErrLocked) {
			h.Release()
			return nil, err
		}
		var poll <-chan time.Time
		if released == nil { // another process holds it
			if retry == nil {
				retry = time.NewTimer(lockRetry)
				defer retry.Stop()
			} else {
				retry.Reset(lockRetry)
			}
			poll = retry.C
		}
		select {
		case <-released:
		case <-poll:
		case <-ctx.Done():
		}
	}
}

// tryLock takes byte off of f, the sessions.lock file of b, without
// waiting. It fails with ErrLocked when a lock of this process holds the
// byte, returning the channel closed when that lock is released, or when
// another process holds it, returning nil.
func (b *heldBytes) tryLock(f *os.File, off int64) (released chan struct{}, err error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ch, ok := b.held[off]; ok {
		return ch, ErrLocked
	}
	if err := setLock(f, unix.F_WRLCK, off); err != nil {
		return nil, err
	}
	b.held[off] = make(chan struct{})
	return nil, nil
}

// unlock releases byte off of f, which tryLock took, and wakes the locks
// of this process that wait for it.
func (b *heldBytes) unlock(f *os.File, off int64) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	err := setLock(f, unix.F_UNLCK, off)
	close(b.held[off])
	delete(b.held, off)
	return err
}

// setLock applies an open file description lock of type typ (F_WRLCK or
// F_UNLCK) to byte off of f without waiting (fcntl(2), F_OFD_SETLK). It
// fails with ErrLocked when another open file description holds a
// conflicting lock.
func setLock(f *os.File, typ int16, off int64) error {
	lk := unix.Flock_t{Type: typ, Whence: io.SeekStart, Start: off, Len: 1}
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var lerr error
	if err := rc.Control(func(fd uintptr) { lerr = unix.FcntlFlock(fd, unix.F_OFD_SETLK, &lk) }); err != nil {
		return err
	}
	switch {
	case errors.Is(lerr, unix.EAGAIN), errors.Is(lerr, unix.EACCES):
		return ErrLocked
	case lerr != nil:
		return fmt.Errorf("fcntl F_OFD_SETLK %s: %w", f.Name(), lerr)
	}
	return nil
}
