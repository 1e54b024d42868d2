package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"testing"
)

func TestWriteFileReplaces(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "c.json")
	if err := WriteFile(p, []byte("one"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two"), 0o600); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	if string(got) != "two" {
		t.Fatalf("content = %q, want two", got)
	}
	fi, _ := os.Stat(p)
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("perm = %v", fi.Mode().Perm())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temp files left behind: %v", entries)
	}
}

func TestWriteFileMissingDir(t *testing.T) {
	if err := WriteFile(filepath.Join(t.TempDir(), "no", "x"), nil, 0o600); err == nil {
		t.Fatal("want error for missing directory")
	}
}

func TestAppend(t *testing.T) {
	p := filepath.Join(t.TempDir(), "log")
	for _, s := range []string{"a\n", "b\n"} {
		if err := Append(p, []byte(s), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	got, _ := os.ReadFile(p)
	if string(got) != "a\nb\n" {
		t.Fatalf("content = %q", got)
	}
}

func TestRemoveTemps(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "v.json")
	if err := WriteFile(p, []byte("v"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := filepath.Join(dir, ".other.json.tmp-1")
	for _, name := range []string{tempPrefix(p) + "123", tempPrefix(p) + "456", other} {
		if err := os.WriteFile(name, nil, 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := RemoveTemps(p); err != nil {
		t.Fatal(err)
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if len(names) != 2 || names[0] != ".other.json.tmp-1" || names[1] != "v.json" {
		t.Fatalf("left %v, want the target and the other file's temporary file", names)
	}
}

// TestWriteFrom: what the function writes replaces the file; when it
// fails, the old file stays and no temporary file is left.
func TestWriteFrom(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "a.tar.zst")
	if err := WriteFile(p, []byte("old"), 0o600); err != nil {
		t.Fatal(err)
	}
	failing := errors.New("stream broke")
	err := WriteFrom(p, 0o600, func(w io.Writer) error {
		io.WriteString(w, "partial")
		return failing
	})
	if !errors.Is(err, failing) {
		t.Fatalf("err = %v", err)
	}
	if got, _ := os.ReadFile(p); string(got) != "old" {
		t.Fatalf("after a failed write: %q", got)
	}
	if err := WriteFrom(p, 0o640, func(w io.Writer) error { _, err := io.WriteString(w, "new"); return err }); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(p)
	fi, _ := os.Stat(p)
	entries, _ := os.ReadDir(dir)
	if string(got) != "new" || fi.Mode().Perm() != 0o640 || len(entries) != 1 {
		t.Fatalf("content %q, mode %v, %d entries", got, fi.Mode().Perm(), len(entries))
	}
}
