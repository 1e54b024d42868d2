package dbfile

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	"github.com/ncruces/go-sqlite3"
)

// TestCheck: links and files of the wrong type are refused, a missing path
// is not.
func TestCheck(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	if err := os.WriteFile(file, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	must(t, os.Symlink(file, filepath.Join(dir, "link")))
	must(t, os.Mkdir(filepath.Join(dir, "d"), 0o700))
	must(t, os.WriteFile(filepath.Join(dir, "two"), nil, 0o600))
	must(t, os.Link(filepath.Join(dir, "two"), filepath.Join(dir, "two-again")))
	tests := []struct {
		name       string
		check      func(string) error
		path       string
		wantUnsafe bool
	}{
		{"file", CheckFile, "f", false},
		{"missing file", CheckFile, "none", false},
		{"link as file", CheckFile, "link", true},
		{"directory as file", CheckFile, "d", true},
		{"file of two links", CheckFile, "two", true},
		{"directory", CheckDir, "d", false},
		{"missing directory", CheckDir, "none", false},
		{"link as directory", CheckDir, "link", true},
		{"file as directory", CheckDir, "f", true},
	}
	for _, tt := range tests {
		err := tt.check(filepath.Join(dir, tt.path))
		if errors.Is(err, ErrUnsafePath) != tt.wantUnsafe || (!tt.wantUnsafe && err != nil) {
			t.Errorf("%s: %v, want unsafe %v", tt.name, err, tt.wantUnsafe)
		}
	}
}

// TestCreate: a new file is created owner-only, a file that is not a
// database is refused as damaged and left as it was, a link is not
// followed.
func TestCreate(t *testing.T) {
	dir := t.TempDir()
	old := syscall.Umask(0o022)
	defer syscall.Umask(old)
	path := filepath.Join(dir, "memory.db")
	must(t, Create(path))
	if fi, err := os.Stat(path); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("created %v, %v; want mode 0600", fi, err)
	}
	notDB := filepath.Join(dir, "notes.txt")
	must(t, os.WriteFile(notDB, []byte("not a database"), 0o644))
	if err := Create(notDB); !errors.Is(err, ErrDamaged) {
		t.Errorf("Create of a text file: %v, want ErrDamaged", err)
	}
	if data, _ := os.ReadFile(notDB); string(data) != "not a database" {
		t.Errorf("the text file was changed: %q", data)
	}
	must(t, os.WriteFile(filepath.Join(dir, "zeros"), make([]byte, 100), 0o600))
	if err := Create(filepath.Join(dir, "zeros")); err != nil || !BeingCreated(filepath.Join(dir, "zeros")) {
		t.Errorf("a header of zeros: Create %v, BeingCreated false", err)
	}
	// A file of /proc, which stat calls empty, is no database either.
	if err := Create("/proc/self/status"); !errors.Is(err, ErrDamaged) {
		t.Errorf("Create of /proc/self/status: %v, want ErrDamaged", err)
	}
	must(t, os.Symlink(filepath.Join(dir, "elsewhere"), filepath.Join(dir, "link.db")))
	if err := Create(filepath.Join(dir, "link.db")); err == nil {
		t.Error("Create followed a symbolic link")
	}
	if _, err := os.Lstat(filepath.Join(dir, "elsewhere")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the link's target was created: %v", err)
	}
}

// TestRestrict: modes become 0600 and 0700 whatever they were; a missing
// path is no error.
func TestRestrict(t *testing.T) {
	dir := t.TempDir()
	file, sub := filepath.Join(dir, "f"), filepath.Join(dir, "d")
	must(t, os.WriteFile(file, nil, 0o666))
	must(t, os.Mkdir(sub, 0o755))
	must(t, os.Chmod(file, 0o4666))
	must(t, RestrictFile(file))
	must(t, RestrictDir(sub))
	must(t, RestrictFile(filepath.Join(dir, "none")))
	for path, want := range map[string]fs.FileMode{file: 0o600, sub: 0o700 | fs.ModeDir} {
		if fi, err := os.Stat(path); err != nil || fi.Mode() != want {
			t.Errorf("%s: %v, %v; want mode %v", path, fi.Mode(), err, want)
		}
	}
}

// TestOwnDir: a missing directory is created 0700 whatever the umask, an
// existing one is tightened to 0700; a link, a file and a shared (sticky)
// directory are refused with ErrUnsafePath and left as they were; a
// missing parent is not created.
func TestOwnDir(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0o022))
	dir := t.TempDir()
	made, open := filepath.Join(dir, "made"), filepath.Join(dir, "open")
	must(t, OwnDir(made))
	must(t, os.Mkdir(open, 0o777))
	must(t, os.Chmod(open, 0o777))
	must(t, OwnDir(open))
	for _, p := range []string{made, open} {
		if fi, err := os.Lstat(p); err != nil || fi.Mode() != fs.ModeDir|0o700 {
			t.Errorf("%s: %v, %v; want mode 0700", p, fi, err)
		}
	}
	must(t, os.Symlink(open, filepath.Join(dir, "link")))
	must(t, os.WriteFile(filepath.Join(dir, "file"), nil, 0o600))
	must(t, os.Mkdir(filepath.Join(dir, "shared"), 0o777))
	must(t, os.Chmod(filepath.Join(dir, "shared"), 0o777|fs.ModeSticky))
	for name, want := range map[string]string{
		"link":   "is a symbolic link",
		"file":   "is not a directory",
		"shared": "is a shared directory (sticky bit set)",
	} {
		p := filepath.Join(dir, name)
		before, _ := os.Lstat(p)
		err := OwnDir(p)
		if !errors.Is(err, ErrUnsafePath) || err.Error() != "unsafe memory path: "+p+" "+want {
			t.Errorf("%s: %v, want ErrUnsafePath: %s", name, err, want)
		}
		if after, _ := os.Lstat(p); after.Mode() != before.Mode() {
			t.Errorf("%s: mode changed from %v to %v", name, before.Mode(), after.Mode())
		}
	}
	if fi, _ := os.Stat(open); fi.Mode() != fs.ModeDir|0o700 {
		t.Errorf("the link's target changed: %v", fi.Mode())
	}
	missing := filepath.Join(dir, "none", "memory")
	if err := OwnDir(missing); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("missing parent: %v, want ErrNotExist", err)
	}
	if _, err := os.Lstat(filepath.Dir(missing)); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the missing parent was created: %v", err)
	}
}

// TestClassify: SQLite's corruption codes become ErrDamaged naming the
// file; other errors are left alone.
func TestClassify(t *testing.T) {
	err := Classify("/srv/memory.db", fmt.Errorf("read: %w", sqlite3.CORRUPT))
	if !errors.Is(err, ErrDamaged) || !errors.Is(err, sqlite3.CORRUPT) || err.Error() != "memory database /srv/memory.db is damaged: sqlite3: database disk image is malformed" {
		t.Errorf("CORRUPT: %v", err)
	}
	if err := Classify("/srv/memory.db", sqlite3.BUSY); errors.Is(err, ErrDamaged) || errors.Is(err, ErrNoSpace) {
		t.Errorf("BUSY: %v", err)
	}
	if err := Classify("/srv/memory.db", nil); err != nil {
		t.Errorf("nil: %v", err)
	}
}

// TestPin: a connection to the file first pinned passes, one to a file
// renamed into its place is refused with ErrReplaced.
func TestPin(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "memory.db")
	var p Pin
	if p.Current(path) {
		t.Error("an unset pin is current")
	}
	open := func() *sqlite3.Conn {
		c, err := sqlite3.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	must(t, p.Check(open(), path))
	must(t, p.Check(open(), path))
	if !p.Current(path) {
		t.Error("the pinned file is not current")
	}
	must(t, os.Rename(path, path+".old"))
	if err := p.Check(open(), path); !errors.Is(err, ErrReplaced) {
		t.Errorf("a new file at the path: %v, want ErrReplaced", err)
	}
	if p.Current(path) {
		t.Error("a replaced file is current")
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
