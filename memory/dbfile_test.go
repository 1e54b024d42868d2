package memory

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// newDatabase creates the database root/id/memory/memory.db, laid out as
// a workspace's, and stores texts in it; it returns the database's path,
// with the store closed.
func newDatabase(t *testing.T, root, id string, texts ...string) string {
	t.Helper()
	path := databaseIn(filepath.Join(root, id))
	if err := os.MkdirAll(filepath.Dir(filepath.Dir(path)), 0o700); err != nil {
		t.Fatal(err)
	}
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	storeTexts(t, s, texts...)
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

// databaseIn returns dir/memory/memory.db, where the runtime keeps a
// workspace's database.
func databaseIn(dir string) string { return filepath.Join(dir, "memory", "memory.db") }

// TestOpenDamaged: a truncated database and a file that is not a database
// fail Open with ErrDamaged and one clear message naming the file.
func TestOpenDamaged(t *testing.T) {
	path := newDatabase(t, t.TempDir(), "w", "hello")
	if err := os.Truncate(path, 5000); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path, Options{})
	if want := "memory database " + path + " is damaged: sqlite3: database disk image is malformed"; !errors.Is(err, ErrDamaged) || err.Error() != want {
		t.Fatalf("truncated: %v\nwant %s", err, want)
	}
	if err := os.WriteFile(path, []byte(strings.Repeat("not a database ", 100)), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(path, Options{})
	if want := "memory database " + path + " is damaged: sqlite3: file is not a database"; !errors.Is(err, ErrDamaged) || err.Error() != want {
		t.Fatalf("not a database: %v\nwant %s", err, want)
	}
}

// TestDamagedPage overwrites each page of a database in turn: Open and every
// read and write either work or fail with ErrDamaged naming the file, and
// some fail.
func TestDamagedPage(t *testing.T) {
	texts := make([]string, 150)
	for i := range texts {
		texts[i] = fmt.Sprintf("memory %d about the launch checklist, with some words to fill the pages", i)
	}
	data, err := os.ReadFile(newDatabase(t, t.TempDir(), "w", texts...))
	if err != nil {
		t.Fatal(err)
	}
	const pageSize = 4096
	ctx := context.Background()
	failed := 0
	for page := 1; page*pageSize < len(data); page++ { // page 0 holds the header
		damagedData := append([]byte(nil), data...)
		copy(damagedData[page*pageSize:(page+1)*pageSize], strings.Repeat("\xab", pageSize))
		path := filepath.Join(t.TempDir(), "memory.db")
		if err := os.WriteFile(path, damagedData, 0o600); err != nil {
			t.Fatal(err)
		}
		check := func(op string, err error) {
			t.Helper()
			if err == nil {
				return
			}
			failed++
			if !errors.Is(err, ErrDamaged) || !strings.HasPrefix(err.Error(), "memory database "+path+" is damaged: sqlite3: ") {
				t.Errorf("page %d: %s: %v", page, op, err)
			}
		}
		s, err := Open(path, Options{})
		if check("open", err); err != nil {
			continue
		}
		_, err = s.Store(ctx, NewMemory{Text: "one more launch checklist memory"})
		check("store", err)
		_, err = s.List(ctx, ListOptions{Limit: MaxListLimit})
		check("list", err)
		_, err = s.Search(ctx, "launch checklist", SearchOptions{})
		check("search", err)
		check("delete", s.Delete(ctx, 100))
		s.Close()
	}
	if failed == 0 {
		t.Fatal("no page damage was noticed")
	}
}

// TestOpenRefusesLinks: a symbolic link from the database's directory
// down to the database and its companion files, a database or companion
// file with a second hard link, or a file of the wrong type there, or a
// shared directory, is refused with ErrUnsafePath naming it, and another
// database's memories are neither read nor changed.
func TestOpenRefusesLinks(t *testing.T) {
	root := t.TempDir()
	victimDB := newDatabase(t, root, "victim", "victim's secret")
	tests := []struct {
		name   string
		memDir bool                   // create the database's directory first
		plant  func(db string) string // returns the path refused
		want   string
	}{
		{"database link", true, func(db string) string {
			return link(t, victimDB, db)
		}, "is a symbolic link"},
		{"directory link", false, func(db string) string {
			return link(t, filepath.Dir(victimDB), filepath.Dir(db))
		}, "is a symbolic link"},
		{"wal link", true, func(db string) string {
			return link(t, victimDB+"-wal", db+"-wal")
		}, "is a symbolic link"},
		{"shm link", true, func(db string) string {
			return link(t, victimDB+"-shm", db+"-shm")
		}, "is a symbolic link"},
		{"journal link", true, func(db string) string {
			return link(t, victimDB+"-journal", db+"-journal")
		}, "is a symbolic link"},
		{"database hard link", true, func(db string) string {
			return hardLink(t, victimDB, db)
		}, "has 2 hard links"},
		{"wal hard link", true, func(db string) string {
			return hardLink(t, newFile(t), db+"-wal")
		}, "has 2 hard links"},
		{"shm hard link", true, func(db string) string {
			return hardLink(t, newFile(t), db+"-shm")
		}, "has 2 hard links"},
		{"journal hard link", true, func(db string) string {
			return hardLink(t, newFile(t), db+"-journal")
		}, "has 2 hard links"},
		{"database directory", true, func(db string) string {
			return mkdir(t, db)
		}, "is not a regular file"},
		{"wal fifo", true, func(db string) string {
			p := db + "-wal"
			if err := syscall.Mkfifo(p, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}, "is not a regular file"},
		{"directory file", false, func(db string) string {
			p := filepath.Dir(db)
			if err := os.WriteFile(p, nil, 0o600); err != nil {
				t.Fatal(err)
			}
			return p
		}, "is not a directory"},
		{"shared directory", false, func(db string) string {
			p := mkdir(t, filepath.Dir(db))
			if err := os.Chmod(p, 0o777|fs.ModeSticky); err != nil {
				t.Fatal(err)
			}
			return p
		}, "is a shared directory (sticky bit set)"},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ws := mkdir(t, filepath.Join(root, fmt.Sprint("ws", i)))
			db := databaseIn(ws)
			if tt.memDir {
				mkdir(t, filepath.Dir(db))
			}
			refused := tt.plant(db)
			s, err := Open(db, Options{})
			if err == nil {
				s.Close()
			}
			if want := "unsafe memory path: " + refused + " " + tt.want; !errors.Is(err, ErrUnsafePath) || err.Error() != want {
				t.Fatalf("Open: %v\nwant %s", err, want)
			}
			if fi, err := os.Lstat(db); tt.memDir && err == nil && fi.Mode().IsRegular() && refused != db {
				t.Errorf("a database was created: %v", fi.Mode())
			}
			os.Remove(refused) // the victim's database must have one link again
		})
	}
	s, err := Open(victimDB, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if ms, err := s.List(context.Background(), ListOptions{}); err != nil || len(ms) != 1 {
		t.Fatalf("victim's memories: %v, %v", ms, err)
	}
}

func link(t *testing.T, target, name string) string {
	t.Helper()
	if err := os.Symlink(target, name); err != nil {
		t.Fatal(err)
	}
	return name
}

func hardLink(t *testing.T, target, name string) string {
	t.Helper()
	if err := os.Link(target, name); err != nil {
		t.Fatal(err)
	}
	return name
}

// newFile creates an empty file in a temporary directory.
func newFile(t *testing.T) string {
	t.Helper()
	p := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(p, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func mkdir(t *testing.T, dir string) string {
	t.Helper()
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestOpenCreatesOnlyItsDirectory: Open creates the database's directory,
// not its parent, so that a workspace removed meanwhile stays removed.
func TestOpenCreatesOnlyItsDirectory(t *testing.T) {
	gone := filepath.Join(t.TempDir(), "gone")
	if s, err := Open(databaseIn(gone), Options{}); !errors.Is(err, fs.ErrNotExist) {
		if err == nil {
			s.Close()
		}
		t.Fatalf("Open under a missing directory: %v, want ErrNotExist", err)
	}
	if _, err := os.Lstat(gone); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the missing directory was created: %v", err)
	}
}

// TestFileModes: with a umask of 0, the database's directory is 0700 and
// the database and its WAL and shared-memory files 0600, and Open tightens
// a database that was 0644 and a directory that was 0777.
func TestFileModes(t *testing.T) {
	defer syscall.Umask(syscall.Umask(0))
	path := databaseIn(t.TempDir())
	s, err := Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	storeTexts(t, s, "a memory")
	wantMode(t, filepath.Dir(path), fs.ModeDir|0o700)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		wantMode(t, p, 0o600)
	}
	s.Close()
	if err := os.Chmod(path, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(path), 0o777); err != nil {
		t.Fatal(err)
	}
	s, err = Open(path, Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	wantMode(t, filepath.Dir(path), fs.ModeDir|0o700)
	for _, p := range []string{path, path + "-wal", path + "-shm"} {
		wantMode(t, p, 0o600)
	}
}

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != want {
		t.Errorf("%s: mode %v, want %v", path, fi.Mode(), want)
	}
}

// TestOpenEmptyPath: Open("") fails with ErrInvalid and creates nothing
// in the current directory.
func TestOpenEmptyPath(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	s, err := Open("", Options{})
	if err == nil {
		s.Close()
	}
	if want := "invalid memory input: empty path"; !errors.Is(err, ErrInvalid) || err.Error() != want {
		t.Errorf("Open(\"\"): %v, want %s", err, want)
	}
	if entries, err := os.ReadDir(dir); err != nil || len(entries) > 0 {
		t.Errorf("current directory: %v, %v; want it empty", entries, err)
	}
}

// TestOpenLeavesNonDatabaseAlone: Open refuses a text file and a malformed
// database with ErrDamaged, and a file of /proc with ErrUnsafePath, and
// changes neither their mode nor their content.
func TestOpenLeavesNonDatabaseAlone(t *testing.T) {
	db, err := os.ReadFile(newDatabase(t, t.TempDir(), "w", "hello"))
	if err != nil {
		t.Fatal(err)
	}
	for name, data := range map[string][]byte{"text": []byte("some notes\n"), "malformed": db[:5000]} {
		path := filepath.Join(t.TempDir(), "memory.db")
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, 0o644); err != nil {
			t.Fatal(err)
		}
		if s, err := Open(path, Options{}); !errors.Is(err, ErrDamaged) {
			if err == nil {
				s.Close()
			}
			t.Errorf("%s: Open = %v, want ErrDamaged", name, err)
		}
		wantMode(t, path, 0o644)
		if got, err := os.ReadFile(path); err != nil || string(got) != string(data) {
			t.Errorf("%s: content changed (%v)", name, err)
		}
	}
	// A file of /proc (which stat calls empty) is refused before it is
	// read: /proc/self is a link, and dbfile.Create would find no
	// database header there anyway.
	const proc = "/proc/self/status"
	if s, err := Open(proc, Options{}); !errors.Is(err, ErrUnsafePath) || err.Error() != "unsafe memory path: /proc/self is a symbolic link" {
		if err == nil {
			s.Close()
		}
		t.Errorf("Open(%s) = %v, want ErrUnsafePath", proc, err)
	}
}
