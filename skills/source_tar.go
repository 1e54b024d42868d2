package skills

import (
	"archive/tar"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"os"
)

// tarSource is a gzip-compressed tar archive (POSIX.1-2001 pax and GNU
// formats, as read by archive/tar; gzip members as in RFC 1952).
type tarSource struct {
	name string
	f    *os.File
	size int64
}

func openTarGz(name string, f *os.File, size int64) (source, error) {
	return &tarSource{name: name, f: f, size: size}, nil
}

func (s *tarSource) walk(fn func(e entry) error) error {
	if _, err := s.f.Seek(0, io.SeekStart); err != nil {
		return fmt.Errorf("%s: %w", s.name, err)
	}
	gz, err := gzip.NewReader(s.f)
	if err != nil {
		return fmt.Errorf("%s: %w: reading gzip: %v", s.name, ErrInvalid, err)
	}
	defer gz.Close()
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return fmt.Errorf("%s: %w: reading tar: %v", s.name, ErrInvalid, err)
		}
		if h.Typeflag == tar.TypeXGlobalHeader {
			// pax defaults for later entries (git archive writes its
			// commit id here); archive/tar has already applied them.
			continue
		}
		e := entry{name: h.Name, target: h.Linkname, exec: h.Mode&0o111 != 0, size: h.Size}
		switch h.Typeflag {
		case tar.TypeReg, tar.TypeRegA:
			e.typ = typeFile
			e.open = func() (io.ReadCloser, error) { return io.NopCloser(tr), nil }
		case tar.TypeDir:
			e.typ = typeDir
		case tar.TypeSymlink:
			e.typ = typeSymlink
		case tar.TypeLink:
			e.typ = typeHardLink
		case tar.TypeChar, tar.TypeBlock:
			e.typ = typeDevice
		case tar.TypeFifo:
			e.typ = typeFIFO
		default:
			e.typ = typeOther
		}
		if err := fn(e); err != nil {
			return err
		}
	}
}

func (s *tarSource) compressedSize() int64 { return s.size }
func (s *tarSource) unwraps() bool         { return true }
func (s *tarSource) label() string         { return s.name }
func (s *tarSource) close() error          { return s.f.Close() }
