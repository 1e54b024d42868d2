package runtime

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"sync"

	"github.com/bulkhead-dev/bulkhead/vault"
)

// ErrNoPassphrase is wrapped by the credential calls of a platform opened
// without Options.CredentialPassphrase. The CLI reads the passphrase from
// BULKHEAD_CREDENTIAL_KEY.
var ErrNoPassphrase = vault.ErrNoPassphrase

// vaults keeps each workspace's open vault, so the Argon2id derivation
// (0.1-0.2 s, 64 MiB) happens once per workspace and process, and limits
// how many derivations run at once.
type vaults struct {
	pass []byte

	mu   sync.Mutex
	open map[string]*vault.Vault // by workspace id
	kdf  chan struct{}           // one token per derivation in progress
}

// maxConcurrentKDF is how many vaults may derive their key at once: each
// derivation holds 64 MiB.
const maxConcurrentKDF = 2

func newVaults(pass []byte) *vaults {
	return &vaults{pass: append([]byte(nil), pass...), open: map[string]*vault.Vault{}, kdf: make(chan struct{}, maxConcurrentKDF)}
}

// get returns workspace w's vault, opening it on first use.
func (vs *vaults) get(w *Workspace) (*vault.Vault, error) {
	if len(vs.pass) == 0 {
		return nil, fmt.Errorf("credentials of workspace %s: %w", w.id, ErrNoPassphrase)
	}
	vs.mu.Lock()
	v := vs.open[w.id]
	vs.mu.Unlock()
	if v != nil {
		return v, nil
	}
	vs.kdf <- struct{}{}
	v, err := vault.Open(w.layout().credentials(), w.id, vs.pass, vault.Options{})
	<-vs.kdf
	if err != nil {
		return nil, fmt.Errorf("credentials of workspace %s: %w", w.id, err)
	}
	vs.mu.Lock()
	defer vs.mu.Unlock()
	if prev := vs.open[w.id]; prev != nil {
		v.Close()
		return prev, nil
	}
	vs.open[w.id] = v
	return v, nil
}

// forget closes and drops workspace id's vault (it is being deleted).
func (vs *vaults) forget(id string) {
	vs.mu.Lock()
	v := vs.open[id]
	delete(vs.open, id)
	vs.mu.Unlock()
	if v != nil {
		v.Close()
	}
}

// close closes every vault and zeroes the passphrase.
func (vs *vaults) close() {
	vs.mu.Lock()
	defer vs.mu.Unlock()
	for id, v := range vs.open {
		v.Close()
		delete(vs.open, id)
	}
	clear(vs.pass)
}

// Credentials returns the workspace's credential vault
// (<dir>/credentials.enc.json): entries name → {KEY: value} that skills
// declaring them, and bash when an entry allows it, receive. Values are
// decrypted only in the host; see package vault.
//
// Errors: ErrNoPassphrase when the platform has no
// Options.CredentialPassphrase; vault.ErrWrongPassphrase and the other
// errors of vault.Open.
func (w *Workspace) Credentials() (*vault.Vault, error) {
	if err := w.p.checkOpen(); err != nil {
		return nil, err
	}
	return w.p.vaults.get(w)
}

// RotationResult is the outcome of rotating one workspace's vault.
type RotationResult struct {
	Workspace string `json:"workspace"`
	// Status is "rotated", "already" (it opens with the new passphrase:
	// an earlier, interrupted rotation got to it), "empty" (no vault
	// file) or "failed".
	Status string `json:"status"`
	Error  string `json:"error,omitempty"`
}

// RotateCredentials re-seals every workspace's vault under newPassphrase,
// each file atomically (a crash leaves each with the old or the new
// passphrase, never a mix). It is safe to run again after an interrupted
// rotation: vaults that already open with the new passphrase are
// reported "already". The platform keeps using the old passphrase until
// it is reopened with the new one.
func (p *Platform) RotateCredentials(newPassphrase []byte) ([]RotationResult, error) {
	ids, err := p.Workspaces()
	if err != nil {
		return nil, err
	}
	if len(newPassphrase) == 0 {
		return nil, fmt.Errorf("rotate credentials: the new passphrase is empty: %w", ErrNoPassphrase)
	}
	var out []RotationResult
	var errs []error
	for _, id := range ids {
		r := p.rotateOne(id, newPassphrase)
		if r.Status == "failed" {
			errs = append(errs, fmt.Errorf("workspace %s: %s", id, r.Error))
		}
		out = append(out, r)
	}
	return out, errors.Join(errs...)
}

// rotateOne rotates workspace id's vault, if it has one.
func (p *Platform) rotateOne(id string, newPassphrase []byte) RotationResult {
	res := RotationResult{Workspace: id}
	w, err := p.Workspace(id)
	if err != nil {
		res.Status, res.Error = "failed", err.Error()
		return res
	}
	path := w.layout().credentials()
	if _, err := os.Lstat(path); errors.Is(err, fs.ErrNotExist) {
		res.Status = "empty"
		return res
	}
	v, err := p.vaults.get(w)
	if errors.Is(err, vault.ErrWrongPassphrase) {
		if nv, nerr := vault.Open(path, id, newPassphrase, vault.Options{}); nerr == nil {
			nv.Close()
			res.Status = "already"
			return res
		}
	}
	if err == nil {
		err = v.Rotate(newPassphrase)
		p.vaults.forget(id) // it holds the old passphrase
	}
	if err != nil {
		res.Status, res.Error = "failed", err.Error()
		return res
	}
	res.Status = "rotated"
	return res
}
