//go:build linux

package confined

import (
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// TestReadOnly checks that ReadOnly serves reads and refuses every change,
// and that the host directory is untouched afterwards.
func TestReadOnly(t *testing.T) {
	inner, dir := newRoot(t)
	old := time.Unix(1_000_000, 0)
	must(t, os.Chtimes(filepath.Join(dir, "hello.txt"), old, old))
	fsys := ReadOnly(inner)

	if got := string(readFile(t, fsys, "hello.txt")); got != "hello" {
		t.Fatalf("read hello.txt = %q", got)
	}
	if got := string(readFile(t, fsys, "sub/inner.txt")); got != "inner" {
		t.Fatalf("read sub/inner.txt = %q", got)
	}
	if st, errno := fsys.Stat("sub"); errno != 0 || !st.Mode.IsDir() {
		t.Fatalf("Stat(sub) = %+v, %v", st, errno)
	}
	d, errno := fsys.OpenFile("sub", experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY, 0)
	mustErrno(t, "open sub", errno)
	ents, errno := d.Readdir(-1)
	mustErrno(t, "readdir", errno)
	if len(ents) != 1 || ents[0].Name != "inner.txt" {
		t.Fatalf("Readdir = %+v", ents)
	}
	d.Close()

	opens := map[string]experimentalsys.Oflag{
		"write only":   experimentalsys.O_WRONLY,
		"read write":   experimentalsys.O_RDWR,
		"create":       experimentalsys.O_RDONLY | experimentalsys.O_CREAT,
		"create excl":  experimentalsys.O_WRONLY | experimentalsys.O_CREAT | experimentalsys.O_EXCL,
		"truncate":     experimentalsys.O_RDONLY | experimentalsys.O_TRUNC,
		"append":       experimentalsys.O_APPEND,
		"write append": experimentalsys.O_WRONLY | experimentalsys.O_APPEND,
	}
	for name, flag := range opens {
		for _, file := range []string{"hello.txt", "new.txt"} {
			if f, errno := fsys.OpenFile(file, flag, 0o644); errno != experimentalsys.EROFS {
				if f != nil {
					f.Close()
				}
				t.Errorf("OpenFile(%s, %s) errno = %v, want EROFS", file, name, errno)
			}
		}
	}
	calls := map[string]experimentalsys.Errno{
		"Mkdir":   fsys.Mkdir("made", 0o755),
		"Chmod":   fsys.Chmod("hello.txt", 0o777),
		"Rename":  fsys.Rename("hello.txt", "moved.txt"),
		"Rmdir":   fsys.Rmdir("sub"),
		"Unlink":  fsys.Unlink("hello.txt"),
		"Link":    fsys.Link("hello.txt", "hard.txt"),
		"Symlink": fsys.Symlink("hello.txt", "soft.txt"),
		"Utimens": fsys.Utimens("hello.txt", 0, 0),
	}
	for name, errno := range calls {
		if errno != experimentalsys.EROFS {
			t.Errorf("%s errno = %v, want EROFS", name, errno)
		}
	}

	f, errno := fsys.OpenFile("hello.txt", experimentalsys.O_RDONLY, 0)
	mustErrno(t, "open hello.txt", errno)
	defer f.Close()
	if _, errno := f.Write([]byte("x")); errno != experimentalsys.EBADF {
		t.Errorf("Write errno = %v, want EBADF", errno)
	}
	if _, errno := f.Pwrite([]byte("x"), 0); errno != experimentalsys.EBADF {
		t.Errorf("Pwrite errno = %v, want EBADF", errno)
	}
	if errno := f.Truncate(0); errno != experimentalsys.EBADF {
		t.Errorf("Truncate errno = %v, want EBADF", errno)
	}
	if errno := f.Utimens(0, 0); errno != experimentalsys.EROFS {
		t.Errorf("file Utimens errno = %v, want EROFS", errno)
	}

	entries, err := os.ReadDir(dir)
	must(t, err)
	if len(entries) != 2 {
		t.Errorf("host directory holds %d entries, want hello.txt and sub", len(entries))
	}
	fi, err := os.Stat(filepath.Join(dir, "hello.txt"))
	must(t, err)
	if !fi.ModTime().Equal(old) || fi.Mode().Perm() != 0o644 || fi.Size() != 5 {
		t.Errorf("hello.txt changed on the host: %v %v %d", fi.ModTime(), fi.Mode(), fi.Size())
	}
	if err := fsys.(io.Closer).Close(); err != nil {
		t.Fatalf("Close = %v", err)
	}
	if _, errno := inner.Stat("hello.txt"); errno != experimentalsys.EBADF {
		t.Errorf("inner file system still open after Close: errno %v", errno)
	}
}
