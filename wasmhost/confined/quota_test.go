//go:build linux

package confined

import (
	"bytes"
	"io"
	"os"
	"path/filepath"
	"testing"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

func TestQuota(t *testing.T) {
	inner, dir := newRoot(t)
	fsys := Quota(inner, 100)
	open := func(name string, flag experimentalsys.Oflag) experimentalsys.File {
		t.Helper()
		f, errno := fsys.OpenFile(name, flag, 0o644)
		mustErrno(t, "open "+name, errno)
		return f
	}
	rw := experimentalsys.O_RDWR | experimentalsys.O_CREAT

	a := open("a", rw)
	if n, errno := a.Write(bytes.Repeat([]byte("a"), 60)); errno != 0 || n != 60 {
		t.Fatalf("write 60: %d, %v", n, errno)
	}
	// Overwriting in place adds nothing.
	if _, errno := a.Pwrite(bytes.Repeat([]byte("b"), 60), 0); errno != 0 {
		t.Fatalf("overwrite: %v", errno)
	}
	b := open("b", rw)
	if _, errno := b.Write(bytes.Repeat([]byte("c"), 41)); errno != experimentalsys.EIO {
		t.Fatalf("write past the quota: errno %v, want EIO", errno)
	}
	if _, errno := b.Write(bytes.Repeat([]byte("c"), 40)); errno != 0 {
		t.Fatalf("write up to the quota: %v", errno)
	}
	if _, errno := b.Pwrite([]byte("x"), 1000); errno != experimentalsys.EIO {
		t.Fatalf("sparse write far past the end: errno %v, want EIO", errno)
	}
	if errno := b.Truncate(41); errno != experimentalsys.EIO {
		t.Fatalf("extending truncate: errno %v, want EIO", errno)
	}
	// Shrinking gives bytes back.
	mustErrno(t, "truncate", a.Truncate(10))
	if _, errno := b.Write(bytes.Repeat([]byte("d"), 50)); errno != 0 {
		t.Fatalf("write after a shrink: %v", errno)
	}
	a.Close()
	b.Close()
	// Unlink gives a file's bytes back; O_TRUNC too.
	mustErrno(t, "unlink", fsys.Unlink("b"))
	c := open("c", rw|experimentalsys.O_APPEND)
	if _, errno := c.Write(bytes.Repeat([]byte("e"), 90)); errno != 0 {
		t.Fatalf("append after unlink: %v", errno)
	}
	c.Close()
	c = open("c", experimentalsys.O_WRONLY|experimentalsys.O_TRUNC)
	if _, errno := c.Write(bytes.Repeat([]byte("f"), 90)); errno != 0 {
		t.Fatalf("write after O_TRUNC: %v", errno)
	}
	c.Close()
	// Renaming over a file gives the replaced file's bytes back.
	mustErrno(t, "rename", fsys.Rename("a", "c"))
	d := open("d", rw)
	if _, errno := d.Write(bytes.Repeat([]byte("g"), 90)); errno != 0 {
		t.Fatalf("write after rename over a file: %v", errno)
	}
	d.Close()

	var total int64
	for _, name := range []string{"c", "d", "hello.txt"} {
		fi, err := os.Stat(filepath.Join(dir, name))
		must(t, err)
		total += fi.Size()
	}
	if total != 10+90+5 {
		t.Errorf("host holds %d bytes, want 105", total)
	}
	if err := fsys.(io.Closer).Close(); err != nil {
		t.Fatal(err)
	}
}
