//go:build linux

package confined

import (
	"bytes"
	"crypto/sha256"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

func TestLargeFileInChunks(t *testing.T) {
	const size = 50 << 20
	const chunk = 1 << 20
	dir := t.TempDir()
	data := make([]byte, size)
	rng := rand.NewChaCha8([32]byte{1})
	_, _ = rng.Read(data)
	want := sha256.Sum256(data)
	must(t, os.WriteFile(filepath.Join(dir, "big.bin"), data, 0o644))
	fsys, err := New(dir)
	must(t, err)

	f, errno := fsys.OpenFile("big.bin", experimentalsys.O_RDONLY, 0)
	mustErrno(t, "open", errno)
	defer f.Close()
	h := sha256.New()
	buf := make([]byte, chunk)
	total := 0
	for {
		n, errno := f.Read(buf)
		mustErrno(t, "read", errno)
		if n == 0 {
			break
		}
		total += n
		h.Write(buf[:n])
	}
	if total != size || !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatalf("sequential read: %d bytes, hash mismatch %v", total, !bytes.Equal(h.Sum(nil), want[:]))
	}

	// Pread the chunks back to front.
	h.Reset()
	parts := make([][]byte, size/chunk)
	for i := len(parts) - 1; i >= 0; i-- {
		p := make([]byte, chunk)
		n, errno := f.Pread(p, int64(i*chunk))
		mustErrno(t, "pread", errno)
		if n != chunk {
			t.Fatalf("pread chunk %d: %d bytes", i, n)
		}
		parts[i] = p
	}
	for _, p := range parts {
		h.Write(p)
	}
	if !bytes.Equal(h.Sum(nil), want[:]) {
		t.Fatal("pread chunks: hash mismatch")
	}
}
