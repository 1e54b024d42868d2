//go:build linux

package confined

import (
	"os"
	"path/filepath"
	"testing"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// BenchmarkOpenReadClose4K measures one OpenFile (with its stat before and
// fstat after), one 4 KiB Read and one Close through the sys.FS interface,
// for a file two directories down and for one in the root, which takes the
// shortcut of the root's own O_PATH descriptor.
func BenchmarkOpenReadClose4K(b *testing.B) {
	for _, name := range []string{"a/b/file.bin", "file.bin"} {
		b.Run(name, func(b *testing.B) {
			dir := b.TempDir()
			must(b, os.MkdirAll(filepath.Join(dir, filepath.Dir(name)), 0o755))
			must(b, os.WriteFile(filepath.Join(dir, name), make([]byte, 4096), 0o644))
			fsys, err := New(dir)
			must(b, err)
			buf := make([]byte, 4096)
			b.SetBytes(4096)
			for b.Loop() {
				f, errno := fsys.OpenFile(name, experimentalsys.O_RDONLY, 0)
				if errno != 0 {
					b.Fatal(errno)
				}
				if n, errno := f.Read(buf); errno != 0 || n != 4096 {
					b.Fatalf("read %d, %v", n, errno)
				}
				f.Close()
			}
		})
	}
}
