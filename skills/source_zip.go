package skills

import (
	"archive/zip"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
)

// zipSource is a zip archive (PKWARE APPNOTE.TXT, stored and deflated
// entries, as read by archive/zip).
type zipSource struct {
	name string
	f    *os.File
	zr   *zip.Reader
	size int64
}

func openZip(name string, f *os.File, size int64, lim Limits) (source, error) {
	zr, err := zip.NewReader(f, size)
	if err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w: reading zip: %v", name, ErrInvalid, err)
	}
	if n := len(zr.File); n > lim.MaxEntries {
		f.Close()
		return nil, fmt.Errorf("%s: %w: %d entries, more than %d", name, ErrLimit, n, lim.MaxEntries)
	}
	return &zipSource{name: name, f: f, zr: zr, size: size}, nil
}

func (s *zipSource) walk(fn func(e entry) error) error {
	for _, zf := range s.zr.File {
		m := zf.Mode()
		e := entry{name: zf.Name, exec: m&0o111 != 0, size: int64(min(zf.UncompressedSize64, math.MaxInt64))}
		switch {
		case m&fs.ModeSymlink != 0:
			e.typ = typeSymlink
		case m&fs.ModeDevice != 0, m&fs.ModeCharDevice != 0:
			e.typ = typeDevice
		case m&fs.ModeNamedPipe != 0:
			e.typ = typeFIFO
		case m&fs.ModeSocket != 0:
			e.typ = typeSocket
		case m.IsDir():
			e.typ = typeDir
		case m.IsRegular():
			e.typ = typeFile
			if zf.Flags&0x1 != 0 {
				return &EntryError{Source: s.name, Entry: shorten(zf.Name), Err: fmt.Errorf("%w: encrypted entries are not supported", ErrInvalid)}
			}
			e.open = func() (io.ReadCloser, error) { return zf.Open() }
		default:
			e.typ = typeOther
		}
		if err := fn(e); err != nil {
			return err
		}
	}
	return nil
}

func (s *zipSource) compressedSize() int64 { return s.size }
func (s *zipSource) unwraps() bool         { return true }
func (s *zipSource) label() string         { return s.name }
func (s *zipSource) close() error          { return s.f.Close() }
