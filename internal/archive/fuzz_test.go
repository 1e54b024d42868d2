package archive

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReader: no input makes a Reader panic, and an input it accepts
// whole leaves exactly the listed entries in the destination, links in
// their roots.
func FuzzReader(f *testing.F) {
	f.Add(sample(f))
	f.Add(build(f, func() (raw, Entry) { return dir("w") }, func() (raw, Entry) { return file("w/a", []byte("a")) }))
	f.Fuzz(func(t *testing.T, data []byte) {
		opts := ReaderOptions{LinkRoots: roots, Limits: Limits{MaxEntries: 64, MaxBytes: 1 << 20}}
		dst, err := readAll(t, data, opts)
		if err != nil {
			if !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrUnsafe) && !errors.Is(err, ErrLimit) {
				t.Fatalf("an error of no class: %v", err)
			}
			return
		}
		filepath.WalkDir(dst, func(p string, d os.DirEntry, err error) error {
			rel, _ := filepath.Rel(dst, p)
			if d.Type()&os.ModeSymlink != 0 {
				target, _ := os.Readlink(p)
				if CheckLink(roots, filepath.ToSlash(rel), target) != nil || strings.HasPrefix(target, "/") {
					t.Errorf("link %s → %s accepted", rel, target)
				}
			}
			return nil
		})
	})
}
