package archive

import (
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path"
	"time"
)

// Format and Version identify the archive format in the manifest.
const (
	Format  = "bulkhead-workspace-archive"
	Version = 1
)

// ManifestName is the name of the first tar entry, the manifest.
const ManifestName = "MANIFEST.json"

// EntryType is the kind of an entry: the only three an archive holds.
type EntryType string

// Entry types.
const (
	TypeDir     EntryType = "dir"
	TypeFile    EntryType = "file"
	TypeSymlink EntryType = "symlink"
)

// Entry is one member of the archive as the manifest lists it.
type Entry struct {
	// Path is slash-separated and relative (see CheckPath).
	Path string    `json:"path"`
	Type EntryType `json:"type"`
	// Mode holds the permission bits, at most 0777 (none for a symlink).
	Mode uint32 `json:"mode,omitempty"`
	// Size is the content's length in bytes (files only).
	Size int64 `json:"size,omitempty"`
	// SHA256 is the hex SHA-256 of the content (files only).
	SHA256 string `json:"sha256,omitempty"`
	// Target is a symlink's target (see CheckLink).
	Target string `json:"target,omitempty"`
}

// Manifest is the archive's first entry (see the package documentation).
type Manifest struct {
	Format    string    `json:"format"`
	Version   int       `json:"version"`
	Workspace string    `json:"workspace"`
	Bulkhead  string    `json:"bulkhead"`
	Created   time.Time `json:"created"`
	// Files and Bytes count the file entries and their sizes.
	Files int   `json:"files"`
	Bytes int64 `json:"bytes"`
	// Meta is the caller's, opaque to this package.
	Meta    json.RawMessage `json:"meta,omitempty"`
	Entries []Entry         `json:"entries"`
}

// check validates m as a Reader does before any entry streams: format and
// version, the limits, every entry's name, type, mode, size, digest and
// link target, parents listed before children, no name twice, and the
// totals.
func (m *Manifest) check(opts ReaderOptions) error {
	switch {
	case m.Format != Format:
		return fmt.Errorf("%w: %s: format %q, want %q", ErrCorrupt, ManifestName, m.Format, Format)
	case m.Version != Version:
		return fmt.Errorf("%w: %s: version %d; this bulkhead reads version %d", ErrCorrupt, ManifestName, m.Version, Version)
	case len(m.Entries) > opts.Limits.MaxEntries:
		return fmt.Errorf("%w: %d entries, more than the limit of %d", ErrLimit, len(m.Entries), opts.Limits.MaxEntries)
	}
	dirs := map[string]bool{}
	seen := make(map[string]bool, len(m.Entries))
	var files int
	var bytes int64
	for i, e := range m.Entries {
		if err := checkEntry(e, dirs, seen, opts.LinkRoots); err != nil {
			return fmt.Errorf("%s: entry %d: %w", ManifestName, i, err)
		}
		if e.Type == TypeFile {
			files++
			bytes += e.Size
			if bytes > opts.Limits.MaxBytes {
				return fmt.Errorf("%w: the files hold more than the limit of %d bytes", ErrLimit, opts.Limits.MaxBytes)
			}
		}
	}
	if files != m.Files || bytes != m.Bytes {
		return fmt.Errorf("%w: %s: totals of %d files and %d bytes, but the entries hold %d files and %d bytes", ErrCorrupt, ManifestName, m.Files, m.Bytes, files, bytes)
	}
	return nil
}

// checkEntry validates one entry given the directories and names listed
// before it, and records it.
func checkEntry(e Entry, dirs, seen map[string]bool, roots []string) error {
	if err := CheckPath(e.Path); err != nil {
		return err
	}
	if seen[e.Path] {
		return fmt.Errorf("%w: %q is listed twice", ErrUnsafe, e.Path)
	}
	if parent := path.Dir(e.Path); parent != "." && !dirs[parent] {
		return fmt.Errorf("%w: %q: its parent %q is not a directory listed before it", ErrUnsafe, e.Path, parent)
	}
	if e.Mode&^0o777 != 0 {
		return fmt.Errorf("%w: %q: mode %#o has bits beyond 0777", ErrUnsafe, e.Path, e.Mode)
	}
	switch e.Type {
	case TypeDir:
		if e.Size != 0 || e.SHA256 != "" || e.Target != "" {
			return fmt.Errorf("%w: directory %q has a size, digest or target", ErrCorrupt, e.Path)
		}
		dirs[e.Path] = true
	case TypeFile:
		if d, err := hex.DecodeString(e.SHA256); err != nil || len(d) != 32 || e.Size < 0 || e.Target != "" {
			return fmt.Errorf("%w: file %q: want a size, a SHA-256 in hex and no target", ErrCorrupt, e.Path)
		}
	case TypeSymlink:
		if e.Size != 0 || e.SHA256 != "" || e.Mode != 0 {
			return fmt.Errorf("%w: symlink %q has a size, digest or mode", ErrCorrupt, e.Path)
		}
		if err := CheckLink(roots, e.Path, e.Target); err != nil {
			return err
		}
	default:
		return fmt.Errorf("%w: %q: type %q is not dir, file or symlink", ErrUnsafe, e.Path, e.Type)
	}
	seen[e.Path] = true
	return nil
}
