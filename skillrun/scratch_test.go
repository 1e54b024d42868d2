package skillrun

import (
	"os"
	"path/filepath"
	"testing"
)

func TestScratchDirs(t *testing.T) {
	s := &scratchDirs{base: t.TempDir()}
	a, err := s.get()
	if err != nil {
		t.Fatal(err)
	}
	s.put(a) // empty: pooled
	if b, _ := s.get(); b != a {
		t.Errorf("an empty scratch directory was not reused: %s, then %s", a, b)
	}
	if err := os.WriteFile(filepath.Join(a, "left"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	s.put(a) // not empty: removed
	if _, err := os.Lstat(a); !os.IsNotExist(err) {
		t.Errorf("a scratch directory with a file was kept: %v", err)
	}
	c, _ := s.get()
	if c == a {
		t.Error("a removed directory was handed out again")
	}
	os.Chmod(c, 0o777)
	s.put(c) // mode changed: removed
	if _, err := os.Lstat(c); !os.IsNotExist(err) {
		t.Errorf("a scratch directory with a changed mode was kept: %v", err)
	}

	e1, err := s.emptyDir()
	if err != nil {
		t.Fatal(err)
	}
	if e2, _ := s.emptyDir(); e2 != e1 {
		t.Errorf("empty directory made twice: %s, %s", e1, e2)
	}
	if fi, err := os.Stat(e1); err != nil || fi.Mode().Perm() != 0o555 {
		t.Errorf("empty directory: %v, %v", fi, err)
	}
	os.Remove(e1)
	e3, err := s.emptyDir()
	if err != nil || e3 == e1 {
		t.Errorf("removed empty directory not made again: %s, %v", e3, err)
	}
	d, _ := s.get()
	s.put(d)
	s.close()
	if entries, _ := os.ReadDir(s.base); len(entries) != 0 {
		t.Errorf("close left %d entries", len(entries))
	}
}

// TestWASMTmpIsPrivate checks that what one call leaves in /tmp is gone
// for the next.
func TestWASMTmpIsPrivate(t *testing.T) {
	f := newFixture(t)
	s := f.addProbe(t, "probe-tmp", "")
	if got := f.ok(t, Request{Skill: s, Params: []byte(`{"mode":"write","path":"/tmp/f"}`)}); got != "err=<nil>\n" {
		t.Fatalf("write /tmp/f: %q", got)
	}
	for range 3 {
		if got := f.ok(t, Request{Skill: s, Params: []byte(`{"mode":"read","path":"/tmp/f"}`)}); got == "written|err=<nil>\n" {
			t.Fatalf("a later call read the earlier call's /tmp: %q", got)
		}
	}
}
