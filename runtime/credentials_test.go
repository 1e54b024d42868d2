package runtime

import (
	"errors"
	"os"
	"path/filepath"
	"testing"

	"github.com/bulkhead-dev/bulkhead/vault"
)

func newCredPlatform(t *testing.T, dir, pass string) *Platform {
	t.Helper()
	p, err := NewPlatform(Options{StateDir: dir, CredentialPassphrase: []byte(pass)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// TestCredentials: each workspace has its own vault; a platform without a
// passphrase says so; deleting a workspace removes its vault.
func TestCredentials(t *testing.T) {
	dir := t.TempDir()
	p := newCredPlatform(t, dir, "correct horse")
	a, b := newTestWorkspace(t, p, "a"), newTestWorkspace(t, p, "b")
	va, err := a.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	if err := va.Put("github", vault.Entry{Values: map[string]vault.Secret{"GITHUB_TOKEN": vault.Secret("ghp_a")}, Hosts: []string{"api.github.com"}}); err != nil {
		t.Fatal(err)
	}
	vb, err := b.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := vb.Get("github"); !errors.Is(err, vault.ErrNotFound) {
		t.Fatalf("workspace b sees a's entry: %v", err)
	}
	if again, _ := a.Credentials(); again != va {
		t.Error("the vault was opened again instead of kept")
	}
	e, err := va.Get("github")
	if err != nil || string(e.Values["GITHUB_TOKEN"]) != "ghp_a" {
		t.Fatalf("Get = %v, %v", e, err)
	}
	// A platform without a passphrase: a clear error, runs unaffected.
	bare := newTestPlatform(t)
	w := newTestWorkspace(t, bare, "w")
	if _, err := w.Credentials(); !errors.Is(err, ErrNoPassphrase) {
		t.Fatalf("without a passphrase: %v", err)
	}
	if err := p.DeleteWorkspace("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "workspaces", "a", credentialsFile)); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("vault file after delete: %v", err)
	}
}

// TestRotateCredentials: every workspace's vault is re-sealed under the
// new passphrase; running it again after an interruption finishes the
// job; the old passphrase no longer opens anything.
func TestRotateCredentials(t *testing.T) {
	dir := t.TempDir()
	p := newCredPlatform(t, dir, "old pass")
	for _, id := range []string{"a", "b", "c"} {
		w := newTestWorkspace(t, p, id)
		if id == "c" {
			continue // no vault file
		}
		v, err := w.Credentials()
		if err != nil {
			t.Fatal(err)
		}
		if err := v.Put("db", vault.Entry{Values: map[string]vault.Secret{"DB_URL": vault.Secret("postgres://" + id)}}); err != nil {
			t.Fatal(err)
		}
	}
	// An interrupted rotation: b already has the new passphrase.
	vb, _ := vault.Open(filepath.Join(dir, "workspaces", "b", credentialsFile), "b", []byte("old pass"), vault.Options{})
	if err := vb.Rotate([]byte("new pass")); err != nil {
		t.Fatal(err)
	}
	vb.Close()
	p.vaults.forget("b")
	res, err := p.RotateCredentials([]byte("new pass"))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "rotated", "b": "already", "c": "empty"}
	for _, r := range res {
		if want[r.Workspace] != r.Status {
			t.Errorf("%s: %s (%s), want %s", r.Workspace, r.Status, r.Error, want[r.Workspace])
		}
	}
	p.Close()
	fresh := newCredPlatform(t, dir, "new pass")
	for _, id := range []string{"a", "b"} {
		w, _ := fresh.Workspace(id)
		v, err := w.Credentials()
		if err != nil {
			t.Fatalf("%s with the new passphrase: %v", id, err)
		}
		if e, err := v.Get("db"); err != nil || string(e.Values["DB_URL"]) != "postgres://"+id {
			t.Fatalf("%s: %v %v", id, e, err)
		}
	}
	stale := newCredPlatform(t, dir, "old pass")
	w, _ := stale.Workspace("a")
	if _, err := w.Credentials(); !errors.Is(err, vault.ErrWrongPassphrase) {
		t.Fatalf("old passphrase after rotation: %v", err)
	}
}
