package sessions

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"time"
)

// Default limits; see Limits.
const (
	DefaultMaxLineBytes    = 16 << 20
	DefaultMaxMessageBytes = 8 << 20
	DefaultLockTimeout     = 30 * time.Second
)

const (
	dirPerm  = 0o700
	filePerm = 0o600

	sessionsDirName  = "sessions"
	indexName        = "sessions.json"
	indexLockName    = "sessions.json.lock"
	sessionLockName  = "sessions.lock"
	transcriptSuffix = ".jsonl"
)

// Errors returned by Store methods, wrapped with the session id; test with
// errors.Is.
var (
	// ErrNotFound: the session has no index entry and no transcript.
	ErrNotFound = errors.New("session not found")
	// ErrLocked: TryLock or Delete found the session lock held by a run.
	ErrLocked = errors.New("session is locked")
	// ErrMessageTooLarge: a message or its transcript line exceeds the
	// Limits.
	ErrMessageTooLarge = errors.New("message too large")
	// ErrTruncated: Load found the transcript shorter than the index
	// records (emptied, cut or removed behind the store's back); loading
	// it would resume the session without its acknowledged history.
	ErrTruncated = errors.New("transcript shorter than the session index records")
)

// Limits bounds what a Store reads, writes and waits for. A zero field means
// its default.
type Limits struct {
	// MaxLineBytes is the longest transcript line, in bytes without the
	// newline, that Load accepts and Append writes. Default
	// DefaultMaxLineBytes (16 MiB).
	MaxLineBytes int
	// MaxMessageBytes is the largest JSON encoding of one chat.Message, in
	// bytes, that Append accepts. Default DefaultMaxMessageBytes (8 MiB).
	MaxMessageBytes int
	// LockTimeout is how long Append, Delete, List and Get wait for a
	// transcript or index lock. Default DefaultLockTimeout (30 s).
	LockTimeout time.Duration
}

// DefaultLimits returns the limits Open uses.
func DefaultLimits() Limits {
	return Limits{
		MaxLineBytes:    DefaultMaxLineBytes,
		MaxMessageBytes: DefaultMaxMessageBytes,
		LockTimeout:     DefaultLockTimeout,
	}
}

// withDefaults returns l with every zero or negative field set to its
// default.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits()
	if l.MaxLineBytes <= 0 {
		l.MaxLineBytes = d.MaxLineBytes
	}
	if l.MaxMessageBytes <= 0 {
		l.MaxMessageBytes = d.MaxMessageBytes
	}
	if l.LockTimeout <= 0 {
		l.LockTimeout = d.LockTimeout
	}
	return l
}

// Store is the session storage of one workspace directory. Its methods are
// safe for concurrent use by goroutines and by other processes opening the
// same directory (see the package documentation, "Concurrency").
type Store struct {
	dir    string
	limits Limits
}

// Open returns the Store for workspaceDir, creating workspaceDir/sessions
// with mode 0700 if missing, with DefaultLimits. workspaceDir must exist:
// Open never recreates a workspace that was removed meanwhile. An
// existing sessions directory of another mode is set to 0700, except on a
// read-only file system, where nobody can write to it either: there Open
// succeeds, and the Store reads but cannot write.
func Open(workspaceDir string) (*Store, error) {
	if workspaceDir == "" {
		return nil, errors.New("open sessions: empty workspace directory")
	}
	sessionsDir := filepath.Join(workspaceDir, sessionsDirName)
	if err := os.Mkdir(sessionsDir, dirPerm); err != nil && !errors.Is(err, fs.ErrExist) {
		return nil, fmt.Errorf("open sessions: %w", err)
	}
	if err := restrictDir(sessionsDir); err != nil {
		return nil, fmt.Errorf("open sessions: %w", err)
	}
	return &Store{dir: workspaceDir, limits: DefaultLimits()}, nil
}

// restrictDir sets the mode of directory dir to dirPerm unless it has it
// already, so that a directory of the right mode is never written to (a
// chmod fails on a read-only file system, whatever the mode). A chmod
// failing with EROFS is ignored: no one can write to the directory.
func restrictDir(dir string) error {
	fi, err := os.Stat(dir)
	if err != nil {
		return err
	}
	if fi.Mode()&(fs.ModePerm|fs.ModeSetuid|fs.ModeSetgid|fs.ModeSticky) == dirPerm {
		return nil
	}
	if err := os.Chmod(dir, dirPerm); err != nil && !errors.Is(err, syscall.EROFS) {
		return err
	}
	return nil
}

// WithLimits returns a Store for the same directory that applies l; zero
// fields of l take their defaults. s is unchanged.
func (s *Store) WithLimits(l Limits) *Store {
	return &Store{dir: s.dir, limits: l.withDefaults()}
}

func (s *Store) sessionsDir() string { return filepath.Join(s.dir, sessionsDirName) }

func (s *Store) indexPath() string { return filepath.Join(s.dir, indexName) }

func (s *Store) indexLockPath() string { return filepath.Join(s.dir, indexLockName) }

func (s *Store) transcriptPath(id string) string {
	return filepath.Join(s.sessionsDir(), id+transcriptSuffix)
}

func (s *Store) sessionLockPath() string { return filepath.Join(s.dir, sessionLockName) }
