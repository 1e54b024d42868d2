package ledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sync"
	"time"

	"github.com/gofrs/flock"
)

// Default limits; see Limits.
const (
	DefaultMaxLineBytes = 64 << 10
	DefaultLockTimeout  = 10 * time.Second
)

const (
	dirPerm       = 0o700
	filePerm      = 0o600
	lockName      = ".lock"
	segmentSuffix = ".jsonl"
	// lockRetry is how often a waiting lock retries flock(2).
	lockRetry = 2 * time.Millisecond
)

// Limits bounds what a Ledger writes, reads and waits for. A zero field
// means its default.
type Limits struct {
	// MaxLineBytes is the longest line, in bytes without the newline,
	// that Append writes and Records accepts; longer ones are refused
	// (ErrLineTooLong) and skipped. Default DefaultMaxLineBytes (64 KiB).
	MaxLineBytes int
	// LockTimeout is how long Append and Records wait for the directory's
	// lock. Default DefaultLockTimeout (10 s).
	LockTimeout time.Duration
}

// DefaultLimits returns the limits Open uses.
func DefaultLimits() Limits {
	return Limits{MaxLineBytes: DefaultMaxLineBytes, LockTimeout: DefaultLockTimeout}
}

// withDefaults returns l with every zero or negative field set to its
// default.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = d.MaxLineBytes
	}
	if l.LockTimeout <= 0 {
		l.LockTimeout = d.LockTimeout
	}
	return l
}

// Ledger is the usage ledger of one workspace: a directory of monthly
// JSON Lines segments (see the package documentation). Its methods are
// safe for concurrent use by goroutines and by other processes opening
// the same directory.
type Ledger struct {
	dir    string
	limits Limits
}

// Open returns the Ledger kept in dir, with DefaultLimits. It does no I/O:
// dir is created, mode 0700, by the first Append, and a missing dir reads
// as an empty ledger.
func Open(dir string) *Ledger {
	return &Ledger{dir: dir, limits: DefaultLimits()}
}

// WithLimits returns a Ledger for the same directory that applies l; zero
// fields of l take their defaults. The receiver is unchanged.
func (l *Ledger) WithLimits(lim Limits) *Ledger {
	return &Ledger{dir: l.dir, limits: lim.withDefaults()}
}

// Dir returns the ledger's directory.
func (l *Ledger) Dir() string { return l.dir }

// Append adds r as one line at the end of the segment of r.End's UTC
// month and returns once the line is on stable storage.
//
// Errors: ErrInvalidRecord (see Record.Validate) and ErrLineTooLong before
// anything is written; ErrLockTimeout; I/O
// errors, after which the segment is cut back to its previous length.
//
// # Notes
//
//   - The line is written with one write(2) on an O_APPEND descriptor
//     while holding an exclusive flock(2) on dir/.lock (and, within the
//     process, a per-directory semaphore so that goroutines queue without
//     polling), then the file is fsynced, and dir too when the segment or
//     dir is new (fsync(2)).
//   - A segment whose last byte is not a newline (a crash cut the previous
//     append short) gets a newline first, in the same write, so the
//     fragment stays one skipped line and the new record stays whole.
//   - Append takes no context on purpose: a cancelled run's usage must
//     still be recorded; LockTimeout bounds the wait.
func (l *Ledger) Append(r Record) error {
	if err := r.Validate(); err != nil {
		return err
	}
	line, err := json.Marshal(r)
	if err != nil {
		return fmt.Errorf("ledger append: %w", err)
	}
	if len(line) > l.limits.MaxLineBytes {
		return fmt.Errorf("%w: %d bytes, limit %d (Limits.MaxLineBytes)", ErrLineTooLong, len(line), l.limits.MaxLineBytes)
	}
	line = append(line, '\n')
	path := filepath.Join(l.dir, segmentName(r.End))
	if err := l.makeDir(); err != nil {
		return fmt.Errorf("ledger append %s: %w", path, err)
	}
	unlock, err := l.lock(false)
	if err != nil {
		return fmt.Errorf("ledger append %s: %w", path, err)
	}
	defer unlock()
	if err := appendLine(path, line); err != nil {
		return fmt.Errorf("ledger append %s: %w", path, err)
	}
	return nil
}

// appendLine writes line at the end of path, after a newline when the
// file's last byte is not one, and fsyncs; the caller holds the lock.
func appendLine(path string, line []byte) (err error) {
	f, err := os.OpenFile(path, os.O_RDWR|os.O_APPEND|os.O_CREATE, filePerm)
	if err != nil {
		return err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return err
	}
	size := fi.Size()
	if size > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, size-1); err != nil {
			return fmt.Errorf("read last byte: %w", err)
		}
		if last[0] != '\n' {
			line = append([]byte{'\n'}, line...)
		}
	}
	// On an error the caller may retry: a line left behind would then
	// count twice, so the segment is cut back (best effort).
	if n, err := f.Write(line); err != nil {
		if n > 0 {
			_ = f.Truncate(size)
		}
		return err
	}
	if err := syncFile(f); err != nil {
		_ = f.Truncate(size)
		return fmt.Errorf("fsync: %w", err)
	}
	if size == 0 {
		return syncDir(filepath.Dir(path))
	}
	return nil
}

// makeDir creates the ledger's directory, mode 0700, and fsyncs its
// parent when it is new. The parent must exist: a ledger never brings
// back the directory of a deleted workspace.
func (l *Ledger) makeDir() error {
	if _, err := os.Stat(l.dir); err == nil || !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	if err := os.Mkdir(l.dir, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
		return err
	}
	return syncDir(filepath.Dir(l.dir))
}

// syncFile is fsync(2); tests count and fail its calls.
var syncFile = (*os.File).Sync

// syncDir fsyncs directory dir so that entries created in it are durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return fmt.Errorf("fsync dir: %w", err)
	}
	defer d.Close()
	if err := syncFile(d); err != nil {
		return fmt.Errorf("fsync dir %s: %w", dir, err)
	}
	return nil
}

// dirSems holds one semaphore per ledger directory of this process
// (cleaned absolute path → chan struct{} of capacity 1).
var dirSems sync.Map

// lock takes the process's semaphore of the directory, then flock(2) on
// dir/.lock, exclusive or shared, waiting at most Limits.LockTimeout in
// all. The returned function releases both.
func (l *Ledger) lock(shared bool) (unlock func(), err error) {
	key, err := filepath.Abs(l.dir)
	if err != nil {
		return nil, err
	}
	v, _ := dirSems.LoadOrStore(key, make(chan struct{}, 1))
	sem := v.(chan struct{})
	ctx, cancel := context.WithTimeout(context.Background(), l.limits.LockTimeout)
	defer cancel()
	select {
	case sem <- struct{}{}:
	case <-ctx.Done():
		return nil, l.lockTimeout()
	}
	fl := flock.New(filepath.Join(l.dir, lockName), flock.SetPermissions(filePerm))
	try := fl.TryLockContext
	if shared {
		try = fl.TryRLockContext
	}
	ok, err := try(ctx, lockRetry)
	if !ok || err != nil {
		fl.Close()
		<-sem
		if err == nil || errors.Is(err, context.DeadlineExceeded) {
			return nil, l.lockTimeout()
		}
		return nil, fmt.Errorf("lock %s: %w", fl.Path(), err)
	}
	return func() {
		fl.Unlock()
		<-sem
	}, nil
}

// lockTimeout is the error of a lock wait that reached Limits.LockTimeout.
func (l *Ledger) lockTimeout() error {
	return fmt.Errorf("%w: %s still held after %v (Limits.LockTimeout)", ErrLockTimeout, filepath.Join(l.dir, lockName), l.limits.LockTimeout)
}
