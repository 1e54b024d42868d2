package memory

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/fsnotify/fsnotify"
)

// Defaults of WatchOptions.
const (
	DefaultDebounce = 500 * time.Millisecond
	DefaultMaxDelay = 10 * time.Second
)

// WatchOptions says what Watch follows.
type WatchOptions struct {
	FilesDir    string // the workspace's files directory ("": not watched)
	SessionsDir string // the workspace's sessions directory ("": not watched)
	// Debounce is the quiet time after a change before re-indexing (default
	// DefaultDebounce); MaxDelay bounds the wait while changes keep coming
	// (default DefaultMaxDelay).
	Debounce time.Duration
	MaxDelay time.Duration // see Debounce
}

// Watch runs IndexFiles and IndexSessions now and again after every burst
// of changes to FilesDir, FilesDir/memory and SessionsDir (fsnotify,
// debounced), until ctx is done; it then returns nil. Directories that do
// not exist yet are picked up when they appear. Indexing errors are logged,
// not returned. Errors: ErrClosed; the file-system watcher cannot be
// created.
func (s *Store) Watch(ctx context.Context, o WatchOptions) error {
	if err := s.checkOpen(); err != nil {
		return err
	}
	if o.Debounce <= 0 {
		o.Debounce = DefaultDebounce
	}
	if o.MaxDelay <= 0 {
		o.MaxDelay = DefaultMaxDelay
	}
	w, err := fsnotify.NewWatcher()
	if err != nil {
		return fmt.Errorf("watch memory files: %w", err)
	}
	defer w.Close()

	filesDir, sessionsDir := cleanOrEmpty(o.FilesDir), cleanOrEmpty(o.SessionsDir)
	memoryDir := ""
	if filesDir != "" {
		memoryDir = filepath.Join(filesDir, MemoryDirName)
	}
	// feeds names the indexer a changed path concerns, if any.
	feeds := func(p string) string {
		dir, base := filepath.Dir(p), filepath.Base(p)
		switch {
		case filesDir == "":
		case p == filesDir || p == memoryDir || dir == memoryDir,
			dir == filesDir && base == MemoryFileName:
			return "files"
		}
		switch {
		case sessionsDir == "":
		case p == sessionsDir, dir == sessionsDir && filepath.Ext(base) == ".jsonl":
			return "sessions"
		}
		return ""
	}
	pending := map[string]bool{"files": filesDir != "", "sessions": sessionsDir != ""}
	watched := map[string]bool{}
	addWatches := func() {
		for _, dir := range []string{filesDir, memoryDir, sessionsDir} {
			if dir == "" || watched[dir] {
				continue
			}
			// Follow only real directories: a symlink planted in the
			// tenant's files would make inotify watch its target.
			if fi, err := os.Lstat(dir); err == nil && fi.IsDir() && w.Add(dir) == nil {
				watched[dir] = true
				pending[feeds(dir)] = true // it may have filled before the watch
			} else if parent := filepath.Dir(dir); !watched[parent] && w.Add(parent) == nil {
				watched[parent] = true // to see dir appear
			}
		}
	}
	runIndexers := func() {
		if pending["files"] {
			if _, err := s.IndexFiles(ctx, filesDir); err != nil && ctx.Err() == nil {
				s.opts.Logger.Warn().Err(err).Msg("memory: indexing memory files failed")
			}
		}
		if pending["sessions"] {
			if _, err := s.IndexSessions(ctx, sessionsDir); err != nil && ctx.Err() == nil {
				s.opts.Logger.Warn().Err(err).Msg("memory: indexing sessions failed")
			}
		}
		clear(pending)
	}
	addWatches()
	runIndexers()

	var quiet, deadline <-chan time.Time
	for {
		select {
		case <-ctx.Done():
			return nil
		case ev, ok := <-w.Events:
			if !ok {
				return nil
			}
			if ev.Has(fsnotify.Remove) || ev.Has(fsnotify.Rename) {
				delete(watched, ev.Name) // the kernel dropped its watch, if any
			}
			if f := feeds(ev.Name); f != "" {
				pending[f] = true
			}
			addWatches()
			if !pending["files"] && !pending["sessions"] {
				continue
			}
			quiet = time.After(o.Debounce)
			if deadline == nil {
				deadline = time.After(o.MaxDelay)
			}
		case err, ok := <-w.Errors:
			if !ok {
				return nil
			}
			s.opts.Logger.Warn().Err(err).Msg("memory: file watcher error")
		case <-quiet:
			quiet, deadline = nil, nil
			runIndexers()
		case <-deadline:
			quiet, deadline = nil, nil
			runIndexers()
		}
	}
}

func cleanOrEmpty(p string) string {
	if p == "" {
		return ""
	}
	return filepath.Clean(p)
}
