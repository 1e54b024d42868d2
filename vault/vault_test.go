package vault

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

func TestRoundTrip(t *testing.T) {
	path := vaultPath(t)
	v := mustOpen(t, path, "acme", passA)
	mustPut(t, v, "github", entry([]string{"API.GitHub.com", "api.github.com:443", "api.github.com"}, true,
		"GITHUB_TOKEN", "ghp_secretvalue0123456789"))
	mustPut(t, v, "db", entry(nil, false, "PGPASSWORD", "hunter2-pg", "PGUSER", "svc-user-x", "EMPTY", ""))
	mustPut(t, v, "ips", entry([]string{"192.0.2.7:8443", "[2001:DB8::1]:443", "2001:db8::2"}, false, "K", "v-ip"))

	// A second Open reads what the first wrote.
	w := mustOpen(t, path, "acme", passA)
	gh, err := w.Get("github")
	if err != nil {
		t.Fatal(err)
	}
	if got := values(gh); !maps.Equal(got, map[string]string{"GITHUB_TOKEN": "ghp_secretvalue0123456789"}) {
		t.Errorf("github values = %v", got)
	}
	if want := []string{"api.github.com", "api.github.com:443"}; !slices.Equal(gh.Hosts, want) || !gh.ToBash {
		t.Errorf("github hosts = %v toBash = %v, want %v true", gh.Hosts, gh.ToBash, want)
	}
	db, err := w.Get("db")
	if err != nil {
		t.Fatal(err)
	}
	if got := values(db); !maps.Equal(got, map[string]string{"PGPASSWORD": "hunter2-pg", "PGUSER": "svc-user-x", "EMPTY": ""}) || db.Hosts != nil || db.ToBash {
		t.Errorf("db = %v %v %v", got, db.Hosts, db.ToBash)
	}

	infos, err := w.List()
	if err != nil {
		t.Fatal(err)
	}
	want := []Info{
		{Name: "db", Keys: []string{"EMPTY", "PGPASSWORD", "PGUSER"}},
		{Name: "github", Keys: []string{"GITHUB_TOKEN"}, Hosts: []string{"api.github.com", "api.github.com:443"}, ToBash: true},
		{Name: "ips", Keys: []string{"K"}, Hosts: []string{"192.0.2.7:8443", "[2001:db8::1]:443", "2001:db8::2"}},
	}
	if !slices.EqualFunc(infos, want, func(a, b Info) bool {
		return a.Name == b.Name && slices.Equal(a.Keys, b.Keys) && slices.Equal(a.Hosts, b.Hosts) && a.ToBash == b.ToBash
	}) {
		t.Errorf("List = %+v\nwant %+v", infos, want)
	}

	// Nothing but entry names is readable in the file.
	raw := readBytes(t, path)
	for _, s := range []string{"ghp_secretvalue", "hunter2", "svc-user", "GITHUB_TOKEN", "PGPASSWORD", "github.com", "192.0.2.7", "2001:db8", passA} {
		if bytes.Contains(raw, []byte(s)) {
			t.Errorf("file holds %q in plaintext", s)
		}
	}
	for _, p := range []string{path, path + lockSuffix} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o600 {
			t.Errorf("%s mode %v, want 0600", p, fi.Mode().Perm())
		}
	}

	// Put replaces an entry whole; Delete removes it.
	mustPut(t, w, "db", entry(nil, false, "PGPASSWORD", "rotated"))
	db, _ = v.Get("db")
	if got := values(db); !maps.Equal(got, map[string]string{"PGPASSWORD": "rotated"}) {
		t.Errorf("after replace: %v", got)
	}
	if err := v.Delete("db"); err != nil {
		t.Fatal(err)
	}
	_, err = w.Get("db")
	wantErr(t, "Get deleted", err, ErrNotFound)
	wantErr(t, "Delete again", v.Delete("db"), ErrNotFound)
}

func TestMissingFileIsEmpty(t *testing.T) {
	path := vaultPath(t)
	v := mustOpen(t, path, "acme", passA)
	infos, err := v.List()
	if err != nil || len(infos) != 0 {
		t.Fatalf("List = %v, %v; want empty", infos, err)
	}
	_, err = v.Get("github")
	wantErr(t, "Get", err, ErrNotFound)
	wantErr(t, "Delete", v.Delete("github"), ErrNotFound)
	if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("reads created the file: %v", err)
	}
	mustPut(t, v, "github", entry(nil, false, "T", "x"))
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("Put did not create the file: %v", err)
	}
}

func TestMissingDirectoryIsNotCreated(t *testing.T) {
	path := filepath.Join(t.TempDir(), "gone", "credentials.enc.json")
	v := mustOpen(t, path, "acme", passA)
	if err := v.Put("github", entry(nil, false, "T", "x")); err == nil {
		t.Fatal("Put into a missing directory succeeded")
	}
}

func TestNoPassphrase(t *testing.T) {
	path := vaultPath(t)
	for _, p := range [][]byte{nil, {}} {
		_, err := Open(path, "acme", p, testOpts)
		wantErr(t, "Open", err, ErrNoPassphrase)
	}
	v := mustOpen(t, path, "acme", passA)
	wantErr(t, "Rotate", v.Rotate(nil), ErrNoPassphrase)
}

func TestWrongPassphrase(t *testing.T) {
	t.Run("with entries", func(t *testing.T) {
		path := vaultPath(t)
		mustPut(t, mustOpen(t, path, "acme", passA), "github", entry(nil, false, "T", "x"))
		before := readBytes(t, path)
		_, err := Open(path, "acme", []byte(passB), testOpts)
		wantErr(t, "Open", err, ErrWrongPassphrase)
		assertUnchanged(t, path, before)
	})
	t.Run("no entries", func(t *testing.T) {
		path := vaultPath(t)
		v := mustOpen(t, path, "acme", passA)
		mustPut(t, v, "github", entry(nil, false, "T", "x"))
		if err := v.Delete("github"); err != nil {
			t.Fatal(err)
		}
		_, err := Open(path, "acme", []byte(passB), testOpts)
		wantErr(t, "Open of an empty vault", err, ErrWrongPassphrase)
	})
	t.Run("rotated by another holder", func(t *testing.T) {
		path := vaultPath(t)
		stale := mustOpen(t, path, "acme", passA)
		mustPut(t, stale, "github", entry(nil, false, "T", "x"))
		if err := mustOpen(t, path, "acme", passA).Rotate([]byte(passB)); err != nil {
			t.Fatal(err)
		}
		before := readBytes(t, path)
		wantErr(t, "Put with the old passphrase", stale.Put("other", entry(nil, false, "T", "y")), ErrWrongPassphrase)
		_, err := stale.Get("github")
		wantErr(t, "Get with the old passphrase", err, ErrWrongPassphrase)
		assertUnchanged(t, path, before)
	})
}

func TestRotate(t *testing.T) {
	path := vaultPath(t)
	v := mustOpen(t, path, "acme", passA)
	mustPut(t, v, "github", entry([]string{"api.github.com"}, true, "GITHUB_TOKEN", "tok-1"))
	mustPut(t, v, "db", entry(nil, false, "PGPASSWORD", "pw-2", "PGUSER", "u"))
	oldSalt := readSalt(t, path)
	if err := v.Rotate([]byte(passB)); err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(readSalt(t, path), oldSalt) {
		t.Error("Rotate kept the salt")
	}
	_, err := Open(path, "acme", []byte(passA), testOpts)
	wantErr(t, "Open with the old passphrase", err, ErrWrongPassphrase)
	for _, holder := range []*Vault{v, mustOpen(t, path, "acme", passB)} {
		gh, err := holder.Get("github")
		if err != nil {
			t.Fatal(err)
		}
		if values(gh)["GITHUB_TOKEN"] != "tok-1" || !gh.ToBash || !slices.Equal(gh.Hosts, []string{"api.github.com"}) {
			t.Errorf("github after Rotate = %v", gh)
		}
		db, err := holder.Get("db")
		if err != nil || !maps.Equal(values(db), map[string]string{"PGPASSWORD": "pw-2", "PGUSER": "u"}) {
			t.Errorf("db after Rotate = %v, %v", db, err)
		}
	}
	// The rotated Vault keeps writing under the new passphrase.
	mustPut(t, v, "more", entry(nil, false, "K", "v"))
	if _, err := mustOpen(t, path, "acme", passB).Get("more"); err != nil {
		t.Fatal(err)
	}
}

func TestRotateMissingFileCreatesVerifier(t *testing.T) {
	path := vaultPath(t)
	if err := mustOpen(t, path, "acme", passA).Rotate([]byte(passB)); err != nil {
		t.Fatal(err)
	}
	_, err := Open(path, "acme", []byte(passA), testOpts)
	wantErr(t, "Open with the old passphrase", err, ErrWrongPassphrase)
	mustOpen(t, path, "acme", passB)
}

func TestRotateRefusesTamperedVault(t *testing.T) {
	path := vaultPath(t)
	v := mustOpen(t, path, "acme", passA)
	mustPut(t, v, "a", entry(nil, false, "K", "1"))
	mustPut(t, v, "b", entry(nil, false, "K", "2"))
	editJSON(t, path, func(j *fileJSON) { j.Entries["a"], j.Entries["b"] = j.Entries["b"], j.Entries["a"] })
	before := readBytes(t, path)
	wantErr(t, "Rotate", v.Rotate([]byte(passB)), ErrTampered)
	assertUnchanged(t, path, before)
	mustOpen(t, path, "acme", passA) // still the old passphrase
}

func TestReseal(t *testing.T) {
	path := vaultPath(t)
	v := mustOpen(t, path, "old-id", passA)
	mustPut(t, v, "github", entry([]string{"api.github.com"}, false, "GITHUB_TOKEN", "tok"))
	salt := readSalt(t, path)
	if err := v.Reseal("new-id"); err != nil {
		t.Fatal(err)
	}
	if v.Workspace() != "new-id" {
		t.Errorf("Workspace() = %q", v.Workspace())
	}
	if !bytes.Equal(readSalt(t, path), salt) {
		t.Error("Reseal changed the salt: the passphrase and key stay")
	}
	_, err := Open(path, "old-id", []byte(passA), testOpts)
	wantErr(t, "Open under the old id", err, ErrWorkspaceMismatch)
	w := mustOpen(t, path, "new-id", passA)
	for _, holder := range []*Vault{v, w} {
		e, err := holder.Get("github")
		if err != nil || values(e)["GITHUB_TOKEN"] != "tok" {
			t.Fatalf("Get after Reseal = %v, %v", e, err)
		}
	}
	wantErr(t, "Reseal to a bad id", v.Reseal("../x"), ErrInvalid)
}

func TestKDFUpgradeOnWrite(t *testing.T) {
	path := vaultPath(t)
	mustPut(t, mustOpen(t, path, "acme", passA), "old", entry(nil, false, "K", "kept"))
	stronger := KDFParams{MemoryKiB: 24 << 10, Iterations: 2, Parallelism: 2}
	v, err := Open(path, "acme", []byte(passA), Options{KDF: stronger})
	if err != nil {
		t.Fatal(err)
	}
	defer v.Close()
	if e, err := v.Get("old"); err != nil || values(e)["K"] != "kept" {
		t.Fatalf("Get with the file's old parameters = %v, %v", e, err)
	}
	if got := readKDF(t, path); got != testKDF {
		t.Fatalf("a read changed the parameters to %+v", got)
	}
	salt := readSalt(t, path)
	mustPut(t, v, "new", entry(nil, false, "K", "added"))
	if got := readKDF(t, path); got != stronger {
		t.Fatalf("parameters after a write = %+v, want %+v", got, stronger)
	}
	if bytes.Equal(readSalt(t, path), salt) {
		t.Error("the upgrade kept the salt")
	}
	// A Vault with weaker target parameters reads the upgraded file and
	// does not downgrade it.
	w := mustOpen(t, path, "acme", passA)
	for name, want := range map[string]string{"old": "kept", "new": "added"} {
		e, err := w.Get(name)
		if err != nil || values(e)["K"] != want {
			t.Fatalf("Get(%s) after upgrade = %v, %v", name, e, err)
		}
	}
	mustPut(t, w, "third", entry(nil, false, "K", "x"))
	if got := readKDF(t, path); got != stronger {
		t.Fatalf("a weaker writer changed the parameters to %+v", got)
	}
}

func TestOptionsValidation(t *testing.T) {
	path := vaultPath(t)
	bad := []Options{
		{KDF: KDFParams{MemoryKiB: 19 << 10, Iterations: 1, Parallelism: 1}}, // below m×t floor
		{KDF: KDFParams{MemoryKiB: 6 << 10, Iterations: 8, Parallelism: 1}},  // below the memory floor
		{KDF: KDFParams{MemoryKiB: 64 << 10, Iterations: 3, Parallelism: 0}},
		{KDF: KDFParams{MemoryKiB: 2 << 20, Iterations: 1, Parallelism: 1}}, // above MaxKDFMemoryKiB
		{KDF: testKDF, Limits: Limits{MaxEntries: -1}},
		{KDF: testKDF, Limits: Limits{LockTimeout: -1}},
	}
	for _, o := range bad {
		if _, err := Open(path, "acme", []byte(passA), o); !errors.Is(err, ErrInvalid) {
			t.Errorf("Open(%+v) = %v, want ErrInvalid", o, err)
		}
	}
	if _, err := Open(path, "../acme", []byte(passA), testOpts); !errors.Is(err, ErrInvalid) {
		t.Errorf("Open with a bad workspace id = %v", err)
	}
	// Each row of OWASP's table is accepted.
	for _, p := range []KDFParams{{46 << 10, 1, 1}, {19 << 10, 2, 1}, {12 << 10, 3, 1}, {9 << 10, 4, 1}, {7 << 10, 5, 1}} {
		if err := p.checkTarget(Limits{}.withDefaults()); err != nil {
			t.Errorf("OWASP row %+v refused: %v", p, err)
		}
	}
}

func TestClosed(t *testing.T) {
	path := vaultPath(t)
	v := mustOpen(t, path, "acme", passA)
	mustPut(t, v, "github", entry(nil, false, "T", "x"))
	v.Close()
	v.Close()
	_, err := v.Get("github")
	wantErr(t, "Get", err, ErrClosed)
	_, err = v.List()
	wantErr(t, "List", err, ErrClosed)
	wantErr(t, "Put", v.Put("x", entry(nil, false, "T", "x")), ErrClosed)
	wantErr(t, "Delete", v.Delete("github"), ErrClosed)
	wantErr(t, "Rotate", v.Rotate([]byte(passB)), ErrClosed)
	wantErr(t, "Reseal", v.Reseal("other"), ErrClosed)
}

func TestStaleTemporaryFilesRemoved(t *testing.T) {
	path := vaultPath(t)
	v := mustOpen(t, path, "acme", passA)
	stale := filepath.Join(filepath.Dir(path), ".credentials.enc.json.tmp-12345")
	writeBytes(t, stale, []byte("half a vault"))
	mustPut(t, v, "github", entry(nil, false, "T", "x"))
	if _, err := os.Stat(stale); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("stale temporary file left: %v", err)
	}
}

func TestGetZero(t *testing.T) {
	path := vaultPath(t)
	v := mustOpen(t, path, "acme", passA)
	mustPut(t, v, "github", entry(nil, false, "A", "secret-a", "B", "secret-b"))
	e, err := v.Get("github")
	if err != nil {
		t.Fatal(err)
	}
	held := []Secret{e.Values["A"], e.Values["B"]}
	e.Zero()
	if e.Values != nil {
		t.Error("Zero kept the map")
	}
	for _, s := range held {
		if len(s) == 0 || !bytes.Equal(s, make([]byte, len(s))) {
			t.Errorf("value not zeroed: %d bytes", len(s))
		}
	}
	// The vault still holds the value: Get returned copies.
	again, _ := v.Get("github")
	if values(again)["A"] != "secret-a" {
		t.Error("zeroing a Get result damaged the vault")
	}
}

// readSalt returns the kdf.salt field of the file at path.
func readSalt(t *testing.T, path string) []byte {
	t.Helper()
	f, err := decodeFile(readBytes(t, path), Limits{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	return f.salt
}

// readKDF returns the KDF parameters of the file at path.
func readKDF(t *testing.T, path string) KDFParams {
	t.Helper()
	f, err := decodeFile(readBytes(t, path), Limits{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	return f.kdf
}

// TestConcurrentVaultsInOneProcess has goroutines write through two Vaults
// of the same file (as two components of one process might) while others
// read: the lock file serialises the Vaults as it does processes, and no
// write is lost.
func TestConcurrentVaultsInOneProcess(t *testing.T) {
	path := vaultPath(t)
	vaults := []*Vault{mustOpen(t, path, "acme", passA), mustOpen(t, path, "acme", passA)}
	const perWriter = 10
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			v := vaults[w%2]
			for i := range perWriter {
				name := fmt.Sprintf("w%d-%d", w, i)
				if err := v.Put(name, entry(nil, false, "K", name)); err != nil {
					t.Error(err)
					return
				}
				if e, err := vaults[(w+1)%2].Get(name); err != nil || string(e.Values["K"]) != name {
					t.Errorf("Get(%s) through the other Vault = %v, %v", name, e, err)
				}
				if _, err := v.List(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	infos, err := vaults[0].List()
	if err != nil || len(infos) != 4*perWriter {
		t.Fatalf("List = %d entries, %v; want %d", len(infos), err, 4*perWriter)
	}
}
