package quota

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

// writeTree writes files files of size bytes under dir, fsyncs each, and
// removes them.
func writeTree(b *testing.B, dir string, files, size int) {
	data := make([]byte, size)
	for i := range files {
		p := filepath.Join(dir, fmt.Sprintf("f%04d", i))
		f, err := os.Create(p)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := f.Write(data); err != nil {
			b.Fatal(err)
		}
		if err := f.Sync(); err != nil {
			b.Fatal(err)
		}
		f.Close()
	}
	for i := range files {
		if err := os.Remove(filepath.Join(dir, fmt.Sprintf("f%04d", i))); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkWriteTree writes and removes 256 files of 64 KiB, each
// fsynced, in a plain directory of the host's filesystem and in a volume
// on it: the cost of the loop device, ext4 on ext4, and discard.
func BenchmarkWriteTree(b *testing.B) {
	const files, size = 256, 64 << 10
	for _, where := range []string{"plain", "volume"} {
		b.Run(where, func(b *testing.B) {
			dir := b.TempDir()
			if where == "volume" {
				v := Volume{Image: filepath.Join(dir, "disk.img"), Dir: filepath.Join(dir, "disk")}
				if err := v.Create(context.Background(), 256<<20); err != nil {
					b.Fatal(err)
				}
				b.Cleanup(func() { v.Remove() })
				dir = v.Dir
			}
			b.SetBytes(files * size)
			b.ResetTimer()
			for range b.N {
				writeTree(b, dir, files, size)
			}
		})
	}
}

// BenchmarkCreate measures making, mounting and removing a 10 GiB volume.
func BenchmarkCreate(b *testing.B) {
	dir := b.TempDir()
	v := Volume{Image: filepath.Join(dir, "disk.img"), Dir: filepath.Join(dir, "disk")}
	for range b.N {
		if err := v.Create(context.Background(), 10<<30); err != nil {
			b.Fatal(err)
		}
		if err := v.Remove(); err != nil {
			b.Fatal(err)
		}
	}
}
