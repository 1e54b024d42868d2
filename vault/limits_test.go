package vault

import (
	"os"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

func TestLimitMaxEntries(t *testing.T) {
	path := vaultPath(t)
	v, err := Open(path, "acme", []byte(passA), Options{KDF: testKDF, Limits: Limits{MaxEntries: 2}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	mustPut(t, v, "a", entry(nil, false, "K", "1"))
	mustPut(t, v, "b", entry(nil, false, "K", "2"))
	before := readBytes(t, path)
	wantErr(t, "a third entry", v.Put("c", entry(nil, false, "K", "3")), ErrLimit)
	assertUnchanged(t, path, before)
	mustPut(t, v, "a", entry(nil, false, "K", "replaced")) // replacing is no new entry
	// A file with more entries than the limit is refused on read.
	w := mustOpen(t, path, "acme", passA)
	mustPut(t, w, "c", entry(nil, false, "K", "3"))
	_, err = v.List()
	wantErr(t, "List of 3 entries with MaxEntries 2", err, ErrLimit)
}

func TestLimitMaxFileBytes(t *testing.T) {
	path := vaultPath(t)
	w := mustOpen(t, path, "acme", passA)
	mustPut(t, w, "a", entry(nil, false, "K", strings.Repeat("v", 2000)))
	size := int64(len(readBytes(t, path)))

	_, err := Open(path, "acme", []byte(passA), Options{KDF: testKDF, Limits: Limits{MaxFileBytes: size - 1}})
	wantErr(t, "Open of a file above the limit", err, ErrLimit)

	v, err := Open(path, "acme", []byte(passA), Options{KDF: testKDF, Limits: Limits{MaxFileBytes: size + 100}})
	if err != nil {
		t.Fatalf("Open of a file within the limit: %v", err)
	}
	defer v.Close()
	before := readBytes(t, path)
	wantErr(t, "a write past the limit", v.Put("b", entry(nil, false, "K", strings.Repeat("v", 500))), ErrLimit)
	assertUnchanged(t, path, before)
}

func TestLimitKDFParametersInFile(t *testing.T) {
	path := vaultPath(t)
	mustPut(t, mustOpen(t, path, "acme", passA), "a", entry(nil, false, "K", "1"))
	// testKDF uses 19 MiB; a reader that allows 16 MiB refuses before
	// deriving anything.
	_, err := Open(path, "acme", []byte(passA), Options{KDF: KDFParams{MemoryKiB: 8 << 10, Iterations: 5, Parallelism: 1},
		Limits: Limits{MaxKDFMemoryKiB: 16 << 10}})
	wantErr(t, "Open with MaxKDFMemoryKiB below the file's", err, ErrMalformed)
	_, err = Open(path, "acme", []byte(passA), Options{KDF: KDFParams{MemoryKiB: 40 << 10, Iterations: 1, Parallelism: 1},
		Limits: Limits{MaxKDFIterations: 1}})
	wantErr(t, "Open with MaxKDFIterations below the file's", err, ErrMalformed)
}

func TestLimitLockTimeout(t *testing.T) {
	path := vaultPath(t)
	v, err := Open(path, "acme", []byte(passA), Options{KDF: testKDF, Limits: Limits{LockTimeout: 100 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	held := flock.New(path + lockSuffix)
	if err := held.Lock(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	wantErr(t, "Put while the lock is held", v.Put("a", entry(nil, false, "K", "1")), ErrLimit)
	if waited := time.Since(start); waited < 100*time.Millisecond {
		t.Errorf("gave up after %v, before LockTimeout", waited)
	}
	held.Unlock()
	mustPut(t, v, "a", entry(nil, false, "K", "1"))
}

func TestDefaultLimits(t *testing.T) {
	l := Limits{}.withDefaults()
	if l.MaxEntries != DefaultMaxEntries || l.MaxKeys != DefaultMaxKeys || l.MaxHosts != DefaultMaxHosts ||
		l.MaxValueBytes != DefaultMaxValueBytes || l.MaxFileBytes != DefaultMaxFileBytes ||
		l.MaxKDFMemoryKiB != DefaultMaxKDFMemoryKiB || l.MaxKDFIterations != DefaultMaxKDFIterations ||
		l.LockTimeout != DefaultLockTimeout {
		t.Fatalf("defaults = %+v", l)
	}
	// The default KDF parameters are within the default limits.
	if err := DefaultKDF().checkTarget(l); err != nil {
		t.Fatal(err)
	}
}

func TestNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	real := vaultPath(t)
	mustPut(t, mustOpen(t, real, "acme", passA), "a", entry(nil, false, "K", "1"))

	link := dir + "/link.enc.json"
	if err := os.Symlink(real, link); err != nil {
		t.Fatal(err)
	}
	_, err := Open(link, "acme", []byte(passA), testOpts)
	wantErr(t, "Open of a symbolic link", err, ErrMalformed)

	fifo := dir + "/fifo.enc.json"
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		t.Fatal(err)
	}
	_, err = Open(fifo, "acme", []byte(passA), testOpts) // must not block
	wantErr(t, "Open of a FIFO", err, ErrMalformed)
	if err := os.Mkdir(dir+"/d.enc.json", 0o700); err != nil {
		t.Fatal(err)
	}
	_, err = Open(dir+"/d.enc.json", "acme", []byte(passA), testOpts)
	wantErr(t, "Open of a directory", err, ErrMalformed)
}
