//go:build linux

package confined

import (
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"golang.org/x/sys/unix"
)

// newRoot returns a confined FS over a fresh directory holding
// hello.txt ("hello") and sub/inner.txt ("inner"), and the directory path.
func newRoot(t *testing.T) (experimentalsys.FS, string) {
	t.Helper()
	dir := t.TempDir()
	must(t, os.Mkdir(filepath.Join(dir, "sub"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "hello.txt"), []byte("hello"), 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "sub", "inner.txt"), []byte("inner"), 0o644))
	fsys, err := New(dir)
	must(t, err)
	t.Cleanup(func() { _ = fsys.(io.Closer).Close() })
	return fsys, dir
}

func TestNewErrors(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "f")
	must(t, os.WriteFile(file, nil, 0o644))
	for _, name := range []string{filepath.Join(dir, "missing"), file} {
		if _, err := New(name); err == nil {
			t.Fatalf("New(%q) succeeded", name)
		}
	}
}

func TestCreateWriteReadStat(t *testing.T) {
	fsys, dir := newRoot(t)
	f, errno := fsys.OpenFile("new.txt", experimentalsys.O_RDWR|experimentalsys.O_CREAT|experimentalsys.O_EXCL, 0o640|fs.ModeSetuid)
	mustErrno(t, "create", errno)
	defer f.Close()
	n, errno := f.Write([]byte("hello world"))
	mustErrno(t, "write", errno)
	if n != 11 {
		t.Fatalf("wrote %d bytes", n)
	}
	off, errno := f.Seek(6, io.SeekStart)
	mustErrno(t, "seek", errno)
	if off != 6 {
		t.Fatalf("seek = %d", off)
	}
	if got := string(readAll(t, f, 3)); got != "world" {
		t.Fatalf("read after seek = %q", got)
	}
	st, errno := f.Stat()
	mustErrno(t, "fstat", errno)
	pathSt, errno := fsys.Stat("new.txt")
	mustErrno(t, "stat", errno)
	ino, _ := f.Ino()
	dev, _ := f.Dev()
	isDir, _ := f.IsDir()
	switch {
	case st.Size != 11, st.Nlink != 1, !st.Mode.IsRegular(), isDir:
		t.Fatalf("fstat = %+v, isDir %v", st, isDir)
	case st.Ino == 0 || st.Ino != pathSt.Ino || ino != st.Ino || dev != st.Dev || pathSt.Dev != st.Dev:
		t.Fatalf("identity differs: fstat %+v, stat %+v, Ino %d, Dev %d", st, pathSt, ino, dev)
	case st.Mode&fs.ModeSetuid != 0:
		t.Fatalf("created file has set-user-ID: %v", st.Mode)
	}
	fi, err := os.Stat(filepath.Join(dir, "new.txt"))
	must(t, err)
	if fi.Mode()&fs.ModeSetuid != 0 || fi.Mode().Perm()&^0o640 != 0 {
		t.Fatalf("host mode = %v", fi.Mode())
	}
}

func TestOpenErrors(t *testing.T) {
	fsys, dir := newRoot(t)
	must(t, os.Symlink("missing", filepath.Join(dir, "dangling")))
	tests := []struct {
		name string
		path string
		flag experimentalsys.Oflag
		want experimentalsys.Errno
	}{
		{"missing", "missing.txt", experimentalsys.O_RDONLY, experimentalsys.ENOENT},
		{"missing parent with create", "nodir/x", experimentalsys.O_RDWR | experimentalsys.O_CREAT, experimentalsys.ENOENT},
		{"exclusive on existing", "hello.txt", experimentalsys.O_RDWR | experimentalsys.O_CREAT | experimentalsys.O_EXCL, experimentalsys.EEXIST},
		{"exclusive on dangling symlink", "dangling", experimentalsys.O_RDWR | experimentalsys.O_CREAT | experimentalsys.O_EXCL, experimentalsys.EEXIST},
		{"directory flag on file", "hello.txt", experimentalsys.O_RDONLY | experimentalsys.O_DIRECTORY, experimentalsys.ENOTDIR},
		{"trailing slash on file", "hello.txt/", experimentalsys.O_RDONLY, experimentalsys.ENOTDIR},
		{"file as a directory", "hello.txt/x", experimentalsys.O_RDONLY, experimentalsys.ENOTDIR},
		{"write a directory", "sub", experimentalsys.O_WRONLY, experimentalsys.EISDIR},
		{"read-write a directory", "sub", experimentalsys.O_RDWR, experimentalsys.EISDIR},
		{"directory flag with write", "sub", experimentalsys.O_WRONLY | experimentalsys.O_DIRECTORY, experimentalsys.EISDIR},
		{"truncate read-only", "hello.txt", experimentalsys.O_RDONLY | experimentalsys.O_TRUNC, experimentalsys.EINVAL},
		{"both access modes", "hello.txt", experimentalsys.O_RDWR | experimentalsys.O_WRONLY, experimentalsys.EINVAL},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, errno := fsys.OpenFile(tt.path, tt.flag, 0o644)
			if errno != tt.want {
				t.Fatalf("OpenFile(%q, %v) = %v, want %v", tt.path, tt.flag, errno, tt.want)
			}
			if f != nil {
				f.Close()
			}
		})
	}
	if got := string(readFile(t, fsys, "hello.txt")); got != "hello" {
		t.Fatalf("hello.txt changed to %q", got)
	}
}

func TestCreateThroughDanglingSymlinkInside(t *testing.T) {
	fsys, dir := newRoot(t)
	must(t, os.Symlink("made.txt", filepath.Join(dir, "dangling")))
	f, errno := fsys.OpenFile("dangling", experimentalsys.O_WRONLY|experimentalsys.O_CREAT, 0o644)
	mustErrno(t, "create through dangling link", errno)
	_, errno = f.Write([]byte("via link"))
	mustErrno(t, "write", errno)
	f.Close()
	b, err := os.ReadFile(filepath.Join(dir, "made.txt"))
	must(t, err)
	if string(b) != "via link" {
		t.Fatalf("made.txt = %q", b)
	}
}

func TestTruncateOnOpen(t *testing.T) {
	fsys, dir := newRoot(t)
	f, errno := fsys.OpenFile("hello.txt", experimentalsys.O_WRONLY|experimentalsys.O_TRUNC, 0)
	mustErrno(t, "open O_TRUNC", errno)
	_, errno = f.Write([]byte("hi"))
	mustErrno(t, "write", errno)
	f.Close()
	b, err := os.ReadFile(filepath.Join(dir, "hello.txt"))
	must(t, err)
	if string(b) != "hi" {
		t.Fatalf("after O_TRUNC and write: %q", b)
	}
}

func TestAppendMode(t *testing.T) {
	fsys, dir := newRoot(t)
	f, errno := fsys.OpenFile("hello.txt", experimentalsys.O_RDWR|experimentalsys.O_APPEND, 0)
	mustErrno(t, "open O_APPEND", errno)
	defer f.Close()
	if !f.IsAppend() {
		t.Fatal("IsAppend = false after O_APPEND")
	}
	_, errno = f.Seek(0, io.SeekStart)
	mustErrno(t, "seek", errno)
	_, errno = f.Write([]byte(" world"))
	mustErrno(t, "append", errno)
	mustErrno(t, "SetAppend(false)", f.SetAppend(false))
	if f.IsAppend() {
		t.Fatal("IsAppend = true after SetAppend(false)")
	}
	_, errno = f.Seek(0, io.SeekStart)
	mustErrno(t, "seek", errno)
	_, errno = f.Write([]byte("J"))
	mustErrno(t, "overwrite", errno)
	mustErrno(t, "SetAppend(true)", f.SetAppend(true))
	_, errno = f.Seek(0, io.SeekStart)
	mustErrno(t, "seek", errno)
	_, errno = f.Write([]byte("!"))
	mustErrno(t, "append again", errno)
	b, err := os.ReadFile(filepath.Join(dir, "hello.txt"))
	must(t, err)
	if string(b) != "Jello world!" {
		t.Fatalf("content = %q, want %q", b, "Jello world!")
	}
}

func TestPreadPwriteTruncate(t *testing.T) {
	fsys, _ := newRoot(t)
	f, errno := fsys.OpenFile("hello.txt", experimentalsys.O_RDWR, 0)
	mustErrno(t, "open", errno)
	defer f.Close()
	n, errno := f.Pwrite([]byte("LL"), 2)
	mustErrno(t, "pwrite", errno)
	if n != 2 {
		t.Fatalf("pwrite n = %d", n)
	}
	buf := make([]byte, 10)
	n, errno = f.Pread(buf, 1)
	mustErrno(t, "pread", errno)
	if got := string(buf[:n]); got != "eLLo" {
		t.Fatalf("pread = %q", got)
	}
	if off, _ := f.Seek(0, io.SeekCurrent); off != 0 {
		t.Fatalf("pread/pwrite moved the offset to %d", off)
	}
	n, errno = f.Pread(buf, 100)
	if errno != 0 || n != 0 {
		t.Fatalf("pread past end = %d, %v", n, errno)
	}
	mustErrno(t, "truncate", f.Truncate(3))
	if st, _ := f.Stat(); st.Size != 3 {
		t.Fatalf("size after truncate = %d", st.Size)
	}
	for name, errno := range map[string]experimentalsys.Errno{
		"pread negative":    second(f.Pread(buf, -1)),
		"pwrite negative":   second(f.Pwrite(buf, -1)),
		"truncate negative": f.Truncate(-1),
		"seek bad whence":   second(f.Seek(0, 3)),
	} {
		if errno != experimentalsys.EINVAL {
			t.Fatalf("%s = %v, want EINVAL", name, errno)
		}
	}
	ro, errno := fsys.OpenFile("hello.txt", experimentalsys.O_RDONLY, 0)
	mustErrno(t, "open read-only", errno)
	defer ro.Close()
	if errno := ro.Truncate(0); errno != experimentalsys.EBADF {
		t.Fatalf("truncate read-only = %v, want EBADF", errno)
	}
	if _, errno := ro.Write([]byte("x")); errno != experimentalsys.EBADF {
		t.Fatalf("write read-only = %v, want EBADF", errno)
	}
	mustErrno(t, "sync", f.Sync())
	mustErrno(t, "datasync", f.Datasync())
}

// second returns the errno of a two-result call.
func second[T any](_ T, errno experimentalsys.Errno) experimentalsys.Errno { return errno }

func TestDirectoryFile(t *testing.T) {
	fsys, dir := newRoot(t)
	for _, name := range []string{"a", "b", "c"} {
		must(t, os.WriteFile(filepath.Join(dir, "sub", name), nil, 0o644))
	}
	must(t, os.Symlink("a", filepath.Join(dir, "sub", "ln")))
	must(t, os.Mkdir(filepath.Join(dir, "sub", "d"), 0o755))
	d, errno := fsys.OpenFile("sub", experimentalsys.O_RDONLY|experimentalsys.O_DIRECTORY, 0)
	mustErrno(t, "open dir", errno)
	defer d.Close()
	if isDir, _ := d.IsDir(); !isDir {
		t.Fatal("IsDir = false")
	}
	first, errno := d.Readdir(2)
	mustErrno(t, "readdir 2", errno)
	if len(first) != 2 {
		t.Fatalf("readdir(2) returned %d entries", len(first))
	}
	rest, errno := d.Readdir(-1)
	mustErrno(t, "readdir rest", errno)
	all := append(first, rest...)
	wantTypes := map[string]fs.FileMode{"a": 0, "b": 0, "c": 0, "inner.txt": 0, "ln": fs.ModeSymlink, "d": fs.ModeDir}
	if len(all) != len(wantTypes) {
		t.Fatalf("readdir returned %v", all)
	}
	for _, e := range all {
		want, ok := wantTypes[e.Name]
		if !ok || e.Type != want {
			t.Fatalf("dirent %v: want type %v (known %v)", e, want, ok)
		}
		st, errno := fsys.Lstat("sub/" + e.Name)
		mustErrno(t, "lstat", errno)
		if e.Ino == 0 || e.Ino != st.Ino {
			t.Fatalf("dirent %s ino %d, lstat ino %d", e.Name, e.Ino, st.Ino)
		}
	}
	if more, errno := d.Readdir(5); errno != 0 || len(more) != 0 {
		t.Fatalf("readdir at end = %v, %v", more, errno)
	}
	must(t, os.WriteFile(filepath.Join(dir, "sub", "late"), nil, 0o644))
	_, errno = d.Seek(0, io.SeekStart)
	mustErrno(t, "rewind", errno)
	again, errno := d.Readdir(-1)
	mustErrno(t, "readdir after rewind", errno)
	names := make([]string, 0, len(again))
	for _, e := range again {
		names = append(names, e.Name)
	}
	if !slices.Contains(names, "late") || len(names) != len(wantTypes)+1 {
		t.Fatalf("after rewind: %v", names)
	}
	if _, errno := d.Read(make([]byte, 1)); errno != experimentalsys.EISDIR {
		t.Fatalf("read dir = %v, want EISDIR", errno)
	}
	if _, errno := d.Write([]byte("x")); errno != experimentalsys.EBADF {
		t.Fatalf("write dir = %v, want EBADF", errno)
	}
	if _, errno := d.Seek(1, io.SeekStart); errno != experimentalsys.EISDIR {
		t.Fatalf("seek dir = %v, want EISDIR", errno)
	}
	if errno := d.SetAppend(true); errno != experimentalsys.EISDIR {
		t.Fatalf("SetAppend on dir = %v, want EISDIR", errno)
	}
	mustErrno(t, "sync dir", d.Sync())
	f, errno := fsys.OpenFile("hello.txt", experimentalsys.O_RDONLY, 0)
	mustErrno(t, "open file", errno)
	defer f.Close()
	if _, errno := f.Readdir(1); errno != experimentalsys.EBADF {
		t.Fatalf("readdir on file = %v, want EBADF", errno)
	}
	root, errno := fsys.OpenFile(".", experimentalsys.O_RDONLY, 0)
	mustErrno(t, "open root", errno)
	defer root.Close()
	if st, _ := root.Stat(); !st.Mode.IsDir() || st.Nlink < 3 {
		t.Fatalf("root stat = %+v, want a directory with at least 3 links", st)
	}
}

func TestReaddirOfRemovedDirectory(t *testing.T) {
	fsys, dir := newRoot(t)
	must(t, os.Mkdir(filepath.Join(dir, "gone"), 0o755))
	d, errno := fsys.OpenFile("gone", experimentalsys.O_RDONLY, 0)
	mustErrno(t, "open", errno)
	defer d.Close()
	must(t, os.Remove(filepath.Join(dir, "gone")))
	if _, errno := d.Readdir(-1); errno != experimentalsys.ENOENT {
		t.Fatalf("readdir of removed dir = %v, want ENOENT", errno)
	}
}

func TestClosedFile(t *testing.T) {
	fsys, _ := newRoot(t)
	f, errno := fsys.OpenFile("hello.txt", experimentalsys.O_RDWR, 0)
	mustErrno(t, "open", errno)
	mustErrno(t, "close", f.Close())
	mustErrno(t, "second close", f.Close())
	buf := make([]byte, 1)
	for name, errno := range map[string]experimentalsys.Errno{
		"read":      second(f.Read(buf)),
		"pread":     second(f.Pread(buf, 0)),
		"write":     second(f.Write(buf)),
		"pwrite":    second(f.Pwrite(buf, 0)),
		"seek":      second(f.Seek(0, io.SeekStart)),
		"stat":      second(f.Stat()),
		"readdir":   second(f.Readdir(1)),
		"truncate":  f.Truncate(0),
		"sync":      f.Sync(),
		"datasync":  f.Datasync(),
		"utimens":   f.Utimens(0, 0),
		"setappend": f.SetAppend(true),
	} {
		if errno != experimentalsys.EBADF {
			t.Fatalf("%s after close = %v, want EBADF", name, errno)
		}
	}
}

func TestClosedFS(t *testing.T) {
	fsys, _ := newRoot(t)
	must(t, fsys.(io.Closer).Close())
	if _, errno := fsys.Stat("hello.txt"); errno != experimentalsys.EBADF {
		t.Fatalf("stat after Close = %v, want EBADF", errno)
	}
	if _, errno := fsys.OpenFile("hello.txt", experimentalsys.O_RDONLY, 0); errno != experimentalsys.EBADF {
		t.Fatalf("open after Close = %v, want EBADF", errno)
	}
}

func TestMkdirRmdirUnlink(t *testing.T) {
	fsys, dir := newRoot(t)
	mustErrno(t, "mkdir", fsys.Mkdir("new", 0o750|fs.ModeSetgid))
	fi, err := os.Stat(filepath.Join(dir, "new"))
	must(t, err)
	if !fi.IsDir() || fi.Mode()&fs.ModeSetgid != 0 {
		t.Fatalf("mkdir made %v", fi.Mode())
	}
	mustErrno(t, "mkdir through inside symlink", fsys.Symlink("new", "newlink"))
	mustErrno(t, "mkdir nested", fsys.Mkdir("newlink/nested", 0o755))
	tests := []struct {
		name string
		op   func() experimentalsys.Errno
		want experimentalsys.Errno
	}{
		{"mkdir existing", func() experimentalsys.Errno { return fsys.Mkdir("sub", 0o755) }, experimentalsys.EEXIST},
		{"mkdir over file", func() experimentalsys.Errno { return fsys.Mkdir("hello.txt", 0o755) }, experimentalsys.EEXIST},
		{"mkdir missing parent", func() experimentalsys.Errno { return fsys.Mkdir("no/such", 0o755) }, experimentalsys.ENOENT},
		{"rmdir non-empty", func() experimentalsys.Errno { return fsys.Rmdir("sub") }, experimentalsys.ENOTEMPTY},
		{"rmdir file", func() experimentalsys.Errno { return fsys.Rmdir("hello.txt") }, experimentalsys.ENOTDIR},
		{"rmdir missing", func() experimentalsys.Errno { return fsys.Rmdir("missing") }, experimentalsys.ENOENT},
		{"rmdir root", func() experimentalsys.Errno { return fsys.Rmdir(".") }, experimentalsys.EINVAL},
		{"unlink directory", func() experimentalsys.Errno { return fsys.Unlink("sub") }, experimentalsys.EISDIR},
		{"unlink directory with slash", func() experimentalsys.Errno { return fsys.Unlink("sub/") }, experimentalsys.EISDIR},
		{"unlink file with slash", func() experimentalsys.Errno { return fsys.Unlink("hello.txt/") }, experimentalsys.ENOTDIR},
		{"unlink missing", func() experimentalsys.Errno { return fsys.Unlink("missing") }, experimentalsys.ENOENT},
		{"unlink root", func() experimentalsys.Errno { return fsys.Unlink(".") }, experimentalsys.EISDIR},
		{"rmdir nested via symlink", func() experimentalsys.Errno { return fsys.Rmdir("newlink/nested") }, 0},
		{"rmdir with slash", func() experimentalsys.Errno { return fsys.Rmdir("new/") }, 0},
		{"unlink file", func() experimentalsys.Errno { return fsys.Unlink("sub/inner.txt") }, 0},
		{"rmdir now empty", func() experimentalsys.Errno { return fsys.Rmdir("sub") }, 0},
	}
	for _, tt := range tests {
		if got := tt.op(); got != tt.want {
			t.Fatalf("%s = %v, want %v", tt.name, got, tt.want)
		}
	}
	entries, err := os.ReadDir(dir)
	must(t, err)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	if !slices.Equal(names, []string{"hello.txt", "newlink"}) {
		t.Fatalf("left %v", names)
	}
}

func TestRename(t *testing.T) {
	fsys, dir := newRoot(t)
	must(t, os.Mkdir(filepath.Join(dir, "empty"), 0o755))
	must(t, os.Mkdir(filepath.Join(dir, "full"), 0o755))
	must(t, os.WriteFile(filepath.Join(dir, "full", "x"), nil, 0o644))
	must(t, os.WriteFile(filepath.Join(dir, "other.txt"), []byte("other"), 0o644))
	must(t, os.Symlink("sub", filepath.Join(dir, "sublink")))
	tests := []struct {
		name     string
		from, to string
		want     experimentalsys.Errno
	}{
		{"file onto directory", "hello.txt", "empty", experimentalsys.EISDIR},
		{"directory onto file", "sub", "hello.txt", experimentalsys.ENOTDIR},
		{"directory onto non-empty directory", "sub", "full", experimentalsys.ENOTEMPTY},
		{"missing source", "missing", "x", experimentalsys.ENOENT},
		{"root", ".", "x", experimentalsys.EINVAL},
		{"onto root", "hello.txt", ".", experimentalsys.EINVAL},
		{"same name", "hello.txt", "hello.txt", 0},
		{"file onto file", "other.txt", "hello.txt", 0},
		{"directory onto empty directory", "sub", "empty", 0},
		{"into a directory through an inside symlink", "hello.txt", "empty/moved.txt", 0},
		{"symlink itself", "sublink", "sublink2", 0},
	}
	for _, tt := range tests {
		if got := fsys.Rename(tt.from, tt.to); got != tt.want {
			t.Fatalf("%s: Rename(%q, %q) = %v, want %v", tt.name, tt.from, tt.to, got, tt.want)
		}
	}
	if got := string(readFile(t, fsys, "empty/moved.txt")); got != "other" {
		t.Fatalf("moved file = %q", got)
	}
	if target, errno := fsys.Readlink("sublink2"); errno != 0 || target != "sub" {
		t.Fatalf("renamed symlink reads %q, %v", target, errno)
	}
	if got := string(readFile(t, fsys, "empty/inner.txt")); got != "inner" {
		t.Fatalf("renamed directory content = %q", got)
	}
}

func TestSymlinkInside(t *testing.T) {
	fsys, dir := newRoot(t)
	tests := []struct {
		target, name string
		want         experimentalsys.Errno
	}{
		{"hello.txt", "l1", 0},
		{"../hello.txt", "sub/l2", 0},
		{"sub/../hello.txt", "l3", 0},
		{"not-yet", "l4", 0},
		{"hello.txt", "l1", experimentalsys.EEXIST},
		{"", "l5", experimentalsys.EINVAL},
		{"x", "/abs", 0}, // the name is relative to the root
		{"../x", "/abs2", experimentalsys.EPERM},
		{"x", "", experimentalsys.ENOENT},
	}
	for _, tt := range tests {
		if got := fsys.Symlink(tt.target, tt.name); got != tt.want {
			t.Fatalf("Symlink(%q, %q) = %v, want %v", tt.target, tt.name, got, tt.want)
		}
	}
	if _, err := os.Lstat(filepath.Join(dir, "abs")); err != nil {
		t.Fatalf("/abs not created under the root: %v", err)
	}
	for _, name := range []string{"l1", "sub/l2", "l3"} {
		if got := string(readFile(t, fsys, name)); got != "hello" {
			t.Fatalf("read %s = %q", name, got)
		}
	}
	if target, errno := fsys.Readlink("sub/l2"); errno != 0 || target != "../hello.txt" {
		t.Fatalf("readlink = %q, %v", target, errno)
	}
	if _, errno := fsys.Readlink("hello.txt"); errno != experimentalsys.EINVAL {
		t.Fatalf("readlink of a file = %v, want EINVAL", errno)
	}
}

func TestUtimensAndChmod(t *testing.T) {
	fsys, dir := newRoot(t)
	const atim, mtim = int64(1_000_000_000_123), int64(2_000_000_000_456)
	mustErrno(t, "utimens", fsys.Utimens("hello.txt", atim, mtim))
	st, errno := fsys.Stat("hello.txt")
	mustErrno(t, "stat", errno)
	if st.Atim != atim || st.Mtim != mtim {
		t.Fatalf("times = %d, %d", st.Atim, st.Mtim)
	}
	mustErrno(t, "utimens omit atim", fsys.Utimens("hello.txt", experimentalsys.UTIME_OMIT, mtim+1))
	st, _ = fsys.Stat("hello.txt")
	if st.Atim != atim || st.Mtim != mtim+1 {
		t.Fatalf("after omitting atim: %d, %d", st.Atim, st.Mtim)
	}
	mustErrno(t, "utimens omit both", fsys.Utimens("hello.txt", experimentalsys.UTIME_OMIT, experimentalsys.UTIME_OMIT))
	must(t, os.Symlink("hello.txt", filepath.Join(dir, "ln")))
	mustErrno(t, "utimens through inside symlink", fsys.Utimens("ln", atim, atim))
	if st, _ = fsys.Stat("hello.txt"); st.Mtim != atim {
		t.Fatalf("utimens through link: mtim %d", st.Mtim)
	}
	mustErrno(t, "utimens dir", fsys.Utimens("sub", atim, mtim))
	f, errno := fsys.OpenFile("hello.txt", experimentalsys.O_RDONLY, 0)
	mustErrno(t, "open", errno)
	mustErrno(t, "file utimens", f.Utimens(experimentalsys.UTIME_OMIT, 5_000_000_000))
	f.Close()
	if st, _ = fsys.Stat("hello.txt"); st.Mtim != 5_000_000_000 {
		t.Fatalf("file utimens: mtim %d", st.Mtim)
	}
	if errno := fsys.Utimens("missing", 0, 0); errno != experimentalsys.ENOENT {
		t.Fatalf("utimens missing = %v", errno)
	}
	mustErrno(t, "chmod", fsys.Chmod("ln", 0o600|fs.ModeSetuid))
	fi, err := os.Stat(filepath.Join(dir, "hello.txt"))
	must(t, err)
	if fi.Mode() != 0o600 {
		t.Fatalf("mode after chmod = %v, want -rw-------", fi.Mode())
	}
	mustErrno(t, "chmod dir", fsys.Chmod("sub", 0o700))
	if fi, _ := os.Stat(filepath.Join(dir, "sub")); fi.Mode().Perm() != 0o700 {
		t.Fatalf("dir mode = %v", fi.Mode())
	}
}

func TestDescriptorStatusFlags(t *testing.T) {
	fsys, _ := newRoot(t)
	tests := []struct {
		name     string
		path     string
		flag     experimentalsys.Oflag
		nonblock bool
		append   bool
	}{
		{"read", "hello.txt", experimentalsys.O_RDONLY, false, false},
		{"directory", "sub", experimentalsys.O_RDONLY, false, false},
		{"root", ".", experimentalsys.O_RDONLY, false, false},
		{"append", "hello.txt", experimentalsys.O_WRONLY | experimentalsys.O_APPEND, false, true},
		{"nonblock asked", "hello.txt", experimentalsys.O_RDONLY | experimentalsys.O_NONBLOCK, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, errno := fsys.OpenFile(tt.path, tt.flag, 0)
			mustErrno(t, "open", errno)
			defer f.Close()
			fl, err := unix.FcntlInt(uintptr(f.(*file).fd), unix.F_GETFL, 0)
			must(t, err)
			if got := fl&unix.O_NONBLOCK != 0; got != tt.nonblock {
				t.Fatalf("O_NONBLOCK = %v, want %v", got, tt.nonblock)
			}
			if got := fl&unix.O_APPEND != 0; got != tt.append {
				t.Fatalf("O_APPEND = %v, want %v", got, tt.append)
			}
		})
	}
}
