package memory

import (
	"errors"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/memory/internal/dbfile"
)

// The errors of package memory. Test for them with errors.Is: the errors
// returned wrap them, and say more.

// ErrClosed is returned, once Close has been called, by every method of
// the Store that returns an error, Close included. (Path and PlanQuery,
// which use no database, still work.) A call that began before Close
// finishes normally: Close waits for it.
var ErrClosed = errors.New("memory store is closed")

// ErrNotFound is returned for a memory id that does not exist.
var ErrNotFound = errors.New("memory not found")

// ErrInvalid marks input the Store refuses: an empty or oversized memory or
// query, bad tags, an unknown source form, SearchOptions or ListOptions out
// of range; and an empty path or bad Options given to Open. An error about
// an option names the field and its value.
var ErrInvalid = errors.New("invalid memory input")

// ErrSchemaTooNew is returned by Open for a database written by a newer
// build.
var ErrSchemaTooNew = errors.New("memory database schema is newer than this build")

// ErrNoEmbedder is returned by EmbedPending on a Store without an Embedder.
var ErrNoEmbedder = errors.New("memory store has no embedder")

// ErrUnknownTool is returned by CallTool for a name other than ToolStore and
// ToolSearch.
var ErrUnknownTool = errors.New("unknown memory tool")

// ErrUnsafePath is returned by Open for a path it refuses to use: a
// symbolic link, a file of the wrong type, a file with more than one hard
// link, or a shared directory, where the store expects its own files.
//
// # Notes
//
//   - Open checks the database's directory, which must be a directory
//     without the sticky bit (not one shared by users, such as /tmp), and
//     the database and its companions (memory.db-wal, memory.db-shm,
//     memory.db-journal), which must be regular files of one link where
//     they exist. The directories above are the caller's: bulkhead's
//     runtime checks a workspace's own.
//   - The store never follows a link there, since one could lead to another
//     workspace's memory: a hard link is another name of the same file,
//     which may be in another workspace.
var ErrUnsafePath = dbfile.ErrUnsafePath

// ErrDamaged marks an error of a memory database that is not a SQLite
// database or is malformed (SQLITE_NOTADB, SQLITE_CORRUPT), from Open or
// any later read or write.
//
// # Notes
//
//   - Its message is "memory database <path> is damaged: <SQLite's
//     message>".
//   - The store never repairs or removes such a file: restore it from a
//     backup, or remove it (and its -wal and -shm files) to start an empty
//     memory.
var ErrDamaged = dbfile.ErrDamaged

// ErrNoSpace marks a write to a memory database that failed while its file
// system had less than 4 MiB free to unprivileged users: almost surely a
// full disk.
//
// # Notes
//
//   - Its message is "memory database <path>: write failed with <n> KiB
//     free on its file system (disk full?): <SQLite's message>".
//   - SQLite rolled the write back; what was stored before is intact.
//   - The driver reports the kernel's ENOSPC as a generic I/O error
//     (SQLITE_IOERR_WRITE), hence the check of the free space.
var ErrNoSpace = dbfile.ErrNoSpace

// ErrReplaced is returned when the database file at a Store's path is no
// longer the one the Store opened: its workspace was deleted, and maybe
// created again, by another process. A connection to the new file would
// mix two tenants' memories, so the Store refuses it; open a new Store.
var ErrReplaced = dbfile.ErrReplaced

// errEmptyPath is the error of Open for an empty path, which the file
// system would take for the current directory.
var errEmptyPath = fmt.Errorf("%w: empty path", ErrInvalid)

// errNoRow aborts a transaction whose memory does not exist.
var errNoRow = errors.New("no such memory")
