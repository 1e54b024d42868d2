package sessions

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestOpen: Open makes the sessions directory 0700, tightens a looser
// one, and never creates a missing workspace directory (one deleted
// meanwhile must stay deleted).
func TestOpen(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "ws")
	if _, err := Open(ws); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open of a missing workspace: %v, want ErrNotExist", err)
	}
	if _, err := os.Stat(ws); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open created the missing workspace: %v", err)
	}
	if err := os.Mkdir(ws, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ws); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(ws, "sessions"))
	if err != nil || !fi.IsDir() || fi.Mode().Perm() != 0o700 {
		t.Fatalf("sessions dir: %v, %v; want a directory with mode 0700", fi, err)
	}
	// A pre-existing, looser directory is tightened.
	if err := os.Chmod(filepath.Join(ws, "sessions"), 0o755); err != nil {
		t.Fatal(err)
	}
	if _, err := Open(ws); err != nil {
		t.Fatal(err)
	}
	if fi, _ := os.Stat(filepath.Join(ws, "sessions")); fi.Mode().Perm() != 0o700 {
		t.Fatalf("sessions dir mode %v after reopen, want 0700", fi.Mode().Perm())
	}
	if _, err := Open(""); err == nil {
		t.Fatal("Open(\"\") succeeded")
	}
}

func TestLimitsDefaults(t *testing.T) {
	want := Limits{MaxLineBytes: 16 << 20, MaxMessageBytes: 8 << 20, LockTimeout: 30 * time.Second}
	if got := DefaultLimits(); got != want {
		t.Fatalf("DefaultLimits() = %+v, want %+v", got, want)
	}
	s := newStore(t)
	if s.limits != want {
		t.Fatalf("Open uses %+v", s.limits)
	}
	partial := s.WithLimits(Limits{MaxMessageBytes: 10, LockTimeout: -1})
	if partial.limits != (Limits{MaxLineBytes: 16 << 20, MaxMessageBytes: 10, LockTimeout: 30 * time.Second}) {
		t.Fatalf("WithLimits kept %+v", partial.limits)
	}
	if s.limits != want {
		t.Fatal("WithLimits changed the original Store")
	}
}

func TestFilePermissions(t *testing.T) {
	s := newStore(t)
	mustAppend(t, s, "s1", "m", user("x"))
	mustLock(t, s, "s1")()
	if _, err := s.List(); err != nil {
		t.Fatal(err)
	}
	var files int
	err := filepath.WalkDir(s.dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, err := d.Info()
		if err != nil {
			return err
		}
		want := fs.FileMode(0o600)
		if d.IsDir() {
			if path == s.dir {
				return nil // t.TempDir's own mode
			}
			want = 0o700
		} else {
			files++
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s has mode %v, want %v", path, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// transcript, session lock, index, index lock
	if files != 4 {
		t.Fatalf("walked %d files, want 4", files)
	}
}

func TestInvalidIDsRejected(t *testing.T) {
	s := newStore(t)
	calls := map[string]func(id string) error{
		"Append": func(id string) error { return s.Append(id, "m", user("x")) },
		"Load":   func(id string) error { _, _, err := s.Load(id); return err },
		"Lock":   func(id string) error { _, err := s.Lock(context.Background(), id); return err },
		"Get":    func(id string) error { _, err := s.Get(id); return err },
		"Delete": func(id string) error { return s.Delete(id) },
	}
	for _, id := range []string{"", ".", "..", "../x", "a/b", "/abs", "x/../../y", ".hidden", "a\x00b", strings.Repeat("a", 129)} {
		for name, call := range calls {
			err := call(id)
			if err == nil || !strings.Contains(err.Error(), "invalid session id") {
				t.Errorf("%s(%q) = %v, want an invalid id error", name, id, err)
			}
		}
	}
	// Nothing was created anywhere.
	parent := filepath.Dir(s.dir)
	entries, _ := os.ReadDir(parent)
	if len(entries) != 1 {
		t.Fatalf("files created beside the workspace: %v", entries)
	}
	entries, _ = os.ReadDir(s.sessionsDir())
	if len(entries) != 0 {
		t.Fatalf("files created in sessions/: %v", entries)
	}
	if _, err := os.Stat(s.indexPath()); err == nil {
		t.Fatal("index created by invalid calls")
	}
}
