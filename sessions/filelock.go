package sessions

import (
	"context"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/gofrs/flock"
)

// lockRetry is how often a waiting lock retries: flock(2) here, the
// session lock's fcntl(2) in lock.go.
const lockRetry = 10 * time.Millisecond

// acquire takes an exclusive flock(2) on path, creating the file with mode
// 0600. With wait it retries every lockRetry until ctx is done; without, it
// fails with ErrLocked when the lock is held. Once locked, it checks that
// path still names the locked file (the file may have been removed and
// recreated meanwhile) and starts over if not.
func acquire(ctx context.Context, path string, wait bool) (*flock.Flock, error) {
	for {
		fl := flock.New(path, flock.SetPermissions(filePerm))
		var ok bool
		var err error
		if wait {
			ok, err = fl.TryLockContext(ctx, lockRetry)
		} else {
			ok, err = fl.TryLock()
		}
		if err != nil {
			return nil, fmt.Errorf("lock %s: %w", path, err)
		}
		if !ok {
			return nil, fmt.Errorf("lock %s: %w", path, ErrLocked)
		}
		same, err := stillLinked(fl, path)
		if err != nil {
			fl.Unlock()
			return nil, err
		}
		if same {
			return fl, nil
		}
		if err := fl.Unlock(); err != nil {
			return nil, fmt.Errorf("unlock %s: %w", path, err)
		}
	}
}

// stillLinked reports whether path names the file fl holds open.
func stillLinked(fl *flock.Flock, path string) (bool, error) {
	held, err := fl.Stat()
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", path, err)
	}
	cur, err := os.Stat(path)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("lock %s: %w", path, err)
	}
	return os.SameFile(held, cur), nil
}

// acquireTimeout is acquire with wait, bounded by the LockTimeout limit.
func (s *Store) acquireTimeout(path string) (*flock.Flock, error) {
	ctx, cancel := context.WithTimeout(context.Background(), s.limits.LockTimeout)
	defer cancel()
	fl, err := acquire(ctx, path, true)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("%w (lock timeout %v)", err, s.limits.LockTimeout)
	}
	return fl, err
}
