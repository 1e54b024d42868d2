package sharedfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
)

// openFDs returns how many descriptors the process has open.
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries) - 1 // the one ReadDir read them through
}

// counted returns a Table whose setup counts its calls in n.
func counted(n *atomic.Int32) *Table[int32] {
	return New(os.O_RDONLY|os.O_CREATE, 0o600, func(*os.File) (int32, error) { return n.Add(1), nil })
}

func mustOpen[T any](t *testing.T, tab *Table[T], path string) *Handle[T] {
	t.Helper()
	h, err := tab.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	return h
}

// TestOpenShares: every path naming one file (the path itself, a
// relative path, a symbolic and a hard link) gets the same open file and
// state, costing one descriptor, closed with the last release; the next
// Open opens the file again.
func TestOpenShares(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "x.lock")
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(path, filepath.Join(dir, "sym")); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(path, filepath.Join(dir, "hard")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
	var setups atomic.Int32
	tab := counted(&setups)
	before := openFDs(t)
	first := mustOpen(t, tab, path)
	holds := []*Handle[int32]{first}
	for _, p := range []string{path, "x.lock", "sym", "hard", filepath.Join(dir, "sub", "..", "x.lock")} {
		h := mustOpen(t, tab, p)
		if h.File() != first.File() || h.State() != 1 {
			t.Fatalf("%s: another open file (state %d)", p, h.State())
		}
		holds = append(holds, h)
	}
	if got := openFDs(t); got != before+1 || setups.Load() != 1 {
		t.Fatalf("%d holders: %d descriptors more, %d setups; want 1 and 1", len(holds), got-before, setups.Load())
	}
	for i, h := range holds {
		if err := h.Release(); err != nil {
			t.Fatal(err)
		}
		want := before + 1
		if i == len(holds)-1 {
			want = before
		}
		if got := openFDs(t); got != want {
			t.Fatalf("after %d releases of %d: %d descriptors more, want %d", i+1, len(holds), got-before, want-before)
		}
	}
	again := mustOpen(t, tab, path)
	defer again.Release()
	if again.State() != 2 {
		t.Fatalf("Open after the last release: state %d, want a new setup (2)", again.State())
	}
}

// TestReplacedFile: a file replaced at its path is another file, with its
// own open file and state.
func TestReplacedFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	var setups atomic.Int32
	tab := counted(&setups)
	old := mustOpen(t, tab, path)
	defer old.Release()
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	cur := mustOpen(t, tab, path)
	defer cur.Release()
	if cur.File() == old.File() || cur.State() != 2 {
		t.Fatalf("the replaced file shares the old open file (state %d)", cur.State())
	}
	oldInfo, _ := old.File().Stat()
	curInfo, _ := os.Stat(path)
	if os.SameFile(oldInfo, curInfo) {
		t.Fatal("the old hold names the new file")
	}
}

// TestSetupError: a setup that fails makes Open fail, naming the path,
// and leaves no descriptor open; the next Open calls setup again.
func TestSetupError(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	refuse := errors.New("refused")
	var calls atomic.Int32
	tab := New(os.O_RDONLY|os.O_CREATE, 0o600, func(*os.File) (bool, error) {
		if calls.Add(1) == 1 {
			return false, refuse
		}
		return true, nil
	})
	before := openFDs(t)
	if _, err := tab.Open(path); !errors.Is(err, refuse) || !strings.Contains(err.Error(), path) {
		t.Fatalf("Open with a failing setup: %v, want %v naming %s", err, refuse, path)
	}
	if got := openFDs(t); got != before {
		t.Fatalf("a failed Open left %d descriptors open", got-before)
	}
	h := mustOpen(t, tab, path)
	defer h.Release()
	if !h.State() || calls.Load() != 2 {
		t.Fatalf("Open after a failed setup: state %v after %d setups", h.State(), calls.Load())
	}
}

// TestOpenErrors: a missing directory, or a missing file without
// O_CREATE, fails with the error of open(2).
func TestOpenErrors(t *testing.T) {
	dir := t.TempDir()
	var n atomic.Int32
	if _, err := counted(&n).Open(filepath.Join(dir, "missing", "x.lock")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open in a missing directory: %v, want ErrNotExist", err)
	}
	noCreate := New(os.O_RDONLY, 0, func(*os.File) (struct{}, error) { return struct{}{}, nil })
	if _, err := noCreate.Open(filepath.Join(dir, "x.lock")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("Open of a missing file without O_CREATE: %v, want ErrNotExist", err)
	}
	if n.Load() != 0 {
		t.Fatal("setup called for a file that did not open")
	}
}

// TestReleaseTwice: a second Release of one hold does nothing; the file
// stays open for the other holder.
func TestReleaseTwice(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	var n atomic.Int32
	tab := counted(&n)
	a, b := mustOpen(t, tab, path), mustOpen(t, tab, path)
	for range 2 {
		if err := a.Release(); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := b.File().Stat(); err != nil {
		t.Fatalf("the other holder's file after a double release: %v", err)
	}
	if err := b.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := b.File().Stat(); !errors.Is(err, os.ErrClosed) {
		t.Fatalf("the file after the last release: %v, want closed", err)
	}
}

// TestCloseOnExec: the shared file is not inherited by child processes
// (O_CLOEXEC, proc_pid_fdinfo(5)).
func TestCloseOnExec(t *testing.T) {
	var n atomic.Int32
	h := mustOpen(t, counted(&n), filepath.Join(t.TempDir(), "x.lock"))
	defer h.Release()
	info, err := os.ReadFile(fmt.Sprintf("/proc/self/fdinfo/%d", h.File().Fd()))
	if err != nil {
		t.Fatal(err)
	}
	for line := range strings.Lines(string(info)) {
		if v, ok := strings.CutPrefix(line, "flags:"); ok {
			flags, err := strconv.ParseUint(strings.TrimSpace(v), 8, 64)
			if err != nil || flags&0o2000000 == 0 {
				t.Fatalf("flags %q: no O_CLOEXEC (%v)", v, err)
			}
			return
		}
	}
	t.Fatalf("no flags line in %q", info)
}

// TestConcurrentUsers: users opening and releasing two files at once
// never see a closed file and leave nothing open.
func TestConcurrentUsers(t *testing.T) {
	dir := t.TempDir()
	var n atomic.Int32
	tab := counted(&n)
	before := openFDs(t)
	var wg sync.WaitGroup
	for i := range 16 {
		wg.Go(func() {
			path := filepath.Join(dir, fmt.Sprintf("%d.lock", i%2))
			for range 200 {
				h, err := tab.Open(path)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := h.File().Stat(); err != nil {
					t.Errorf("a held file: %v", err)
				}
				if err := h.Release(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if got := openFDs(t); got != before {
		t.Fatalf("%d descriptors left open", got-before)
	}
	if len(tab.files) != 0 {
		t.Fatalf("%d files left in the table", len(tab.files))
	}
}
