package runtime

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/archive"
)

// exporter is one Workspace.Export in progress.
type exporter struct {
	w     *Workspace
	ctx   context.Context
	opts  ExportOptions
	tmp   string // the export's temporary directory
	aw    *archive.Writer
	stats *ExportStats
	phase string // of TransferProgress
}

// report passes the archive writer's progress on.
func (x *exporter) report(p archive.Progress) {
	x.stats.Entries, x.stats.Bytes = p.Entries, p.Bytes
	if x.opts.Progress == nil {
		return
	}
	tp := TransferProgress{Phase: x.phase, Entries: p.Entries, Bytes: p.Bytes, Compressed: p.Compressed}
	if x.phase == "write" {
		tp.TotalEntries, tp.TotalBytes, tp.TotalCompressed = p.Entries, p.Bytes, p.Size
	}
	x.opts.Progress(tp)
}

// stateNames are the names at the top of a workspace directory that the
// generic walk of its state (see state) leaves to the code that exports
// them, or never exports: the volume of a disk quota and the jails' /tmp
// inside it.
var stateNames = map[string]bool{
	"config.json": true, "sessions": true, "sessions.json": true, "memory": true,
	"files": true, homeDirName: true, diskImageName: true, diskDirName: true, tmpDirName: true,
}

// snapshot adds every entry of the workspace to the archive and returns
// the skills it enables (see Export for the order).
func (x *exporter) snapshot() ([]ArchivedSkill, error) {
	dir := x.w.dir
	fi, err := os.Stat(dir)
	if err != nil {
		return nil, err
	}
	if err := x.aw.Dir(archiveWorkspace, fi.Mode(), fi.ModTime()); err != nil {
		return nil, err
	}
	// First, so that an import knows of a disk quota before files/.
	if _, err := x.stateFile(filepath.Join(dir, "config.json"), archiveWorkspace+"/config.json"); err != nil {
		return nil, err
	}
	if err := x.sessions(); err != nil {
		return nil, err
	}
	if err := x.memory(); err != nil {
		return nil, err
	}
	if err := x.state(dir, archiveWorkspace, true); err != nil {
		return nil, err
	}
	data := x.w.data()
	if err := x.tree(data.files(), archiveFiles); err != nil {
		return nil, err
	}
	if err := x.tree(data.home(), archiveHome); err != nil {
		return nil, err
	}
	return x.skills()
}

// state adds the state under dir (the workspace's directory when top) as
// name: directories and regular files, each file read once (every state
// file is replaced by rename or appended to, so one read is consistent),
// a JSON Lines file (the usage ledger) up to its last complete line.
// Names starting with "." (temporary files, the runs lock) and ending in
// ".lock" (flock(2) files) are the runtime's and skipped.
func (x *exporter) state(dir, name string, top bool) error {
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n := e.Name()
		if strings.HasPrefix(n, ".") || strings.HasSuffix(n, ".lock") || top && stateNames[n] {
			continue
		}
		path, archived := filepath.Join(dir, n), name+"/"+n
		switch {
		case e.IsDir():
			fi, err := e.Info()
			if err != nil {
				return err
			}
			if err := x.aw.Dir(archived, fi.Mode(), fi.ModTime()); err != nil {
				return err
			}
			if err := x.state(path, archived, false); err != nil {
				return err
			}
		case e.Type().IsRegular():
			if _, err := x.stateFile(path, archived); err != nil && !errors.Is(err, fs.ErrNotExist) {
				return err // a file removed since listed is no entry
			}
		default:
			x.omit(archived, "not a regular file or directory in the workspace's state")
		}
	}
	return nil
}

// stateFile adds the state file path as name, a ".jsonl" file up to its
// last complete line, and returns the length added.
func (x *exporter) stateFile(path, name string) (int64, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW|syscall.O_NONBLOCK, 0)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return 0, err
	}
	if !fi.Mode().IsRegular() {
		return 0, fmt.Errorf("%s is not a regular file", path)
	}
	size := fi.Size()
	if strings.HasSuffix(path, ".jsonl") {
		if size, err = lastLineEnd(f, size); err != nil {
			return 0, fmt.Errorf("%s: %w", path, err)
		}
	}
	if err := x.aw.File(name, fi.Mode(), fi.ModTime(), size, f); err != nil {
		return 0, fmt.Errorf("%s: %w", path, err)
	}
	x.stats.Files++
	return size, nil
}

// lineChunk is how much lastLineEnd reads at a time, backwards.
const lineChunk = 64 << 10

// lastLineEnd returns the length of the first size bytes of f up to and
// including their last line break: what a JSON Lines file holds of
// complete lines while a writer appends to it (0 when none).
func lastLineEnd(f io.ReaderAt, size int64) (int64, error) {
	buf := make([]byte, lineChunk)
	for end := size; end > 0; {
		n := min(int64(len(buf)), end)
		if _, err := f.ReadAt(buf[:n], end-n); err != nil {
			return 0, err
		}
		if i := bytes.LastIndexByte(buf[:n], '\n'); i >= 0 {
			return end - n + int64(i) + 1, nil
		}
		end -= n
	}
	return 0, nil
}

// sessions adds the session index and the transcripts, each up to its
// last complete line. The index is read first: appends grow a transcript
// before its index entry, so a transcript read after it is never shorter
// than it records. An index that does not match the transcripts read (a
// session made or deleted meanwhile) is left out: the sessions package
// rebuilds it from the transcripts on first use.
func (x *exporter) sessions() error {
	index, err := os.ReadFile(filepath.Join(x.w.dir, "sessions.json"))
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	dir := filepath.Join(x.w.dir, "sessions")
	fi, err := os.Stat(dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return err
	}
	name := archiveWorkspace + "/sessions"
	if err := x.aw.Dir(name, fi.Mode(), fi.ModTime()); err != nil {
		return err
	}
	lengths := map[string]int64{} // transcripts exported, by session id
	entries, err := os.ReadDir(dir)
	if err != nil {
		return err
	}
	for _, e := range entries {
		n := e.Name()
		path, archived := filepath.Join(dir, n), name+"/"+n
		switch {
		case strings.HasPrefix(n, ".") || strings.HasSuffix(n, ".lock"):
		case e.Type().IsRegular():
			size, err := x.stateFile(path, archived)
			if errors.Is(err, fs.ErrNotExist) {
				continue // deleted since listed
			}
			if err != nil {
				return err
			}
			if id, ok := strings.CutSuffix(n, ".jsonl"); ok {
				lengths[id] = size
			}
		default:
			x.omit(archived, "not a regular file in the sessions directory")
		}
	}
	if index == nil || !indexMatches(index, lengths) {
		return nil
	}
	fi, err = os.Stat(filepath.Join(x.w.dir, "sessions.json"))
	if err != nil {
		return nil // replaced meanwhile: the bytes read are whole anyway
	}
	if err := x.aw.File(archiveWorkspace+"/sessions.json", fi.Mode(), fi.ModTime(), int64(len(index)), bytes.NewReader(index)); err != nil {
		return err
	}
	x.stats.Files++
	return nil
}

// indexMatches reports whether the session index data lists exactly the
// transcripts of lengths, each exported with at least the bytes the index
// accounts for.
func indexMatches(data []byte, lengths map[string]int64) bool {
	var ix struct {
		Sessions map[string]struct {
			Size int64 `json:"size"`
		} `json:"sessions"`
	}
	if json.Unmarshal(data, &ix) != nil || len(ix.Sessions) != len(lengths) {
		return false
	}
	for id, e := range ix.Sessions {
		if n, ok := lengths[id]; !ok || n < e.Size {
			return false
		}
	}
	return true
}

// memory adds a copy of the memory database, made with SQLite's online
// backup from the platform's store (see memory.Store.Backup), if the
// workspace has one.
func (x *exporter) memory() error {
	path := x.w.layout().memoryDB()
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	st, release, err := x.w.Memory()
	if err != nil {
		return err
	}
	defer release()
	copyPath := filepath.Join(x.tmp, "memory.db")
	if err := st.Backup(x.ctx, copyPath); err != nil {
		return err
	}
	defer os.Remove(copyPath)
	if err := x.aw.Dir(archiveWorkspace+"/memory", 0o700, time.Now()); err != nil {
		return err
	}
	_, err = x.stateFile(copyPath, archiveWorkspace+"/memory/memory.db")
	return err
}

// omit records an entry left out.
func (x *exporter) omit(name, reason string) {
	x.stats.Omitted = append(x.stats.Omitted, Omission{Path: name, Reason: reason})
}
