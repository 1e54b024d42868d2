//go:build linux

package confined

import (
	"io"
	"net"
	"os"
	"path/filepath"
	"syscall"
	"testing"

	experimentalsys "github.com/tetratelabs/wazero/experimental/sys"
	"golang.org/x/sys/unix"
)

// secret is the content of the host file outside the workspace that every
// attack tries to reach.
const secret = "TOP-SECRET-HOST-DATA"

// layout is a workspace root with hostile entries next to a host directory
// holding the secret.
type layout struct {
	// root is the workspace directory given to New.
	root string
	// outside is a host directory beside root, holding secret.txt.
	outside string
	// secretPath is the absolute host path of the secret file.
	secretPath string
}

// newLayout builds, in t.TempDir:
//
//	outside/secret.txt                    the secret
//	outside/dir/                          an empty host directory
//	root/hello.txt                        "hello"
//	root/sub/inner.txt                    "inner"
//	root/abs-link -> <outside>/secret.txt absolute, pointing out
//	root/rel-link -> ../outside/secret.txt
//	root/chain1 -> chain2 -> rel-link     a chain ending outside
//	root/dirlink -> ../outside            a directory link in the middle of a path
//	root/absdirlink -> <outside>
//	root/sub/deep-escape -> ../../outside/secret.txt
//	root/etc-passwd-link -> /etc/passwd
//	root/devnull-link -> /dev/null
//	root/in-link -> hello.txt             inside: works
//	root/in-dirlink -> sub                inside: works
//	root/sub/up-link -> ../hello.txt      inside: works
//	root/dangling -> missing.txt          inside, dangling
//	root/hardlink                         a hard link to outside/secret.txt
//	root/fifo                             a FIFO
//	root/nulldev                          a character device (1, 3)
//	root/sock                             a listening unix socket
//	root/loop -> loop, root/loopa -> loopb -> loopa
func newLayout(t *testing.T) layout {
	t.Helper()
	tmp := t.TempDir()
	l := layout{
		root:       filepath.Join(tmp, "root"),
		outside:    filepath.Join(tmp, "outside"),
		secretPath: filepath.Join(tmp, "outside", "secret.txt"),
	}
	must(t, os.MkdirAll(filepath.Join(l.outside, "dir"), 0o755))
	must(t, os.MkdirAll(filepath.Join(l.root, "sub"), 0o755))
	must(t, os.WriteFile(l.secretPath, []byte(secret), 0o644))
	must(t, os.WriteFile(filepath.Join(l.root, "hello.txt"), []byte("hello"), 0o644))
	must(t, os.WriteFile(filepath.Join(l.root, "sub", "inner.txt"), []byte("inner"), 0o644))
	for name, target := range map[string]string{
		"abs-link":        l.secretPath,
		"rel-link":        "../outside/secret.txt",
		"chain1":          "chain2",
		"chain2":          "rel-link",
		"dirlink":         "../outside",
		"absdirlink":      l.outside,
		"sub/deep-escape": "../../outside/secret.txt",
		"etc-passwd-link": "/etc/passwd",
		"devnull-link":    "/dev/null",
		"in-link":         "hello.txt",
		"in-dirlink":      "sub",
		"sub/up-link":     "../hello.txt",
		"dangling":        "missing.txt",
		"loop":            "loop",
		"loopa":           "loopb",
		"loopb":           "loopa",
	} {
		must(t, os.Symlink(target, filepath.Join(l.root, name)))
	}
	must(t, os.Link(l.secretPath, filepath.Join(l.root, "hardlink")))
	must(t, syscall.Mkfifo(filepath.Join(l.root, "fifo"), 0o666))
	must(t, syscall.Mknod(filepath.Join(l.root, "nulldev"), syscall.S_IFCHR|0o666, int(unix.Mkdev(1, 3))))
	ln, err := net.Listen("unix", filepath.Join(l.root, "sock"))
	must(t, err)
	t.Cleanup(func() { _ = ln.Close() })
	return l
}

// open returns a confined FS over l.root, closed at the end of the test.
func (l layout) open(t *testing.T) experimentalsys.FS {
	t.Helper()
	fsys, err := New(l.root)
	must(t, err)
	t.Cleanup(func() { _ = fsys.(io.Closer).Close() })
	return fsys
}

// assertSecretIntact fails the test if the secret file or the outside
// directory changed: different content or mode, or new entries.
func (l layout) assertSecretIntact(t *testing.T) {
	t.Helper()
	b, err := os.ReadFile(l.secretPath)
	must(t, err)
	if string(b) != secret {
		t.Fatalf("secret file changed: %q", b)
	}
	fi, err := os.Stat(l.secretPath)
	must(t, err)
	if fi.Mode().Perm() != 0o644 {
		t.Fatalf("secret file mode changed: %v", fi.Mode())
	}
	entries, err := os.ReadDir(l.outside)
	must(t, err)
	if len(entries) != 2 {
		names := make([]string, 0, len(entries))
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Fatalf("outside directory changed: %v", names)
	}
}

// must fails the test on a non-nil error.
func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mustErrno fails the test unless errno is zero.
func mustErrno(t testing.TB, op string, errno experimentalsys.Errno) {
	t.Helper()
	if errno != 0 {
		t.Fatalf("%s: %v", op, errno)
	}
}

// readAll reads f to its end through experimentalsys.File.Read in chunks of
// size bytes.
func readAll(t testing.TB, f experimentalsys.File, size int) []byte {
	t.Helper()
	var out []byte
	buf := make([]byte, size)
	for {
		n, errno := f.Read(buf)
		mustErrno(t, "read", errno)
		if n == 0 {
			return out
		}
		out = append(out, buf[:n]...)
	}
}

// readFile opens name read-only through fsys and returns its contents.
func readFile(t testing.TB, fsys experimentalsys.FS, name string) []byte {
	t.Helper()
	f, errno := fsys.OpenFile(name, experimentalsys.O_RDONLY, 0)
	mustErrno(t, "open "+name, errno)
	defer f.Close()
	return readAll(t, f, 4096)
}
