package skills

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// skillDoc returns a SKILL.md with the given name and description.
func skillDoc(name, desc string) string {
	return "---\nname: " + name + "\ndescription: " + desc + "\n---\n\n# " + name + "\n"
}

// newCatalog returns an empty catalog in a temporary directory.
func newCatalog(t *testing.T, lim Limits) *Catalog {
	t.Helper()
	c, err := Open(filepath.Join(t.TempDir(), "skills"), Options{Limits: lim})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// writeFolder creates a folder holding files (path -> content; a path
// ending in "/" is an empty folder) and returns its path.
func writeFolder(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := t.TempDir()
	for p, content := range files {
		full := filepath.Join(dir, p)
		if strings.HasSuffix(p, "/") {
			if err := os.MkdirAll(full, 0o755); err != nil {
				t.Fatal(err)
			}
			continue
		}
		if err := os.MkdirAll(filepath.Dir(full), 0o755); err != nil {
			t.Fatal(err)
		}
		perm := os.FileMode(0o644)
		if strings.HasSuffix(p, ".sh") || strings.HasSuffix(p, ".py") || filepath.Base(p) == "execute" {
			perm = 0o755
		}
		if err := os.WriteFile(full, []byte(content), perm); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// tarEntry is one member of a test tar archive.
type tarEntry struct {
	hdr  tar.Header
	body string
}

// file is a regular tar member.
func file(name, body string) tarEntry {
	return tarEntry{hdr: tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(body))}, body: body}
}

// buildTarGz returns a .tar.gz of entries.
func buildTarGz(tb testing.TB, entries ...tarEntry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, e := range entries {
		h := e.hdr
		if err := tw.WriteHeader(&h); err != nil {
			tb.Fatal(err)
		}
		if _, err := tw.Write([]byte(e.body)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := tw.Close(); err != nil {
		tb.Fatal(err)
	}
	if err := gz.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// writeTarGz writes a .tar.gz of entries and returns its path.
func writeTarGz(t *testing.T, entries ...tarEntry) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "skill.tar.gz")
	if err := os.WriteFile(p, buildTarGz(t, entries...), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// zipEntry is one member of a test zip archive.
type zipEntry struct {
	name string
	mode fs.FileMode
	body string
}

// buildZip returns a .zip of entries.
func buildZip(tb testing.TB, entries ...zipEntry) []byte {
	tb.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, e := range entries {
		h := &zip.FileHeader{Name: e.name, Method: zip.Deflate}
		h.SetMode(e.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			tb.Fatal(err)
		}
		if _, err := w.Write([]byte(e.body)); err != nil {
			tb.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		tb.Fatal(err)
	}
	return buf.Bytes()
}

// writeZip writes a .zip of entries and returns its path.
func writeZip(t *testing.T, entries ...zipEntry) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "skill.zip")
	if err := os.WriteFile(p, buildZip(t, entries...), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

// catalogNames lists everything in the catalog directory but the lock.
func catalogNames(t *testing.T, c *Catalog) []string {
	t.Helper()
	entries, err := os.ReadDir(c.Dir())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		if e.Name() != lockName {
			out = append(out, e.Name())
		}
	}
	return out
}

// wantRefused checks that err is an *EntryError for entry wrapping
// sentinel, and that the catalog is still empty.
func wantRefused(t *testing.T, c *Catalog, err error, entry string, sentinel error) {
	t.Helper()
	var ee *EntryError
	if !errors.As(err, &ee) || !errors.Is(err, sentinel) {
		t.Fatalf("err = %v, want an *EntryError wrapping %v", err, sentinel)
	}
	if ee.Entry != entry {
		t.Fatalf("error names entry %q, want %q (%v)", ee.Entry, entry, err)
	}
	if names := catalogNames(t, c); len(names) != 0 {
		t.Fatalf("catalog holds %v after a refused add", names)
	}
}
