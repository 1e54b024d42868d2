package archive

import (
	"archive/tar"
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// TestRoundTrip: what a Writer writes, a Reader reads back whole: the
// manifest first with totals and digests, files with their content, modes
// and times, directories with their modes, the link as it was.
func TestRoundTrip(t *testing.T) {
	data := sample(t)
	var seen []Progress
	dst, err := readAll(t, data, ReaderOptions{LinkRoots: roots, Progress: func(p Progress) { seen = append(seen, p) }})
	if err != nil {
		t.Fatal(err)
	}
	if got := readFile(t, filepath.Join(dst, "w/files/src/main.go")); got != "package main\n" {
		t.Errorf("main.go = %q", got)
	}
	if target, err := os.Readlink(filepath.Join(dst, "w/files/main")); err != nil || target != "src/main.go" {
		t.Errorf("link → %q, %v", target, err)
	}
	for name, want := range map[string]os.FileMode{"w": 0o700, "w/config.json": 0o600, "w/files/src": 0o750, "w/files/run.sh": 0o755} {
		fi, err := os.Stat(filepath.Join(dst, name))
		if err != nil || fi.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v (%v)", name, fi.Mode().Perm(), want, err)
		}
	}
	at := time.Date(2024, 5, 6, 7, 8, 9, 0, time.UTC)
	for _, name := range []string{"w/files/src", "w/files/src/main.go"} {
		if fi, _ := os.Stat(filepath.Join(dst, name)); !fi.ModTime().Equal(at) {
			t.Errorf("%s: time %v, want %v", name, fi.ModTime(), at)
		}
	}
	last := seen[len(seen)-1]
	if last.Entries != 7 || last.Bytes != 22 || last.Compressed != int64(len(data)) {
		t.Errorf("last progress %+v for %d bytes", last, len(data))
	}
	r, err := NewReader(bytes.NewReader(data), ReaderOptions{LinkRoots: roots})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	m := r.Manifest()
	if m.Workspace != "acme" || m.Files != 3 || m.Bytes != 22 || len(m.Entries) != 7 || m.Entries[1].SHA256 == "" {
		t.Errorf("manifest %+v", m)
	}
}

// TestWriterRefuses: a name or link the format refuses is an ErrUnsafe
// error before anything is written, and the Writer goes on; an entry whose
// content ends short breaks it.
func TestWriterRefuses(t *testing.T) {
	w, err := NewWriter(spool(t), WriterOptions{LinkRoots: roots})
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	if err := w.Dir("w", 0o755, now); err != nil {
		t.Fatal(err)
	}
	w.Dir("w/files", 0o755, now)
	for name, err := range map[string]error{
		"absolute":          w.Dir("/etc", 0o755, now),
		"dot-dot":           w.Dir("w/../x", 0o755, now),
		"no parent":         w.Dir("w/a/b", 0o755, now),
		"twice":             w.Dir("w", 0o755, now),
		"link outside root": w.Symlink("w/l", "files", now),
		"absolute link":     w.Symlink("w/files/l", "/etc/passwd", now),
		"escaping link":     w.Symlink("w/files/l", "../config.json", now),
		"not UTF-8":         w.File("w/files/\xff", 0o644, now, 0, strings.NewReader("")),
	} {
		if !errors.Is(err, ErrUnsafe) {
			t.Errorf("%s: %v", name, err)
		}
	}
	if err := w.File("w/files/ok", 0o644, now, 2, strings.NewReader("ok")); err != nil {
		t.Fatalf("after refusals: %v", err)
	}
	if err := w.File("w/files/short", 0o644, now, 10, strings.NewReader("abc")); err == nil || !strings.Contains(err.Error(), "7 bytes short") {
		t.Fatalf("short content: %v", err)
	}
	if err := w.Dir("w/files/d", 0o755, now); err == nil {
		t.Error("a broken Writer went on")
	}
	if _, err := w.Finish(io.Discard, Manifest{}); err == nil {
		t.Error("a broken Writer finished")
	}
}

// TestReaderRefuses: each hostile or damaged archive is refused with the
// error class of its fault, naming the entry where there is one.
func TestReaderRefuses(t *testing.T) {
	good := sample(t)
	flipped := bytes.Clone(good)
	flipped[len(flipped)-40] ^= 0x20
	fifo := raw{hdr: tar.Header{Name: "w/files/pipe", Typeflag: tar.TypeFifo, Mode: 0o644}}
	hard := raw{hdr: tar.Header{Name: "w/files/hard", Typeflag: tar.TypeLink, Linkname: "w/config.json"}}
	cfgRaw, cfgEntry := file("w/config.json", []byte("{}"))
	wr, we := dir("w")
	fr, fe := dir("w/files")
	tests := []struct {
		name string
		data []byte
		want error
		says string
	}{
		{"flipped byte", flipped, ErrCorrupt, ""},
		{"truncated", good[:len(good)-30], ErrCorrupt, ""},
		{"truncated in the manifest", good[:20], ErrCorrupt, "manifest"},
		{"not an archive", []byte("PK\x03\x04 a zip file"), ErrCorrupt, ""},
		{"traversal", build(t, func() (raw, Entry) { return dir("w") }, func() (raw, Entry) { return file("w/../../etc/cron.d/x", []byte("x")) }), ErrUnsafe, "not clean"},
		{"absolute name", build(t, func() (raw, Entry) { return file("/etc/passwd", []byte("x")) }), ErrUnsafe, "absolute"},
		{"symlink escape", build(t, func() (raw, Entry) { return wr, we }, func() (raw, Entry) { return fr, fe },
			func() (raw, Entry) { return link("w/files/up", "../../..") }), ErrUnsafe, "leaves w/files"},
		{"absolute symlink", build(t, func() (raw, Entry) { return wr, we }, func() (raw, Entry) { return fr, fe },
			func() (raw, Entry) { return link("w/files/etc", "/etc") }), ErrUnsafe, "absolute target"},
		{"write through a symlink", build(t, func() (raw, Entry) { return wr, we }, func() (raw, Entry) { return fr, fe },
			func() (raw, Entry) { return link("w/files/d", "sub") }, func() (raw, Entry) { return file("w/files/d/x", []byte("x")) }), ErrUnsafe, "not a directory listed before"},
		{"duplicate in the manifest", build(t, func() (raw, Entry) { return wr, we }, func() (raw, Entry) { return cfgRaw, cfgEntry }, func() (raw, Entry) { return cfgRaw, cfgEntry }), ErrUnsafe, "listed twice"},
		{"duplicate in the stream", craft(t, Manifest{Entries: []Entry{we, cfgEntry}}, []raw{wr, cfgRaw, cfgRaw}), ErrCorrupt, "not in the manifest"},
		{"a FIFO", craft(t, Manifest{Entries: []Entry{we, fe, {Path: "w/files/pipe", Type: TypeFile, Mode: 0o644, SHA256: zeroDigest}}}, []raw{wr, fr, fifo}), ErrUnsafe, "only directories"},
		{"a hard link", craft(t, Manifest{Entries: []Entry{we, fe, {Path: "w/files/hard", Type: TypeSymlink, Target: "w/config.json"}}}, []raw{wr, fr, hard}), ErrUnsafe, ""},
		{"setuid", build(t, func() (raw, Entry) {
			r, e := file("su", []byte("x"))
			r.hdr.Mode, e.Mode = 0o4755, 0o4755
			return r, e
		}), ErrUnsafe, "beyond 0777"},
		{"wrong digest", craft(t, Manifest{Entries: []Entry{func() Entry { _, e := file("a", []byte("x")); e.SHA256 = zeroDigest; return e }()}}, []raw{func() raw { r, _ := file("a", []byte("x")); return r }()}), ErrCorrupt, `entry "a": SHA-256`},
		{"trailing data", append(bytes.Clone(good), func() []byte {
			var b bytes.Buffer
			zw, _ := zstd.NewWriter(&b)
			zw.Write([]byte("more"))
			zw.Close()
			return b.Bytes()
		}()...), ErrCorrupt, "after the end"},
		{"unknown manifest field", craftJSON(t, []byte(`{"format":"`+Format+`","version":1,"xtra":1,"entries":[]}`), nil), ErrCorrupt, "unknown field"},
		{"another version", craftJSON(t, []byte(`{"format":"`+Format+`","version":2,"entries":[]}`), nil), ErrCorrupt, "version 2"},
		{"too many entries", good, ErrLimit, "more than the limit of 3"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			opts := ReaderOptions{LinkRoots: roots}
			if tc.name == "too many entries" {
				opts.Limits.MaxEntries = 3
			}
			dst, err := readAll(t, tc.data, opts)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), tc.says) {
				t.Fatalf("err = %v, want %v saying %q", err, tc.want, tc.says)
			}
			if _, serr := os.Lstat(filepath.Join(dst, "etc")); serr == nil {
				t.Error("something reached etc")
			}
		})
	}
}

// TestLimits: the manifest's byte total is held against MaxBytes before
// any entry streams; a Zstandard bomb (a file of zeros compressing a
// thousandfold and more) is refused once past RatioAllowance, long
// before its declared size.
func TestLimits(t *testing.T) {
	if _, err := readAll(t, sample(t), ReaderOptions{LinkRoots: roots, Limits: Limits{MaxBytes: 10}}); !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "10 bytes") {
		t.Errorf("MaxBytes: %v", err)
	}
	const size = 1 << 30
	var sum [32]byte // not checked: the bomb must be refused before its end
	bomb := bombArchive(t, size, sum[:])
	dst, err := readAll(t, bomb, ReaderOptions{})
	if !errors.Is(err, ErrLimit) || !strings.Contains(err.Error(), "ratio above 1000") {
		t.Fatalf("bomb of %d bytes in %d: %v", size, len(bomb), err)
	}
	if fi, err := os.Stat(filepath.Join(dst, "zeros")); err != nil || fi.Size() > 2*RatioAllowance {
		t.Errorf("the bomb wrote %v bytes (%v)", fi.Size(), err)
	}
}

// bombArchive is an archive of one file of size zeros, its frames cheap to
// make: the zeros compressed once per 64 MiB and the frame repeated.
func bombArchive(t testing.TB, size int64, sum []byte) []byte {
	t.Helper()
	_, e := file("zeros", nil)
	e.Size, e.SHA256 = size, strings.Repeat("00", len(sum))
	var out bytes.Buffer
	out.Write(craft(t, Manifest{Entries: []Entry{e}}, nil))
	out.Truncate(headerFrameLen(t, out.Bytes()))
	var hdr bytes.Buffer
	tw := tar.NewWriter(&hdr)
	tw.WriteHeader(&tar.Header{Name: "zeros", Typeflag: tar.TypeReg, Mode: 0o644, Size: size})
	enc, _ := zstd.NewWriter(nil)
	out.Write(enc.EncodeAll(hdr.Bytes(), nil))
	chunk := enc.EncodeAll(make([]byte, 64<<20), nil)
	for range size / (64 << 20) {
		out.Write(chunk)
	}
	return out.Bytes()
}

// headerFrameLen returns the length of the first Zstandard frame of data
// (the manifest's), found by decoding growing prefixes.
func headerFrameLen(t testing.TB, data []byte) int {
	t.Helper()
	dec, _ := zstd.NewReader(nil)
	defer dec.Close()
	for n := 1; n <= len(data); n++ {
		if _, err := dec.DecodeAll(data[:n], nil); err == nil {
			return n
		}
	}
	t.Fatal("no complete frame")
	return 0
}

// TestCheckLink: targets that stay in their root pass, others do not.
func TestCheckLink(t *testing.T) {
	for _, tc := range []struct {
		name, target string
		ok           bool
	}{
		{"w/files/a", "b", true},
		{"w/files/d/a", "../b", true},
		{"w/files/d/a", "..", true},
		{"w/files/d/e/a", "../../x/y", true},
		{"w/files/a", ".", true},
		{"w/files/a", "..", false},
		{"w/files/d/a", "../../home/x", false},
		{"w/files/a", "b/../../x", false},
		{"w/files/a", "b/../c", false},
		{"w/files/a", "./b", false},
		{"w/files/a", "/w/files/b", false},
		{"w/files/a", "", false},
		{"w/home/a", "x", true},
		{"w/config", "x", false},
		{"w/filesx/a", "x", false},
	} {
		if err := CheckLink(roots, tc.name, tc.target); (err == nil) != tc.ok {
			t.Errorf("CheckLink(%q → %q) = %v, want ok %v", tc.name, tc.target, err, tc.ok)
		}
	}
}

func readFile(t *testing.T, path string) string {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
