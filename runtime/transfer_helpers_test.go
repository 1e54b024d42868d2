package runtime

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
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"github.com/bulkhead-dev/bulkhead/internal/archive"
)

// exportBytes exports ws into memory.
func exportBytes(t testing.TB, ws *Workspace, opts ExportOptions) ([]byte, ExportStats) {
	t.Helper()
	var buf bytes.Buffer
	stats, err := ws.Export(bg, &buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	if stats.Compressed != int64(buf.Len()) {
		t.Fatalf("stats say %d bytes, wrote %d", stats.Compressed, buf.Len())
	}
	return buf.Bytes(), stats
}

// platformWith returns a platform over a new state directory with
// passphrase pass ("" for none).
func platformWith(t testing.TB, pass string) *Platform {
	t.Helper()
	p, err := NewPlatform(Options{StateDir: t.TempDir(), CredentialPassphrase: []byte(pass)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// stateEntries lists everything in p's workspaces directory and skill
// catalog, hidden names included, for checks that an import wrote nothing.
func stateEntries(t testing.TB, p *Platform) []string {
	t.Helper()
	var out []string
	for _, d := range []string{workspacesDirName, skillsDirName} {
		entries, err := os.ReadDir(filepath.Join(p.StateDir(), d))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		for _, e := range entries {
			if e.Name() != ".lock" {
				out = append(out, d+"/"+e.Name())
			}
		}
	}
	return out
}

// rewrite reads the archive data and writes it again with a Writer,
// passing each entry and its content through edit, which may change
// them, or drop the entry (keep false).
func rewrite(t testing.TB, data []byte, edit func(e archive.Entry, content []byte) (archive.Entry, []byte, bool)) []byte {
	t.Helper()
	rd, err := archive.NewReader(bytes.NewReader(data), archive.ReaderOptions{LinkRoots: archiveLinkRoots})
	if err != nil {
		t.Fatal(err)
	}
	defer rd.Close()
	sp, err := os.CreateTemp(t.TempDir(), "spool")
	if err != nil {
		t.Fatal(err)
	}
	defer sp.Close()
	w, err := archive.NewWriter(sp, archive.WriterOptions{LinkRoots: archiveLinkRoots})
	if err != nil {
		t.Fatal(err)
	}
	for {
		e, mtime, err := rd.Next()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		content, err := io.ReadAll(rd)
		if err != nil {
			t.Fatal(err)
		}
		ne, nc, keep := edit(*e, content)
		if !keep {
			continue
		}
		switch ne.Type {
		case archive.TypeDir:
			err = w.Dir(ne.Path, os.FileMode(ne.Mode), mtime)
		case archive.TypeFile:
			err = w.File(ne.Path, os.FileMode(ne.Mode), mtime, int64(len(nc)), bytes.NewReader(nc))
		case archive.TypeSymlink:
			err = w.Symlink(ne.Path, ne.Target, mtime)
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	m := *rd.Manifest()
	var out bytes.Buffer
	if _, err := w.Finish(&out, archive.Manifest{Workspace: m.Workspace, Bulkhead: m.Bulkhead, Created: m.Created, Meta: m.Meta}); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// rawEntry is a tar entry of a crafted archive and how the manifest lists
// it (unlisted: not in the manifest).
type rawEntry struct {
	hdr      tar.Header
	data     []byte
	listed   archive.Entry
	unlisted bool
}

// craft writes an archive of workspace id without a Writer's checks: a
// manifest listing entries (their digests computed unless given), then
// the entries as given.
func craft(t testing.TB, id string, entries []rawEntry) []byte {
	t.Helper()
	m := archive.Manifest{Format: archive.Format, Version: archive.Version, Workspace: id, Created: time.Now().UTC()}
	for _, e := range entries {
		if e.unlisted {
			continue
		}
		if e.listed.Type == archive.TypeFile {
			m.Files++
			m.Bytes += e.listed.Size
		}
		m.Entries = append(m.Entries, e.listed)
	}
	data, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw, _ := zstd.NewWriter(&out)
	tw := tar.NewWriter(zw)
	tw.WriteHeader(&tar.Header{Name: archive.ManifestName, Typeflag: tar.TypeReg, Mode: 0o600, Size: int64(len(data))})
	tw.Write(data)
	for _, e := range entries {
		h := e.hdr
		if err := tw.WriteHeader(&h); err != nil {
			t.Fatal(err)
		}
		tw.Write(e.data)
	}
	tw.Close()
	zw.Close()
	return out.Bytes()
}

// rawDir, rawFile and rawLink make crafted entries listed as they are.
func rawDir(name string) rawEntry {
	return rawEntry{hdr: tar.Header{Name: name + "/", Typeflag: tar.TypeDir, Mode: 0o755}, listed: archive.Entry{Path: name, Type: archive.TypeDir, Mode: 0o755}}
}

func rawFile(name, content string) rawEntry {
	return rawEntry{hdr: tar.Header{Name: name, Typeflag: tar.TypeReg, Mode: 0o644, Size: int64(len(content))}, data: []byte(content),
		listed: archive.Entry{Path: name, Type: archive.TypeFile, Mode: 0o644, Size: int64(len(content)), SHA256: sha256Hex(content)}}
}

func rawLink(name, target string) rawEntry {
	return rawEntry{hdr: tar.Header{Name: name, Typeflag: tar.TypeSymlink, Linkname: target}, listed: archive.Entry{Path: name, Type: archive.TypeSymlink, Target: target}}
}

// tree returns the files, directories and links under dir as
// "path mode [content|→ target]" lines, sorted.
func tree(t testing.TB, dir string) []string {
	t.Helper()
	var out []string
	err := filepath.WalkDir(dir, func(p string, d os.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := d.Info()
		if err != nil {
			return err
		}
		line := rel + " " + fi.Mode().String()
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			target, _ := os.Readlink(p)
			line += " → " + target
		case fi.Mode().IsRegular():
			b, _ := os.ReadFile(p)
			line += " " + string(b)
		}
		out = append(out, line)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(out)
	return out
}

// lines splits a file's content into its lines.
func lines(t testing.TB, path string) []string {
	t.Helper()
	return strings.Split(strings.TrimSuffix(readFile(t, path), "\n"), "\n")
}

// sha256Hex is the hex SHA-256 of s.
func sha256Hex(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:])
}
