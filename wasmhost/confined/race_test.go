//go:build linux

package confined

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// raceDuration bounds each swap race; raceTimeout is how long the race may
// take in all before a blocked open is reported.
const (
	raceDuration = 500 * time.Millisecond
	raceTimeout  = 10 * time.Second
)

// TestSwapRace swaps an entry for a hostile one (a symlink to the outside,
// a hard link to the secret, a FIFO) in a tight loop while readers open and
// read through it. No read may return the secret and no open may block. The
// test also requires reads that succeeded while the real entry was in place
// and opens that were refused, so that the race was really run.
func TestSwapRace(t *testing.T) {
	symlinkTo := func(target func(layout) string) func(*testing.T, layout, string) {
		return func(t *testing.T, l layout, at string) { must(t, os.Symlink(target(l), at)) }
	}
	tests := []struct {
		name string
		// real is the entry to swap, under root, holding "inside": a
		// directory with secret.txt when dir, else the file itself.
		real string
		dir  bool
		// evil creates the hostile entry at the given host path.
		evil func(t *testing.T, l layout, at string)
		// read is the path readers open.
		read string
	}{
		{"directory for absolute symlink", "d", true, symlinkTo(func(l layout) string { return l.outside }), "d/secret.txt"},
		{"directory for relative symlink", "d", true, symlinkTo(func(layout) string { return "../outside" }), "d/secret.txt"},
		{"nested directory for relative symlink", "a/d", true, symlinkTo(func(layout) string { return "../../outside" }), "a/d/secret.txt"},
		{"file for relative symlink", "f.txt", false, symlinkTo(func(layout) string { return "../outside/secret.txt" }), "f.txt"},
		{"file for hard link", "f.txt", false, func(t *testing.T, l layout, at string) { must(t, os.Link(l.secretPath, at)) }, "f.txt"},
		{"file for fifo", "f.txt", false, func(t *testing.T, _ layout, at string) { must(t, syscall.Mkfifo(at, 0o666)) }, "f.txt"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := newLayout(t)
			fsys := l.open(t)
			real := filepath.Join(l.root, tt.real)
			content := real
			if tt.dir {
				content = filepath.Join(real, "secret.txt")
			}
			must(t, os.MkdirAll(filepath.Dir(content), 0o755))
			must(t, os.WriteFile(content, []byte("inside"), 0o644))
			parked, evil := real+".parked", real+".evil"
			tt.evil(t, l, evil)

			var swaps, inside, refused atomic.Int64
			var leaked atomic.Value
			var wg sync.WaitGroup
			deadline := time.Now().Add(raceDuration)
			wg.Go(func() {
				// real -> parked, evil -> real, (readers race), real -> evil, parked -> real.
				for time.Now().Before(deadline) {
					for _, mv := range [][2]string{{real, parked}, {evil, real}, {real, evil}, {parked, real}} {
						if err := os.Rename(mv[0], mv[1]); err != nil {
							t.Errorf("swap: %v", err)
							return
						}
					}
					swaps.Add(1)
				}
			})
			for range 2 {
				wg.Go(func() {
					buf := make([]byte, 64)
					for time.Now().Before(deadline) {
						f, errno := fsys.OpenFile(tt.read, experimentalsys.O_RDONLY, 0)
						if errno != 0 {
							refused.Add(1)
							continue
						}
						n, _ := f.Read(buf)
						f.Close()
						got := string(buf[:n])
						if strings.Contains(got, secret) {
							leaked.Store(got)
						}
						if got == "inside" {
							inside.Add(1)
						}
					}
				})
			}
			done := make(chan struct{})
			go func() { wg.Wait(); close(done) }()
			select {
			case <-done:
			case <-time.After(raceTimeout):
				t.Fatal("an open blocked during the race")
			}
			if v := leaked.Load(); v != nil {
				t.Fatalf("a read returned the secret: %q", v)
			}
			if inside.Load() == 0 || refused.Load() == 0 || swaps.Load() == 0 {
				t.Fatalf("race not exercised: %d inside reads, %d refused, %d swaps", inside.Load(), refused.Load(), swaps.Load())
			}
			t.Logf("%d swaps, %d inside reads, %d refused", swaps.Load(), inside.Load(), refused.Load())
			l.assertSecretIntact(t)
		})
	}
}
