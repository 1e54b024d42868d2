package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"golang.org/x/sys/unix"
)

// Names in a workspace archive (see Workspace.Export): the workspace's
// directory, its trees that may hold symbolic links, and the folders of
// its skills.
const (
	archiveWorkspace = "workspace"
	archiveFiles     = archiveWorkspace + "/files"
	archiveHome      = archiveWorkspace + "/" + homeDirName
	archiveSkills    = "skills"
)

// archiveLinkRoots are the trees of an archive where symbolic links may
// be: what the jail writes. The state and the skills have none.
var archiveLinkRoots = []string{archiveFiles, archiveHome}

// Prefixes of the temporary directories that exports and imports make in
// <stateDir>/workspaces, beside the workspaces, hidden from Workspaces
// (ids start with a letter or digit). Each is locked (flock(2)) by its
// process while in use; NewPlatform removes those whose process is gone.
const (
	exportingPrefix = ".exporting-"
	importingPrefix = ".importing-"
	// replacedPrefix holds a workspace an import with Replace moved aside
	// on a file system without RENAME_EXCHANGE (see swapWorkspace).
	replacedPrefix = ".replaced-"
)

// TransferProgress is how far an export or an import has got. Totals are
// zero where not known yet.
type TransferProgress struct {
	// Phase is "snapshot" (an export reads the workspace), "write" (it
	// writes the archive) or "import".
	Phase string `json:"phase"`
	// Entries and Bytes count the archive's entries and the bytes of
	// file content so far; Compressed the archive bytes written or read.
	Entries    int   `json:"entries"`
	Bytes      int64 `json:"bytes"`
	Compressed int64 `json:"compressed"`
	// TotalEntries and TotalBytes are the archive's (an import knows them
	// from the manifest); TotalCompressed is the archive's size (known
	// while an export writes it).
	TotalEntries    int   `json:"total_entries,omitempty"`
	TotalBytes      int64 `json:"total_bytes,omitempty"`
	TotalCompressed int64 `json:"total_compressed,omitempty"`
}

// ctxWriter fails its writes once ctx ends, so that an export stops
// while it copies a large archive.
type ctxWriter struct {
	ctx context.Context
	w   io.Writer
}

func (c ctxWriter) Write(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.w.Write(p)
}

// ctxReader fails its reads once ctx ends, so that an import stops in the
// middle of a large file.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}

// transferDir is a temporary directory of an export or import in
// <stateDir>/workspaces, locked while its process uses it.
type transferDir struct {
	path string
	lock *os.File // holds the flock(2)
}

// newTransferDir makes and locks a temporary directory named prefix plus
// a random suffix in root.
func newTransferDir(root, prefix string) (*transferDir, error) {
	for {
		path, err := os.MkdirTemp(root, prefix)
		if err != nil {
			return nil, err
		}
		lock, err := lockDir(path)
		if err == nil {
			return &transferDir{path: path, lock: lock}, nil
		}
		if !errors.Is(err, unix.EWOULDBLOCK) && !errors.Is(err, os.ErrNotExist) {
			return nil, err
		}
		// A sweep of another process took it between the two calls.
	}
}

// remove removes the directory, unmounting first the quota volume of a
// workspace inside it (an import's, or the one it replaced), and unlocks
// it. What cannot be removed is left to the next sweep.
func (d *transferDir) remove() error {
	err := removeTransfer(d.path)
	d.lock.Close()
	return err
}

// removeTransfer removes the temporary directory path of an export or
// import, unmounting the quota volume of the workspace it may hold.
func removeTransfer(path string) error {
	if err := removeVolume(filepath.Join(path, archiveWorkspace)); err != nil {
		return err
	}
	return os.RemoveAll(path)
}

// lockDir opens directory path and takes an exclusive flock(2) on it
// without waiting; the lock lasts while the returned file is open. The
// error wraps EWOULDBLOCK when another process holds it.
func lockDir(path string) (*os.File, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return f, nil
}

// sweepTransfers cleans what killed exports and imports left in the
// workspaces directory: their temporary directories, once no process
// holds them, and workspaces an interrupted replacement moved aside, put
// back when nothing took their place (see swapWorkspace). Failures are
// logged: the next platform tries again.
func (p *Platform) sweepTransfers() {
	root := filepath.Join(p.stateDir, "workspaces")
	entries, err := os.ReadDir(root)
	if err != nil {
		return
	}
	for _, e := range entries {
		name := e.Name()
		if !e.IsDir() || !(strings.HasPrefix(name, exportingPrefix) || strings.HasPrefix(name, importingPrefix) || strings.HasPrefix(name, replacedPrefix)) {
			continue
		}
		path := filepath.Join(root, name)
		lock, err := lockDir(path)
		if err != nil {
			continue // in use, or gone
		}
		if strings.HasPrefix(name, replacedPrefix) {
			err = p.restoreReplaced(root, path)
		} else {
			err = removeTransfer(path)
		}
		lock.Close()
		if err != nil {
			p.log.Warn().Err(err).Str("path", path).Msg("workspace transfer: debris left for the next start")
		}
	}
}
