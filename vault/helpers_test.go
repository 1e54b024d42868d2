package vault

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"testing"
)

// testKDF is OWASP's minimum Argon2id configuration (m=19 MiB, t=2, p=1):
// the cheapest parameters Options accepts, to keep tests quick.
var testKDF = KDFParams{MemoryKiB: 19 << 10, Iterations: 2, Parallelism: 1}

var testOpts = Options{KDF: testKDF}

const (
	passA = "correct horse battery staple"
	passB = "a completely different passphrase"
)

// vaultPath returns the vault path inside a new workspace directory.
func vaultPath(t testing.TB) string {
	t.Helper()
	return filepath.Join(t.TempDir(), "credentials.enc.json")
}

// mustOpen opens path for ws with passphrase and testOpts, closing the
// Vault at the end of the test.
func mustOpen(t testing.TB, path, ws, passphrase string) *Vault {
	t.Helper()
	v, err := Open(path, ws, []byte(passphrase), testOpts)
	if err != nil {
		t.Fatalf("Open(%s, %s) = %v", path, ws, err)
	}
	t.Cleanup(func() { v.Close() })
	return v
}

// entry builds an Entry from key/value pairs.
func entry(hosts []string, toBash bool, kv ...string) Entry {
	e := Entry{Values: map[string]Secret{}, Hosts: hosts, ToBash: toBash}
	for i := 0; i+1 < len(kv); i += 2 {
		e.Values[kv[i]] = Secret(kv[i+1])
	}
	return e
}

func mustPut(t testing.TB, v *Vault, name string, e Entry) {
	t.Helper()
	if err := v.Put(name, e); err != nil {
		t.Fatalf("Put(%s) = %v", name, err)
	}
}

// values returns e's values as strings.
func values(e Entry) map[string]string {
	m := map[string]string{}
	for k, v := range e.Values {
		m[k] = string(v)
	}
	return m
}

func readBytes(t testing.TB, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func writeBytes(t testing.TB, path string, b []byte) {
	t.Helper()
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// editJSON rewrites the vault file at path through its JSON form.
func editJSON(t testing.TB, path string, edit func(j *fileJSON)) {
	t.Helper()
	var j fileJSON
	if err := json.Unmarshal(readBytes(t, path), &j); err != nil {
		t.Fatal(err)
	}
	edit(&j)
	b, err := json.Marshal(j)
	if err != nil {
		t.Fatal(err)
	}
	writeBytes(t, path, b)
}

// wantErr fails unless err wraps target.
func wantErr(t testing.TB, what string, err, target error) {
	t.Helper()
	if !errors.Is(err, target) {
		t.Fatalf("%s: error = %v, want %v", what, err, target)
	}
}

// assertUnchanged fails if the file at path no longer holds want.
func assertUnchanged(t testing.TB, path string, want []byte) {
	t.Helper()
	if got := readBytes(t, path); !bytes.Equal(got, want) {
		t.Fatalf("file %s was rewritten", path)
	}
}

// cheapKDF is far below what Options accepts, but a file may hold it (a
// Vault reads any parameters Argon2id can run with and upgrades them on
// its next write): tests that derive hundreds of keys write such files
// with writeCheapVault.
var cheapKDF = KDFParams{MemoryKiB: 64, Iterations: 1, Parallelism: 1}

// writeCheapVault writes sealCheapVault's file to path.
func writeCheapVault(t testing.TB, path, ws, passphrase string, entries map[string]Entry) {
	t.Helper()
	writeBytes(t, path, sealCheapVault(ws, passphrase, entries))
}

// sealCheapVault returns a vault file for ws sealed with cheapKDF under
// passphrase, holding entries, made by the package's own encoder. It
// panics on an invalid entry.
func sealCheapVault(ws, passphrase string, entries map[string]Entry) []byte {
	k, err := deriveKey([]byte(passphrase), newSalt(), cheapKDF)
	if err != nil {
		panic(err)
	}
	f := &file{workspace: ws, kdf: k.params, salt: k.salt, check: sealCheck(k.aead), entries: map[string][]byte{}}
	for name, e := range entries {
		e, err := normalize(name, e, Limits{}.withDefaults())
		if err != nil {
			panic(err)
		}
		f.entries[name] = sealRaw(k.aead, ws, name, encodePayload(e))
	}
	return f.encode()
}
