package vault

import (
	"bytes"
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"
	"sync"

	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// Vault is the credential vault of one workspace: a sealed file at a path
// the caller chooses, and the key derived from the passphrase. Its methods
// are safe for concurrent use; they run one at a time within a Vault (a
// Get takes microseconds). Other processes may open the same file: writes
// are serialised by a lock file beside it, and readers see whole files
// only (see the package documentation, "Concurrency").
type Vault struct {
	path string
	opts Options

	mu         sync.Mutex
	workspace  string
	passphrase []byte // a copy, zeroed by Close
	key        *key   // the key of the file last seen, or of the file to create
	closed     bool
	// seen and seenFile are the bytes of the file last decoded for a
	// read and their decoding (ciphertexts only), reused while the file
	// holds the same bytes.
	seen     []byte
	seenFile *file
}

// Open opens the vault file at path for workspace workspaceID, deriving
// the key from passphrase once, and returns the Vault that holds it. A
// missing file is an empty vault; the first write creates it (the
// directory must exist: a Vault never recreates a removed workspace).
//
// Errors: ErrNoPassphrase for an empty passphrase, ErrInvalid for a bad
// workspace id or Options, ErrWorkspaceMismatch when the file names
// another workspace, ErrWrongPassphrase, ErrMalformed,
// ErrUnsupportedVersion, ErrLimit, or the error of reading the file.
//
// # Notes
//
//   - Open copies passphrase; the caller may zero its own. The copy is
//     kept (and zeroed by Close) so that the Vault can re-derive the key
//     when another process re-keys the file (a parameter upgrade, or the
//     first write of a vault that two processes opened while it did not
//     exist).
//   - Open of an existing file costs one Argon2id derivation with the
//     file's parameters (0.1 to 0.2 s and 64 MiB with DefaultKDF on two
//     cores; see docs/benchmarks.md); a missing file costs one with
//     Options.KDF. Open once per workspace and keep the Vault.
//   - A missing file cannot tell a wrong passphrase: the first write
//     seals under whatever passphrase the Vault holds.
func Open(path, workspaceID string, passphrase []byte, opts Options) (*Vault, error) {
	if len(passphrase) == 0 {
		return nil, fmt.Errorf("vault %s: %w", path, ErrNoPassphrase)
	}
	if err := ids.Validate("workspace", workspaceID); err != nil {
		return nil, fmt.Errorf("vault %s: %w: %w", path, ErrInvalid, err)
	}
	opts, err := opts.resolve()
	if err != nil {
		return nil, fmt.Errorf("vault %s: %w", path, err)
	}
	v := &Vault{path: path, opts: opts, workspace: workspaceID, passphrase: slices.Clone(passphrase)}
	f, err := v.load(true)
	if errors.Is(err, fs.ErrNotExist) {
		v.key, err = deriveKey(v.passphrase, newSalt(), opts.KDF)
	} else if err == nil {
		_, err = v.keyFor(f)
	}
	if err != nil {
		clear(v.passphrase)
		return nil, err
	}
	return v, nil
}

// Path returns the vault file's path.
func (v *Vault) Path() string { return v.path }

// Workspace returns the workspace id the vault is bound to (changed by
// Reseal).
func (v *Vault) Workspace() string {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.workspace
}

// Close zeroes the Vault's copy of the passphrase and drops the key; later
// calls fail with ErrClosed. Close is idempotent.
//
// # Notes
//
// The derived key bytes are zeroed right after key setup; the AES key
// schedule inside crypto/aes cannot be, and is left to the garbage
// collector.
func (v *Vault) Close() error {
	v.mu.Lock()
	defer v.mu.Unlock()
	clear(v.passphrase)
	v.passphrase, v.key, v.closed = nil, nil, true
	v.seen, v.seenFile = nil, nil
	return nil
}

// Get returns the entry name, opened. The caller zeroes it with
// Entry.Zero when done. Get reads the file without taking the lock; it
// derives nothing unless another process re-keyed the file since.
//
// Errors: ErrNotFound, ErrTampered naming the entry, ErrInvalid for a bad
// name, the errors of Open when the file changed, ErrClosed.
func (v *Vault) Get(name string) (Entry, error) {
	if err := ids.Validate("credential", name); err != nil {
		return Entry{}, fmt.Errorf("vault %s: %w: %w", v.path, ErrInvalid, err)
	}
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return Entry{}, fmt.Errorf("vault %s: %w", v.path, ErrClosed)
	}
	f, err := v.load(true)
	if errors.Is(err, fs.ErrNotExist) {
		return Entry{}, fmt.Errorf("vault %s: entry %q: %w", v.path, name, ErrNotFound)
	}
	if err != nil {
		return Entry{}, err
	}
	k, err := v.keyFor(f)
	if err != nil {
		return Entry{}, err
	}
	sealed, ok := f.entries[name]
	if !ok {
		return Entry{}, fmt.Errorf("vault %s: entry %q: %w", v.path, name, ErrNotFound)
	}
	e, err := v.openEntry(k, name, sealed)
	if err != nil {
		return Entry{}, fmt.Errorf("vault %s: %w", v.path, err)
	}
	return e, nil
}

// List returns every entry's name, keys and metadata, sorted by name,
// never a value. It opens every entry (values are zeroed at once), so a
// tampered entry fails the whole List with ErrTampered naming it; Delete
// removes such an entry without opening it.
func (v *Vault) List() ([]Info, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	if v.closed {
		return nil, fmt.Errorf("vault %s: %w", v.path, ErrClosed)
	}
	f, err := v.load(true)
	if errors.Is(err, fs.ErrNotExist) {
		return []Info{}, nil
	}
	if err != nil {
		return nil, err
	}
	k, err := v.keyFor(f)
	if err != nil {
		return nil, err
	}
	infos := make([]Info, 0, len(f.entries))
	for _, name := range slices.Sorted(maps.Keys(f.entries)) {
		e, err := v.openEntry(k, name, f.entries[name])
		if err != nil {
			return nil, fmt.Errorf("vault %s: %w", v.path, err)
		}
		infos = append(infos, Info{Name: name, Keys: e.Keys(), Hosts: e.Hosts, ToBash: e.ToBash})
		e.Zero()
	}
	return infos, nil
}

// openEntry opens and decodes one entry for the Vault's workspace.
func (v *Vault) openEntry(k *key, name string, sealed []byte) (Entry, error) {
	plain, err := openRaw(k.aead, v.workspace, name, sealed)
	if err != nil {
		return Entry{}, err
	}
	defer clear(plain)
	e, err := decodePayload(plain, v.opts.Limits)
	if err != nil {
		return Entry{}, fmt.Errorf("entry %q: %w: %w", name, ErrMalformed, err)
	}
	return e, nil
}

// load reads and decodes the file and checks that it belongs to the
// Vault's workspace. A missing file gives an error wrapping
// fs.ErrNotExist. Errors name the file. With reuse, a file of the same
// bytes as the last one loaded with reuse is not decoded again, and the
// result is shared: the caller must not change it. v.mu must be held.
func (v *Vault) load(reuse bool) (*file, error) {
	data, err := readFile(v.path, v.opts.Limits.MaxFileBytes)
	if err != nil {
		return nil, fmt.Errorf("vault %s: %w", v.path, err)
	}
	f := v.seenFile
	if !reuse || f == nil || !bytes.Equal(data, v.seen) {
		if f, err = decodeFile(data, v.opts.Limits); err != nil {
			return nil, fmt.Errorf("vault %s: %w", v.path, err)
		}
		if reuse {
			v.seen, v.seenFile = data, f
		}
	}
	if f.workspace != v.workspace {
		return nil, fmt.Errorf("vault %s: %w: it names workspace %q, not %q (a vault moves to another id with Reseal)",
			v.path, ErrWorkspaceMismatch, f.workspace, v.workspace)
	}
	return f, nil
}

// keyFor returns the key of f: the Vault's key when f has its salt and
// parameters, else one derived from the passphrase (then kept). Either
// must open f's check block, so a damaged check block is noticed by every
// call, not only by those that derive. v.mu must be held.
func (v *Vault) keyFor(f *file) (*key, error) {
	k := v.key
	if !k.matches(f.salt, f.kdf) {
		var err error
		if k, err = deriveKey(v.passphrase, f.salt, f.kdf); err != nil {
			return nil, fmt.Errorf("vault %s: %w", v.path, err)
		}
	}
	if !openCheck(k.aead, f.check) {
		return nil, fmt.Errorf("vault %s: %w (or its kdf or check field was altered)", v.path, ErrWrongPassphrase)
	}
	v.key = k
	return k, nil
}

// newSalt returns saltLen random bytes.
func newSalt() []byte {
	s := make([]byte, saltLen)
	rand.Read(s) // never fails (crypto/rand.Read)
	return s
}
