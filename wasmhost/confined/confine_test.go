//go:build linux

package confined

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
)

// openResult is what one OpenFile call returned, sent over a channel so a
// blocking open fails the test instead of hanging it.
type openResult struct {
	data  string
	errno experimentalsys.Errno
}

// openWithin calls OpenFile in a goroutine and fails the test if it does
// not return within 5 s (a FIFO opened for reading would block). On success
// it reads what it can and closes the file.
func openWithin(t *testing.T, fsys experimentalsys.FS, name string, flag experimentalsys.Oflag) openResult {
	t.Helper()
	done := make(chan openResult, 1)
	go func() {
		f, errno := fsys.OpenFile(name, flag, 0o644)
		if errno != 0 {
			done <- openResult{errno: errno}
			return
		}
		defer f.Close()
		buf := make([]byte, 4096)
		n, _ := f.Pread(buf, 0)
		done <- openResult{data: string(buf[:n])}
	}()
	select {
	case r := <-done:
		return r
	case <-time.After(5 * time.Second):
		t.Fatalf("OpenFile(%q, %v) blocked", name, flag)
		return openResult{}
	}
}

func TestOpenRefusesEscapes(t *testing.T) {
	l := newLayout(t)
	fsys := l.open(t)
	tests := []struct {
		name string
		path string
		// want is the errno of a read-only open that follows symlinks.
		want experimentalsys.Errno
	}{
		// Leading slashes are relative to the root (wazero's own names):
		// these name files under the root that do not exist.
		{"absolute host path", "/etc/passwd", experimentalsys.ENOENT},
		{"absolute path of the secret", l.secretPath, experimentalsys.ENOENT},
		{"dot-dot", "../outside/secret.txt", experimentalsys.EPERM},
		{"dot-dot after a directory", "sub/../../outside/secret.txt", experimentalsys.EPERM},
		{"dot-dot only", "..", experimentalsys.EPERM},
		{"absolute symlink", "abs-link", experimentalsys.EPERM},
		{"relative symlink out", "rel-link", experimentalsys.EPERM},
		{"symlink chain out", "chain1", experimentalsys.EPERM},
		{"directory symlink in the middle", "dirlink/secret.txt", experimentalsys.EPERM},
		{"absolute directory symlink in the middle", "absdirlink/secret.txt", experimentalsys.EPERM},
		{"directory symlink itself", "dirlink", experimentalsys.EPERM},
		{"nested relative symlink out", "sub/deep-escape", experimentalsys.EPERM},
		{"inside symlink to a directory then out", "in-dirlink/deep-escape", experimentalsys.EPERM},
		{"symlink to /etc/passwd", "etc-passwd-link", experimentalsys.EPERM},
		{"symlink to /dev/null", "devnull-link", experimentalsys.EPERM},
		{"hard link to the secret", "hardlink", experimentalsys.EACCES},
		{"fifo", "fifo", experimentalsys.EACCES},
		{"character device", "nulldev", experimentalsys.EACCES},
		{"unix socket", "sock", experimentalsys.EACCES},
		{"self loop", "loop", experimentalsys.ELOOP},
		{"two-link loop", "loopa", experimentalsys.ELOOP},
		{"empty name", "", experimentalsys.ENOENT},
	}
	flags := []struct {
		name string
		flag experimentalsys.Oflag
	}{
		{"rdonly", experimentalsys.O_RDONLY},
		{"rdwr", experimentalsys.O_RDWR},
		{"wronly-creat-trunc", experimentalsys.O_WRONLY | experimentalsys.O_CREAT | experimentalsys.O_TRUNC},
		{"append", experimentalsys.O_WRONLY | experimentalsys.O_APPEND},
		{"nofollow", experimentalsys.O_RDONLY | experimentalsys.O_NOFOLLOW},
		{"directory", experimentalsys.O_RDONLY | experimentalsys.O_DIRECTORY},
		{"nonblock", experimentalsys.O_RDONLY | experimentalsys.O_NONBLOCK},
	}
	for _, tt := range tests {
		for _, fl := range flags {
			t.Run(tt.name+"/"+fl.name, func(t *testing.T) {
				r := openWithin(t, fsys, tt.path, fl.flag)
				if r.errno == 0 {
					t.Fatalf("OpenFile(%q) succeeded, read %q", tt.path, r.data)
				}
				if fl.flag == experimentalsys.O_RDONLY && r.errno != tt.want {
					t.Fatalf("OpenFile(%q) = %v, want %v", tt.path, r.errno, tt.want)
				}
			})
		}
	}
	l.assertSecretIntact(t)
}

func TestOpenFollowsSymlinksInside(t *testing.T) {
	l := newLayout(t)
	fsys := l.open(t)
	tests := []struct {
		path string
		want string
	}{
		{"in-link", "hello"},
		{"in-dirlink/inner.txt", "inner"},
		{"sub/up-link", "hello"},
		{"sub/../hello.txt", "hello"},
		{"./sub//inner.txt", "inner"},
		{"in-dirlink/up-link", "hello"},
		// wazero names "x" beneath an unnamed directory descriptor "/x".
		{"/hello.txt", "hello"},
		{"//sub/inner.txt", "inner"},
		{"/in-link", "hello"},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			if got := string(readFile(t, fsys, tt.path)); got != tt.want {
				t.Fatalf("read %q = %q, want %q", tt.path, got, tt.want)
			}
		})
	}
}

func TestSymlinkChainLimit(t *testing.T) {
	// os.Root follows at most 8 symlinks in one resolution.
	tests := []struct {
		links int
		want  experimentalsys.Errno
	}{
		{links: 1},
		{links: 8},
		{links: 9, want: experimentalsys.ELOOP},
	}
	for _, tt := range tests {
		t.Run(strings.Repeat("l", tt.links), func(t *testing.T) {
			root := t.TempDir()
			must(t, os.WriteFile(filepath.Join(root, "target"), []byte("x"), 0o644))
			prev := "target"
			for i := range tt.links {
				name := "l" + strings.Repeat("x", i)
				must(t, os.Symlink(prev, filepath.Join(root, name)))
				prev = name
			}
			fsys, err := New(root)
			must(t, err)
			f, errno := fsys.OpenFile(prev, experimentalsys.O_RDONLY, 0)
			if errno != tt.want {
				t.Fatalf("open through %d links = %v, want %v", tt.links, errno, tt.want)
			}
			if f != nil {
				f.Close()
			}
		})
	}
}

func TestPathOpsRefuseEscapes(t *testing.T) {
	l := newLayout(t)
	fsys := l.open(t)
	secretInfo, err := os.Stat(l.secretPath)
	must(t, err)
	tests := []struct {
		name string
		op   func() experimentalsys.Errno
		want experimentalsys.Errno
	}{
		{"stat absolute symlink", func() experimentalsys.Errno { _, e := fsys.Stat("abs-link"); return e }, experimentalsys.EPERM},
		{"stat through directory symlink", func() experimentalsys.Errno { _, e := fsys.Stat("dirlink/secret.txt"); return e }, experimentalsys.EPERM},
		{"lstat through directory symlink", func() experimentalsys.Errno { _, e := fsys.Lstat("dirlink/secret.txt"); return e }, experimentalsys.EPERM},
		{"stat absolute path", func() experimentalsys.Errno { _, e := fsys.Stat("/etc/passwd"); return e }, experimentalsys.ENOENT},
		{"stat dot-dot", func() experimentalsys.Errno { _, e := fsys.Stat("../outside"); return e }, experimentalsys.EPERM},
		{"readlink through directory symlink", func() experimentalsys.Errno { _, e := fsys.Readlink("absdirlink/x"); return e }, experimentalsys.EPERM},
		{"mkdir through directory symlink", func() experimentalsys.Errno { return fsys.Mkdir("dirlink/planted", 0o755) }, experimentalsys.EPERM},
		{"mkdir absolute", func() experimentalsys.Errno { return fsys.Mkdir(filepath.Join(l.outside, "planted"), 0o755) }, experimentalsys.ENOENT},
		{"rename out", func() experimentalsys.Errno { return fsys.Rename("hello.txt", "dirlink/planted") }, experimentalsys.EPERM},
		{"rename in", func() experimentalsys.Errno { return fsys.Rename("dirlink/secret.txt", "stolen") }, experimentalsys.EPERM},
		{"rename dot-dot", func() experimentalsys.Errno { return fsys.Rename("../outside/secret.txt", "stolen") }, experimentalsys.EPERM},
		{"unlink through directory symlink", func() experimentalsys.Errno { return fsys.Unlink("dirlink/secret.txt") }, experimentalsys.EPERM},
		{"unlink absolute", func() experimentalsys.Errno { return fsys.Unlink(l.secretPath) }, experimentalsys.ENOENT},
		{"rmdir through directory symlink", func() experimentalsys.Errno { return fsys.Rmdir("dirlink/dir") }, experimentalsys.EPERM},
		{"symlink relative out", func() experimentalsys.Errno { return fsys.Symlink("../outside/secret.txt", "planted") }, experimentalsys.EPERM},
		{"symlink nested out", func() experimentalsys.Errno { return fsys.Symlink("../../outside/secret.txt", "sub/planted") }, experimentalsys.EPERM},
		{"symlink absolute", func() experimentalsys.Errno { return fsys.Symlink("/etc/passwd", "planted") }, experimentalsys.EPERM},
		{"symlink placed through directory symlink", func() experimentalsys.Errno { return fsys.Symlink("secret.txt", "dirlink/planted") }, experimentalsys.EPERM},
		{"link", func() experimentalsys.Errno { return fsys.Link("hello.txt", "hl") }, experimentalsys.EPERM},
		{"link to hard link", func() experimentalsys.Errno { return fsys.Link("hardlink", "hl") }, experimentalsys.EPERM},
		{"chmod hard link", func() experimentalsys.Errno { return fsys.Chmod("hardlink", 0o777) }, experimentalsys.EACCES},
		{"chmod absolute symlink", func() experimentalsys.Errno { return fsys.Chmod("abs-link", 0o777) }, experimentalsys.EPERM},
		{"chmod fifo", func() experimentalsys.Errno { return fsys.Chmod("fifo", 0o777) }, experimentalsys.EACCES},
		{"utimens hard link", func() experimentalsys.Errno { return fsys.Utimens("hardlink", 0, 0) }, experimentalsys.EACCES},
		{"utimens through directory symlink", func() experimentalsys.Errno { return fsys.Utimens("dirlink/secret.txt", 0, 0) }, experimentalsys.EPERM},
		{"utimens relative symlink", func() experimentalsys.Errno { return fsys.Utimens("rel-link", 0, 0) }, experimentalsys.EPERM},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.op(); got != tt.want {
				t.Fatalf("got %v, want %v", got, tt.want)
			}
		})
	}
	l.assertSecretIntact(t)
	after, err := os.Stat(l.secretPath)
	must(t, err)
	if !after.ModTime().Equal(secretInfo.ModTime()) {
		t.Fatalf("secret mtime changed from %v to %v", secretInfo.ModTime(), after.ModTime())
	}
	for _, name := range []string{"planted", "sub/planted", "hl", "stolen"} {
		if _, err := os.Lstat(filepath.Join(l.root, name)); !os.IsNotExist(err) {
			t.Fatalf("%s was created: %v", name, err)
		}
	}
}

func TestRemovingSymlinksKeepsTargets(t *testing.T) {
	l := newLayout(t)
	fsys := l.open(t)
	for _, name := range []string{"abs-link", "rel-link", "dirlink", "absdirlink", "devnull-link", "etc-passwd-link"} {
		mustErrno(t, "unlink "+name, fsys.Unlink(name))
		if _, err := os.Lstat(filepath.Join(l.root, name)); !os.IsNotExist(err) {
			t.Fatalf("%s still exists: %v", name, err)
		}
	}
	if errno := fsys.Rmdir("in-dirlink"); errno != experimentalsys.ENOTDIR {
		t.Fatalf("rmdir of a symlink to a directory = %v, want ENOTDIR", errno)
	}
	l.assertSecretIntact(t)
	if _, err := os.Stat("/dev/null"); err != nil {
		t.Fatal(err)
	}
}

func TestStatShowsLinksWithoutFollowingOut(t *testing.T) {
	l := newLayout(t)
	fsys := l.open(t)
	st, errno := fsys.Lstat("abs-link")
	mustErrno(t, "lstat", errno)
	if st.Mode.Type() != os.ModeSymlink {
		t.Fatalf("lstat mode = %v, want a symlink", st.Mode)
	}
	target, errno := fsys.Readlink("abs-link")
	mustErrno(t, "readlink", errno)
	if target != l.secretPath {
		t.Fatalf("readlink = %q, want %q", target, l.secretPath)
	}
	// Rule 4: a multiply linked file is listed with its metadata but its
	// contents stay closed.
	st, errno = fsys.Stat("hardlink")
	mustErrno(t, "stat hardlink", errno)
	if st.Nlink != 2 || !st.Mode.IsRegular() {
		t.Fatalf("stat hardlink = %+v, want a regular file with 2 links", st)
	}
}

func TestHardLinkInsideBecomesReadableWhenSingle(t *testing.T) {
	root := t.TempDir()
	must(t, os.WriteFile(filepath.Join(root, "a"), []byte("shared"), 0o644))
	must(t, os.Link(filepath.Join(root, "a"), filepath.Join(root, "b")))
	fsys, err := New(root)
	must(t, err)
	for _, name := range []string{"a", "b"} {
		if _, errno := fsys.OpenFile(name, experimentalsys.O_RDONLY, 0); errno != experimentalsys.EACCES {
			t.Fatalf("open %s with 2 links = %v, want EACCES", name, errno)
		}
	}
	mustErrno(t, "unlink b", fsys.Unlink("b"))
	if got := string(readFile(t, fsys, "a")); got != "shared" {
		t.Fatalf("read a = %q", got)
	}
}

func TestTruncateOfHardLinkLeavesTargetIntact(t *testing.T) {
	l := newLayout(t)
	fsys := l.open(t)
	for _, flag := range []experimentalsys.Oflag{
		experimentalsys.O_WRONLY | experimentalsys.O_TRUNC,
		experimentalsys.O_RDWR | experimentalsys.O_CREAT | experimentalsys.O_TRUNC,
	} {
		if _, errno := fsys.OpenFile("hardlink", flag, 0o644); errno != experimentalsys.EACCES {
			t.Fatalf("open hardlink %v = %v, want EACCES", flag, errno)
		}
	}
	l.assertSecretIntact(t)
}

func TestNoFollowRefusesFinalSymlink(t *testing.T) {
	l := newLayout(t)
	fsys := l.open(t)
	tests := []struct {
		path string
		flag experimentalsys.Oflag
		want experimentalsys.Errno
	}{
		{"in-link", experimentalsys.O_RDONLY, experimentalsys.ELOOP},
		{"dangling", experimentalsys.O_RDWR | experimentalsys.O_CREAT, experimentalsys.ELOOP},
		{"in-dirlink", experimentalsys.O_RDONLY | experimentalsys.O_DIRECTORY, experimentalsys.ELOOP},
		{"hello.txt", experimentalsys.O_RDONLY, 0},
		{"in-dirlink/inner.txt", experimentalsys.O_RDONLY, 0},
		{"sub/new.txt", experimentalsys.O_RDWR | experimentalsys.O_CREAT, 0},
		{".", experimentalsys.O_RDONLY, 0},
		{"dirlink/secret.txt", experimentalsys.O_RDONLY, experimentalsys.EPERM},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			f, errno := fsys.OpenFile(tt.path, tt.flag|experimentalsys.O_NOFOLLOW, 0o644)
			if errno != tt.want {
				t.Fatalf("open %q with O_NOFOLLOW = %v, want %v", tt.path, errno, tt.want)
			}
			if f != nil {
				f.Close()
			}
		})
	}
	if _, err := os.Lstat(filepath.Join(l.root, "missing.txt")); !os.IsNotExist(err) {
		t.Fatalf("O_NOFOLLOW|O_CREAT created the dangling link's target: %v", err)
	}
}

// TestOpenedDescriptorIsChecked opens with os.Root directly, as if the name
// had been swapped after the first check, and requires finishOpen to refuse
// special and multiply linked files, the flags from toOSFlag to keep the
// open from blocking, and O_TRUNC to wait for the check.
func TestOpenedDescriptorIsChecked(t *testing.T) {
	l := newLayout(t)
	fsys := l.open(t).(*rootFS)
	for _, name := range []string{"fifo", "nulldev", "hardlink"} {
		for _, flag := range []experimentalsys.Oflag{
			experimentalsys.O_RDONLY,
			experimentalsys.O_RDWR | experimentalsys.O_TRUNC,
		} {
			osFlag, errno := toOSFlag(flag)
			mustErrno(t, "flags", errno)
			done := make(chan experimentalsys.Errno, 1)
			go func() {
				f, err := fsys.root.OpenFile(name, osFlag, 0)
				if err != nil {
					done <- toErrno(err)
					return
				}
				_, errno := finishOpen(f, flag)
				done <- errno
			}()
			select {
			case errno := <-done:
				if errno != experimentalsys.EACCES {
					t.Fatalf("open %q with %v = %v, want EACCES", name, flag, errno)
				}
			case <-time.After(5 * time.Second):
				t.Fatalf("open %q with %v blocked", name, flag)
			}
		}
	}
	l.assertSecretIntact(t)
}
