package quota_test

import (
	"context"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/nsjail"
	"github.com/bulkhead-dev/bulkhead/quota"
)

// BenchmarkColdGoTest runs `go test ./...` of nsjail's testdata module in a
// jail with an empty build cache in the home, which writes the compiled
// standard library (about 60 MB in some 1,500 files), with the workspace
// and home on the host's filesystem and on a quota volume: the cost of
// the quota mechanism on a write-heavy build. Use -benchtime 1x; each
// iteration takes tens of seconds.
func BenchmarkColdGoTest(b *testing.B) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		b.Fatal(err)
	}
	goroot := strings.TrimSpace(string(out))
	for _, where := range []string{"plain", "volume"} {
		b.Run(where, func(b *testing.B) {
			var total time.Duration
			for range b.N {
				b.StopTimer()
				base := b.TempDir()
				if where == "volume" {
					v := quota.Volume{Image: filepath.Join(base, "disk.img"), Dir: filepath.Join(base, "disk")}
					if err := v.Create(context.Background(), 2<<30); err != nil {
						b.Fatal(err)
					}
					b.Cleanup(func() { nsjail.ReleaseIdle(); v.Remove() })
					base = v.Dir
				}
				cfg := nsjail.Config{
					Workspace: filepath.Join(base, "files"), Home: filepath.Join(base, "home"),
					Binds:  []nsjail.Bind{{Source: goroot, Target: goroot, ReadOnly: true}},
					Env:    map[string]string{"GOTOOLCHAIN": "local", "GOPROXY": "off"},
					Memory: 2 << 30, CPU: 2, Pids: 512, Timeout: 10 * time.Minute,
				}
				for _, d := range []string{cfg.Workspace, cfg.Home} {
					if err := os.Mkdir(d, 0o755); err != nil {
						b.Fatal(err)
					}
				}
				copyDir(b, "../nsjail/testdata/gomod", cfg.Workspace)
				b.StartTimer()
				start := time.Now()
				res, err := nsjail.Bash(context.Background(), cfg, "export PATH="+goroot+"/bin:$PATH; go test -count=1 ./...")
				total += time.Since(start)
				if err != nil || res.ExitCode != 0 {
					b.Fatalf("%v: %s%s", err, res.Stdout, res.Stderr)
				}
			}
			b.ReportMetric(total.Seconds()/float64(b.N), "s/build")
		})
	}
}

// copyDir copies the directory src into dst.
func copyDir(b *testing.B, src, dst string) {
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		if d.IsDir() {
			return os.MkdirAll(filepath.Join(dst, rel), 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(filepath.Join(dst, rel), data, 0o644)
	})
	if err != nil {
		b.Fatal(err)
	}
}
