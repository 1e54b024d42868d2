//go:build linux

package confined

import (
	"io"
	"testing"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// TestClosedFSEveryPath checks that after Close every operation fails with EBADF,
// for names in the root (served by the root's own O_PATH descriptor) and
// below it (resolved through os.Root), and that a file opened before Close
// still works.
func TestClosedFSEveryPath(t *testing.T) {
	fsys, _ := newRoot(t)
	open, errno := fsys.OpenFile("hello.txt", experimentalsys.O_RDONLY, 0)
	mustErrno(t, "open before Close", errno)
	defer open.Close()
	if err := fsys.(io.Closer).Close(); err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"hello.txt", "sub/inner.txt", "new.txt", "sub/new.txt"} {
		if _, errno := fsys.OpenFile(name, experimentalsys.O_RDONLY, 0); errno != experimentalsys.EBADF {
			t.Errorf("OpenFile(%q) after Close = %v, want EBADF", name, errno)
		}
		if _, errno := fsys.OpenFile(name, experimentalsys.O_WRONLY|experimentalsys.O_CREAT, 0o644); errno != experimentalsys.EBADF {
			t.Errorf("OpenFile(%q, O_CREAT) after Close = %v, want EBADF", name, errno)
		}
		if _, errno := fsys.Stat(name); errno != experimentalsys.EBADF {
			t.Errorf("Stat(%q) after Close = %v, want EBADF", name, errno)
		}
		if errno := fsys.Unlink(name); errno != experimentalsys.EBADF {
			t.Errorf("Unlink(%q) after Close = %v, want EBADF", name, errno)
		}
	}
	if errno := fsys.Rename("hello.txt", "moved.txt"); errno != experimentalsys.EBADF {
		t.Errorf("Rename after Close = %v, want EBADF", errno)
	}
	if got := string(readAll(t, open, 16)); got != "hello" {
		t.Fatalf("read of a file opened before Close = %q", got)
	}
}
