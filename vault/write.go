package vault

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"slices"
	"time"

	"github.com/gofrs/flock"

	"github.com/bulkhead-dev/bulkhead/internal/atomicfile"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

const (
	filePerm   = 0o600
	lockSuffix = ".lock"
	lockRetry  = 10 * time.Millisecond
)

// Put stores e as entry name, replacing any entry of that name whole. The
// caller keeps ownership of e's values (Put copies them into a sealed
// payload and zeroes its copy).
//
// Names follow the id rule (package ids); e needs at least one key; keys,
// values and hosts follow the rules given at Entry; counts and sizes are
// bounded by Limits. Errors: ErrInvalid and ErrLimit naming the entry and
// the key or host (never a value), the errors of a write (see the package
// documentation, "Writes").
func (v *Vault) Put(name string, e Entry) error {
	e, err := normalize(name, e, v.opts.Limits)
	if err != nil {
		return fmt.Errorf("vault %s: %w", v.path, err)
	}
	payload := encodePayload(e)
	defer clear(payload)
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.update(func(f *file, k *key) (*key, error) {
		if _, ok := f.entries[name]; !ok && len(f.entries) >= v.opts.Limits.MaxEntries {
			return nil, fmt.Errorf("%w: %d entries already, the most a vault holds", ErrLimit, len(f.entries))
		}
		f.entries[name] = sealRaw(k.aead, f.workspace, name, payload)
		return k, nil
	})
}

// Delete removes entry name without opening it (so it also removes an
// entry that no longer authenticates). Errors: ErrNotFound, ErrInvalid, the
// errors of a write.
func (v *Vault) Delete(name string) error {
	if err := ids.Validate("credential", name); err != nil {
		return fmt.Errorf("vault %s: %w: %w", v.path, ErrInvalid, err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.update(func(f *file, k *key) (*key, error) {
		if _, ok := f.entries[name]; !ok {
			return nil, fmt.Errorf("entry %q: %w", name, ErrNotFound)
		}
		delete(f.entries, name)
		return k, nil
	})
}

// Rotate re-seals every entry under a key derived from newPassphrase with
// a new salt and Options.KDF, in one atomic replacement of the file: a
// crash leaves the old file (old passphrase) or the new one, never a mix.
// On success the Vault holds the new passphrase. A missing file is created
// empty under the new passphrase, so that a wrong one is detected later.
//
// Errors: ErrNoPassphrase for an empty newPassphrase, ErrTampered naming
// the first entry that does not open (nothing is written), the errors of
// a write.
func (v *Vault) Rotate(newPassphrase []byte) error {
	if len(newPassphrase) == 0 {
		return fmt.Errorf("vault %s: new passphrase: %w", v.path, ErrNoPassphrase)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	err := v.update(func(f *file, k *key) (*key, error) {
		nk, err := deriveKey(newPassphrase, newSalt(), v.opts.KDF)
		if err != nil {
			return nil, err
		}
		return nk, rekey(f, k, nk, f.workspace)
	})
	if err != nil {
		return err
	}
	clear(v.passphrase)
	v.passphrase = slices.Clone(newPassphrase)
	return nil
}

// Reseal re-seals every entry for workspace workspaceID, the key and
// passphrase unchanged, in one atomic replacement of the file; the Vault
// is bound to workspaceID afterwards. Import under a new id uses it on the
// unpacked file before moving it into place: it needs the passphrase the
// Vault was opened with.
//
// Errors: ErrInvalid for a bad id, ErrTampered naming the first entry
// that does not open (nothing is written), the errors of a write.
func (v *Vault) Reseal(workspaceID string) error {
	if err := ids.Validate("workspace", workspaceID); err != nil {
		return fmt.Errorf("vault %s: %w: %w", v.path, ErrInvalid, err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	err := v.update(func(f *file, k *key) (*key, error) {
		return k, rekey(f, k, k, workspaceID)
	})
	if err != nil {
		return err
	}
	v.workspace = workspaceID
	return nil
}

// rekey re-seals every entry of f, sealed under k for f.workspace, under
// nk for workspace, and sets f's header to nk and workspace. On error f is
// unchanged. Each plaintext is zeroed once re-sealed.
func rekey(f *file, k, nk *key, workspace string) error {
	entries := make(map[string][]byte, len(f.entries))
	for name, sealed := range f.entries {
		plain, err := openRaw(k.aead, f.workspace, name, sealed)
		if err != nil {
			return err
		}
		entries[name] = sealRaw(nk.aead, workspace, name, plain)
		clear(plain)
	}
	f.entries, f.workspace = entries, workspace
	f.kdf, f.salt, f.check = nk.params, nk.salt, sealCheck(nk.aead)
	return nil
}

// update is the read-modify-write of every write. Holding the lock file,
// it removes temporary files of killed writers, loads the file (a missing
// one is an empty vault under the Vault's key), calls change with the file
// and its key, upgrades the KDF parameters when the file's cost less than
// Options.KDF and every entry opens, and atomically replaces the file
// (mode 0600). change returns the key the file is sealed under afterwards;
// an error from it writes nothing. v.mu must be held.
func (v *Vault) update(change func(f *file, k *key) (*key, error)) error {
	if v.closed {
		return fmt.Errorf("vault %s: %w", v.path, ErrClosed)
	}
	unlock, err := v.lock()
	if err != nil {
		return err
	}
	defer unlock()
	if err := atomicfile.RemoveTemps(v.path); err != nil {
		return fmt.Errorf("vault %s: %w", v.path, err)
	}
	f, err := v.load(false)
	var k *key
	switch {
	case errors.Is(err, fs.ErrNotExist):
		k = v.key
		f = &file{workspace: v.workspace, kdf: k.params, salt: k.salt, check: sealCheck(k.aead), entries: map[string][]byte{}}
	case err != nil:
		return err
	default:
		if k, err = v.keyFor(f); err != nil {
			return err
		}
	}
	if k, err = change(f, k); err != nil {
		return fmt.Errorf("vault %s: %w", v.path, err)
	}
	if f.kdf.cost() < v.opts.KDF.cost() {
		// The upgrade is opportunistic: an entry that no longer opens
		// leaves f as it was, and the write goes on without it, so
		// that Delete can still remove broken entries one by one.
		nk, err := deriveKey(v.passphrase, newSalt(), v.opts.KDF)
		if err != nil {
			return fmt.Errorf("vault %s: %w", v.path, err)
		}
		if rekey(f, k, nk, f.workspace) == nil {
			k = nk
		}
	}
	data := f.encode()
	if int64(len(data)) > v.opts.Limits.MaxFileBytes {
		return fmt.Errorf("vault %s: %w: the file would be %d bytes, more than %d", v.path, ErrLimit, len(data), v.opts.Limits.MaxFileBytes)
	}
	if err := atomicfile.WriteFile(v.path, data, filePerm); err != nil {
		return fmt.Errorf("vault %s: %w", v.path, err)
	}
	v.key = k
	v.seen, v.seenFile = data, f
	return nil
}

// lock takes the exclusive flock(2) on the lock file beside the vault
// file, waiting at most Limits.LockTimeout, and returns its release.
func (v *Vault) lock() (func(), error) {
	path := v.path + lockSuffix
	ctx, cancel := context.WithTimeout(context.Background(), v.opts.Limits.LockTimeout)
	defer cancel()
	fl := flock.New(path, flock.SetPermissions(filePerm))
	ok, err := fl.TryLockContext(ctx, lockRetry)
	if err != nil && !errors.Is(err, context.DeadlineExceeded) {
		return nil, fmt.Errorf("vault %s: lock file %s: %w", v.path, path, err)
	}
	if !ok {
		return nil, fmt.Errorf("vault %s: %w: lock file %s still held after %v (Limits.LockTimeout)",
			v.path, ErrLimit, path, v.opts.Limits.LockTimeout)
	}
	return func() { fl.Unlock() }, nil
}
