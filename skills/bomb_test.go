package skills

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"crypto/rand"
	"errors"
	"fmt"
	"hash/crc32"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// gzipMember compresses b as one gzip member (RFC 1952); members
// concatenated form one stream that gzip readers decompress in full.
func gzipMember(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	gz.Write(b)
	gz.Close()
	return buf.Bytes()
}

// TestTarGzBomb: a .tar.gz of about 1 MiB that expands to 1 GiB, built by
// repeating one gzip member of 1 MiB of zeros, is refused from its header
// alone.
func TestTarGzBomb(t *testing.T) {
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	tw.WriteHeader(&tar.Header{Name: "SKILL.md", Typeflag: tar.TypeReg, Mode: 0o644, Size: 8})
	tw.Write([]byte("---\n---\n"))
	tw.Flush()
	tw.WriteHeader(&tar.Header{Name: "zeros.bin", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1 << 30})
	tw.Flush()
	var archive bytes.Buffer
	archive.Write(gzipMember(t, hdr.Bytes()))
	zeros := gzipMember(t, make([]byte, 1<<20))
	for range 1 << 10 {
		archive.Write(zeros)
	}
	archive.Write(gzipMember(t, make([]byte, 1024))) // end of archive
	p := filepath.Join(t.TempDir(), "bomb.tgz")
	os.WriteFile(p, archive.Bytes(), 0o644)
	if archive.Len() > 2<<20 {
		t.Fatalf("bomb is %d bytes", archive.Len())
	}

	c := newCatalog(t, Limits{})
	_, err := c.Add(ctx, p, AddOptions{})
	wantRefused(t, c, err, "zeros.bin", ErrLimit)
	// With a per-file limit above 1 GiB, the ratio limit stops it.
	c = newCatalog(t, Limits{MaxFileBytes: 2 << 30, MaxTotalBytes: 2 << 30})
	_, err = c.Add(ctx, p, AddOptions{})
	wantRefused(t, c, err, "zeros.bin", ErrLimit)
	if !strings.Contains(err.Error(), "times its size") {
		t.Fatalf("err = %v, want the ratio limit", err)
	}
}

// deflateZeros returns a raw deflate stream (RFC 1951) of n MiB of zeros,
// made by repeating the sync-flushed, non-final blocks of one MiB: their
// back-references never reach before the MiB they are in.
func deflateZeros(t *testing.T, n int) []byte {
	t.Helper()
	var one bytes.Buffer
	fw, _ := flate.NewWriter(&one, flate.BestCompression)
	fw.Write(make([]byte, 1<<20))
	fw.Flush()
	block := one.Bytes()
	out := bytes.Repeat(block, n)
	return append(out, 0x03, 0x00) // final empty fixed-Huffman block
}

// TestZipBombLyingSizes: a zip whose headers claim 1 KiB for an entry of
// 1 GiB of zeros is stopped while reading, not trusted.
func TestZipBombLyingSizes(t *testing.T) {
	raw := deflateZeros(t, 1024)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("SKILL.md")
	w.Write([]byte(skillDoc("bomb", "b")))
	h := &zip.FileHeader{Name: "zeros.bin", Method: zip.Deflate, CRC32: crc32.ChecksumIEEE(make([]byte, 1024)), CompressedSize64: uint64(len(raw)), UncompressedSize64: 1024}
	rw, err := zw.CreateRaw(h)
	if err != nil {
		t.Fatal(err)
	}
	rw.Write(raw)
	zw.Close()
	p := filepath.Join(t.TempDir(), "bomb.zip")
	os.WriteFile(p, buf.Bytes(), 0o644)

	c := newCatalog(t, Limits{})
	_, err = c.Add(ctx, p, AddOptions{})
	var ee *EntryError
	if !errors.As(err, &ee) || ee.Entry != "zeros.bin" {
		t.Fatalf("err = %v", err)
	}
	if names := catalogNames(t, c); len(names) != 0 {
		t.Fatalf("catalog holds %v", names)
	}
}

// TestZipBombHonest: a zip that declares its 1 GiB is refused from the
// central directory.
func TestZipBombHonest(t *testing.T) {
	raw := deflateZeros(t, 1024)
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	w, _ := zw.Create("SKILL.md")
	w.Write([]byte(skillDoc("bomb", "b")))
	zeros := make([]byte, 1<<20)
	crc := crc32.NewIEEE()
	for range 1024 {
		crc.Write(zeros)
	}
	rw, _ := zw.CreateRaw(&zip.FileHeader{Name: "zeros.bin", Method: zip.Deflate, CRC32: crc.Sum32(), CompressedSize64: uint64(len(raw)), UncompressedSize64: 1 << 30})
	rw.Write(raw)
	zw.Close()
	p := filepath.Join(t.TempDir(), "bomb.zip")
	os.WriteFile(p, buf.Bytes(), 0o644)
	c := newCatalog(t, Limits{})
	_, err := c.Add(ctx, p, AddOptions{})
	wantRefused(t, c, err, "zeros.bin", ErrLimit)
}

func TestManyTinyFiles(t *testing.T) {
	const n = 100_000
	// tar.gz: refused at entry 10 001 of the first pass, before any write.
	var buf bytes.Buffer
	gz, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	tw := tar.NewWriter(gz)
	tw.WriteHeader(&tar.Header{Name: "SKILL.md", Typeflag: tar.TypeReg, Mode: 0o644, Size: 1})
	tw.Write([]byte("x"))
	for i := range n {
		tw.WriteHeader(&tar.Header{Name: fmt.Sprintf("f/%06d", i), Typeflag: tar.TypeReg, Mode: 0o644})
	}
	tw.Close()
	gz.Close()
	p := filepath.Join(t.TempDir(), "many.tgz")
	os.WriteFile(p, buf.Bytes(), 0o644)
	c := newCatalog(t, Limits{})
	_, err := c.Add(ctx, p, AddOptions{})
	wantRefused(t, c, err, fmt.Sprintf("f/%06d", DefaultMaxEntries-2), ErrLimit)

	// zip: refused from the central directory's count.
	buf.Reset()
	zw := zip.NewWriter(&buf)
	for i := range n {
		zw.CreateHeader(&zip.FileHeader{Name: fmt.Sprintf("f/%06d", i), Method: zip.Store})
	}
	zw.Close()
	p = filepath.Join(t.TempDir(), "many.zip")
	os.WriteFile(p, buf.Bytes(), 0o644)
	_, err = c.Add(ctx, p, AddOptions{})
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "100000 entries") {
		t.Fatalf("err = %v", err)
	}
}

func TestLimits(t *testing.T) {
	md := file("SKILL.md", skillDoc("lim", "l"))
	deep := strings.Repeat("d/", 6) + "f"
	random := make([]byte, 2<<20)
	rand.Read(random)
	tests := []struct {
		name    string
		lim     Limits
		entries []tarEntry
		entry   string
	}{
		{"entries", Limits{MaxEntries: 3}, []tarEntry{md, file("a", ""), file("b", ""), file("c", "")}, "c"},
		{"file size", Limits{MaxFileBytes: 45}, []tarEntry{md, file("big", strings.Repeat("x", 46))}, "big"},
		{"total size", Limits{MaxTotalBytes: 100}, []tarEntry{md, file("a", strings.Repeat("x", 50)), file("b", strings.Repeat("x", 50))}, "b"},
		{"depth", Limits{MaxDepth: 6}, []tarEntry{md, file(deep, "x")}, deep},
		{"ratio", Limits{}, []tarEntry{md, file("zeros", string(make([]byte, 2<<20)))}, "zeros"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := newCatalog(t, tt.lim)
			_, err := c.Add(ctx, writeTarGz(t, tt.entries...), AddOptions{})
			wantRefused(t, c, err, tt.entry, ErrLimit)
		})
	}
	// Just under each limit is accepted; incompressible data passes the
	// ratio check.
	c := newCatalog(t, Limits{MaxEntries: 9, MaxFileBytes: 3 << 20, MaxDepth: 7})
	if _, err := c.Add(ctx, writeTarGz(t, md, file(deep, "x"), file("random", string(random))), AddOptions{}); err != nil {
		t.Fatal(err)
	}
}

func TestLimitDefaults(t *testing.T) {
	got := Limits{MaxEntries: -1}.withDefaults()
	want := Limits{DefaultMaxEntries, DefaultMaxTotalBytes, DefaultMaxFileBytes, DefaultMaxDepth, DefaultMaxRatio, DefaultMaxSkillMDBytes, DefaultMaxReadBytes, DefaultLockTimeout}
	if got != want {
		t.Fatalf("got %+v", got)
	}
}

// lyingSource declares empty files but yields n bytes of zeros for each:
// the second pass must count what it reads, not trust the first.
type lyingSource struct {
	n, archive int64
	files      []string
}

func (s *lyingSource) walk(fn func(e entry) error) error {
	if err := fn(entry{name: "SKILL.md", typ: typeFile, size: 40, open: func() (io.ReadCloser, error) {
		return io.NopCloser(strings.NewReader(skillDoc("lying", "l"))), nil
	}}); err != nil {
		return err
	}
	for _, f := range s.files {
		err := fn(entry{name: f, typ: typeFile, open: func() (io.ReadCloser, error) {
			return io.NopCloser(io.LimitReader(zeroReader{}, s.n)), nil
		}})
		if err != nil {
			return err
		}
	}
	return nil
}

func (s *lyingSource) compressedSize() int64 { return s.archive }
func (s *lyingSource) unwraps() bool         { return false }
func (s *lyingSource) label() string         { return "lying" }
func (s *lyingSource) close() error          { return nil }

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

func TestCopyCountsBytesRead(t *testing.T) {
	tests := []struct {
		name string
		lim  Limits
		src  *lyingSource
		want string
	}{
		{"file", Limits{MaxFileBytes: 1000}, &lyingSource{n: 1001, files: []string{"a"}}, "a"},
		{"total", Limits{MaxTotalBytes: 1500}, &lyingSource{n: 1000, files: []string{"a", "b"}}, "b"},
		{"ratio", Limits{}, &lyingSource{n: 4 << 20, archive: 1000, files: []string{"a"}}, "a"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lim := tt.lim.withDefaults()
			p, err := scan(ctx, tt.src, lim)
			if err != nil {
				t.Fatalf("first pass: %v", err)
			}
			root, _ := os.OpenRoot(t.TempDir())
			defer root.Close()
			err = p.copyTo(root)
			var ee *EntryError
			if !errors.As(err, &ee) || ee.Entry != tt.want || !errors.Is(err, ErrLimit) {
				t.Fatalf("err = %v, want a limit on %q", err, tt.want)
			}
		})
	}
}
