package archive

import (
	"archive/tar"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// roots are the link roots of the tests, as the runtime's.
var roots = []string{"w/files", "w/home"}

// spool returns an empty temporary file.
func spool(t testing.TB) *os.File {
	t.Helper()
	f, err := os.CreateTemp(t.TempDir(), "spool-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return f
}

// sample writes a small archive with a Writer: directories, files, a
// link, and returns it.
func sample(t testing.TB) []byte {
	t.Helper()
	w, err := NewWriter(spool(t), WriterOptions{LinkRoots: roots})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(w.Dir("w", 0o700, at))
	must(w.File("w/config.json", 0o600, at, 9, bytes.NewReader([]byte(`{"a":"b"}`))))
	must(w.Dir("w/files", 0o755, at))
	must(w.Dir("w/files/src", 0o750, at))
	must(w.File("w/files/src/main.go", 0o644, at, 13, bytes.NewReader([]byte("package main\n"))))
	must(w.File("w/files/run.sh", 0o755, at, 0, bytes.NewReader(nil)))
	must(w.Symlink("w/files/main", "src/main.go", at))
	var out bytes.Buffer
	var last Progress
	w.opts.Progress = func(p Progress) { last = p }
	if _, err := w.Finish(&out, Manifest{Workspace: "acme", Bulkhead: "test", Created: at}); err != nil {
		t.Fatal(err)
	}
	if last.Size != int64(out.Len()) || last.Compressed != last.Size || last.Entries != 7 {
		t.Fatalf("Finish's last progress %+v for %d bytes", last, out.Len())
	}
	return out.Bytes()
}

// raw is one tar entry of a crafted archive.
type raw struct {
	hdr  tar.Header
	data []byte
}

// file, dir and link make raw entries and their manifest entries.
func file(name string, data []byte) (raw, Entry) {
	sum := sha256.Sum256(data)
	return raw{tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(data))}, data},
		Entry{Path: name, Type: TypeFile, Mode: 0o644, Size: int64(len(data)), SHA256: hex.EncodeToString(sum[:])}
}

func dir(name string) (raw, Entry) {
	return raw{hdr: tar.Header{Name: name + "/", Typeflag: tar.TypeDir, Mode: 0o755}}, Entry{Path: name, Type: TypeDir, Mode: 0o755}
}

func link(name, target string) (raw, Entry) {
	return raw{hdr: tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target}}, Entry{Path: name, Type: TypeSymlink, Target: target}
}

// craft builds an archive without a Writer's checks: the manifest frame,
// then entries as given, then the end-of-archive marker unless cut.
func craft(t testing.TB, m Manifest, entries []raw) []byte {
	t.Helper()
	if m.Format == "" {
		m.Format, m.Version, m.Workspace = Format, Version, "acme"
	}
	for _, e := range m.Entries {
		if e.Type == TypeFile {
			m.Files++
			m.Bytes += e.Size
		}
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	return craftJSON(t, data, entries)
}

// craftJSON is craft with the manifest's JSON as given.
func craftJSON(t testing.TB, data []byte, entries []raw) []byte {
	t.Helper()
	var out bytes.Buffer
	frame := func(write func(tw *tar.Writer), end bool) {
		zw, _ := zstd.NewWriter(&out)
		tw := tar.NewWriter(zw)
		write(tw)
		if end {
			tw.Close()
		} else {
			tw.Flush()
		}
		zw.Close()
	}
	frame(func(tw *tar.Writer) {
		tw.WriteHeader(&tar.Header{Name: ManifestName, Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(data))})
		tw.Write(data)
	}, false)
	frame(func(tw *tar.Writer) {
		for _, e := range entries {
			h := e.hdr
			if err := tw.WriteHeader(&h); err != nil {
				t.Fatal(err)
			}
			if _, err := tw.Write(e.data); err != nil {
				t.Fatal(err)
			}
		}
	}, true)
	return out.Bytes()
}

// build is craft of matching manifest and stream entries.
func build(t testing.TB, pairs ...func() (raw, Entry)) []byte {
	t.Helper()
	var m Manifest
	var rs []raw
	for _, p := range pairs {
		r, e := p()
		rs = append(rs, r)
		m.Entries = append(m.Entries, e)
	}
	return craft(t, m, rs)
}

// readAll reads the archive in data to its end, extracting it into a new
// directory, and returns that directory and the first error.
func readAll(t testing.TB, data []byte, opts ReaderOptions) (string, error) {
	t.Helper()
	dst := t.TempDir()
	root, err := os.OpenRoot(dst)
	if err != nil {
		t.Fatal(err)
	}
	defer root.Close()
	r, err := NewReader(bytes.NewReader(data), opts)
	if err != nil {
		return dst, err
	}
	defer r.Close()
	x := NewExtractor(root)
	for {
		e, mtime, err := r.Next()
		if errors.Is(err, io.EOF) {
			return dst, x.Finish()
		}
		if err != nil {
			return dst, err
		}
		if err := x.Extract(r, e, mtime, filepath.FromSlash(e.Path)); err != nil {
			return dst, err
		}
	}
}
