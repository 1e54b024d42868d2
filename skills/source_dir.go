package skills

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"syscall"
)

// dirSource is a skill folder on disk, read through an os.Root so that no
// name, however it changes while Add reads, leads outside it.
type dirSource struct {
	name string
	root *os.Root
}

// inode identifies a file for hard link accounting.
type inode struct{ dev, ino uint64 }

func openDir(name string) (source, error) {
	root, err := os.OpenRoot(name)
	if err != nil {
		return nil, err
	}
	return &dirSource{name: name, root: root}, nil
}

func (s *dirSource) walk(fn func(e entry) error) error {
	return s.walkDir(".", fn)
}

func (s *dirSource) walkDir(dir string, fn func(e entry) error) error {
	d, err := s.root.Open(dir)
	if err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	defer d.Close()
	for {
		batch, err := d.ReadDir(256)
		for _, de := range batch {
			rel := path.Join(dir, de.Name())
			fi, err := s.root.Lstat(rel)
			if err != nil {
				return fmt.Errorf("%s: %w", s.name, err)
			}
			e := s.entryOf(rel, fi)
			if err := fn(e); err != nil {
				return err
			}
			if e.typ == typeDir {
				if err := s.walkDir(rel, fn); err != nil {
					return err
				}
			}
		}
		if err == io.EOF || len(batch) == 0 {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w", s.name, err)
		}
	}
}

// entryOf describes the folder member rel from its lstat(2) information.
func (s *dirSource) entryOf(rel string, fi fs.FileInfo) entry {
	e := entry{name: rel, exec: fi.Mode()&0o111 != 0, size: fi.Size()}
	switch m := fi.Mode(); {
	case m.IsRegular():
		e.typ = typeFile
		st, _ := fi.Sys().(*syscall.Stat_t)
		e.open = func() (io.ReadCloser, error) { return s.openFile(rel, st) }
		if st != nil && st.Nlink > 1 {
			e.links = &linkCount{id: inode{uint64(st.Dev), st.Ino}, nlink: uint64(st.Nlink)}
		}
	case m.IsDir():
		e.typ = typeDir
	case m&fs.ModeSymlink != 0:
		e.typ = typeSymlink
		e.target, _ = s.root.Readlink(rel)
	case m&fs.ModeDevice != 0:
		e.typ = typeDevice
	case m&fs.ModeNamedPipe != 0:
		e.typ = typeFIFO
	case m&fs.ModeSocket != 0:
		e.typ = typeSocket
	default:
		e.typ = typeOther
	}
	return e
}

// openFile opens rel without blocking on a FIFO swapped in since it was
// listed, and checks it is still the regular file that was listed.
func (s *dirSource) openFile(rel string, listed *syscall.Stat_t) (io.ReadCloser, error) {
	f, err := s.root.OpenFile(rel, os.O_RDONLY|nonBlock, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	st, _ := fi.Sys().(*syscall.Stat_t)
	if !fi.Mode().IsRegular() || st == nil || listed == nil || st.Dev != listed.Dev || st.Ino != listed.Ino {
		f.Close()
		return nil, fmt.Errorf("%w: changed while being copied", ErrUnsafe)
	}
	return f, nil
}

func (s *dirSource) compressedSize() int64 { return 0 }
func (s *dirSource) unwraps() bool         { return false }
func (s *dirSource) label() string         { return s.name }
func (s *dirSource) close() error          { return s.root.Close() }
