package skills

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"strings"
	"unicode/utf8"
)

// entryType is what an entry of a folder or archive is. Only files and
// directories are ever written to the catalog.
type entryType int

const (
	typeFile entryType = iota
	typeDir
	typeSymlink
	typeHardLink
	typeDevice
	typeFIFO
	typeSocket
	typeOther
)

// refusal says why an entry of type t is refused, or "" for files and
// directories.
func (t entryType) refusal(target string) string {
	switch t {
	case typeSymlink:
		return fmt.Sprintf("is a symbolic link (to %q); links are not accepted in skills", shorten(target))
	case typeHardLink:
		return fmt.Sprintf("is a hard link (to %q); links are not accepted in skill archives, archive the file itself", shorten(target))
	case typeDevice:
		return "is a device file"
	case typeFIFO:
		return "is a FIFO"
	case typeSocket:
		return "is a socket"
	case typeOther:
		return "is neither a regular file nor a directory"
	}
	return ""
}

// entry is one member of a folder or archive.
type entry struct {
	name   string    // as the source spells it, for errors
	typ    entryType // what it is
	target string    // a link's target, for errors
	exec   bool      // any execute bit set (files)
	size   int64     // size the source declares (files); may lie in a zip
	// open returns the content of a file. For a tar it must be called
	// before the walk moves on.
	open func() (io.ReadCloser, error)
	// links is set for a folder's file with several hard links.
	links *linkCount
}

// linkCount is a file of a folder with nlink names, of which Add must find
// all inside the folder: one outside would copy a file the folder does not
// own.
type linkCount struct {
	id    inode
	nlink uint64
}

// source is a skill folder or archive given to Add.
type source interface {
	// walk calls fn for each entry, in the source's order, until fn or
	// reading fails.
	walk(fn func(e entry) error) error
	// compressedSize is the archive's size in bytes, 0 for a folder.
	compressedSize() int64
	// unwraps reports whether a single top-level folder is stripped.
	unwraps() bool
	// label names the folder or archive in errors.
	label() string
	close() error
}

// openSource opens src as a folder, a gzip-compressed tar or a zip,
// telling archives apart by their first bytes, not their names.
func openSource(src string, lim Limits) (source, error) {
	fi, err := os.Stat(src)
	if err != nil {
		return nil, err
	}
	if fi.IsDir() {
		return openDir(src)
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s: %w: neither a folder nor an archive file", src, ErrInvalid)
	}
	f, err := os.Open(src)
	if err != nil {
		return nil, err
	}
	magic := make([]byte, 4)
	n, _ := io.ReadFull(f, magic)
	magic = magic[:n]
	switch {
	case bytes.HasPrefix(magic, []byte{0x1f, 0x8b}):
		return openTarGz(src, f, fi.Size())
	case bytes.HasPrefix(magic, []byte("PK\x03\x04")), bytes.HasPrefix(magic, []byte("PK\x05\x06")):
		return openZip(src, f, fi.Size(), lim)
	}
	f.Close()
	return nil, fmt.Errorf("%s: %w: not a folder, a .tar.gz/.tgz or a .zip archive", src, ErrInvalid)
}

// errRoot marks an entry naming the top of the archive ("./"), which is
// skipped when it is a directory.
var errRoot = errors.New("names the top folder itself")

// cleanName turns an entry name into a relative slash path inside the skill
// folder, or refuses it: absolute names, "..", backslashes, control
// characters, invalid UTF-8, and names that are not already clean ("a//b",
// "a/./b") are refused. A leading "./" and a trailing "/" are dropped.
func cleanName(name string) (string, error) {
	if !utf8.ValidString(name) {
		return "", fmt.Errorf("%w: name is not valid UTF-8", ErrUnsafe)
	}
	for _, r := range name {
		if r < 0x20 || r == 0x7f {
			return "", fmt.Errorf("%w: name holds a control character", ErrUnsafe)
		}
	}
	if strings.Contains(name, `\`) {
		return "", fmt.Errorf("%w: name holds a backslash", ErrUnsafe)
	}
	if strings.HasPrefix(name, "/") {
		return "", fmt.Errorf("%w: absolute name", ErrUnsafe)
	}
	p := name
	for strings.HasPrefix(p, "./") {
		p = p[2:]
	}
	p = strings.TrimSuffix(p, "/")
	if p == "" || p == "." {
		return "", errRoot
	}
	for _, el := range strings.Split(p, "/") {
		if el == ".." {
			return "", fmt.Errorf("%w: name leaves the folder (..)", ErrUnsafe)
		}
	}
	if path.Clean(p) != p {
		return "", fmt.Errorf("%w: name is not clean (empty or '.' elements)", ErrUnsafe)
	}
	return p, nil
}

// depth is the number of elements of a clean relative path.
func depth(p string) int { return strings.Count(p, "/") + 1 }
