// Package vault keeps a workspace's credentials: entries name → {KEY:
// value, …} with the hosts each entry is for and whether the agent's bash
// gets it, sealed with AES-256-GCM under a key derived from the platform
// passphrase with Argon2id, in one JSON file per workspace
// (<stateDir>/workspaces/<id>/credentials.enc.json).
//
// [Open] derives the key once and returns a [Vault]; [Vault.Get] opens one
// entry in microseconds, [Vault.List] tells names, keys and metadata,
// never values; [Vault.Put], [Vault.Delete], [Vault.Rotate] (new
// passphrase) and [Vault.Reseal] (new workspace id) rewrite the file
// atomically. Values are [Secret] byte slices that print as "[redacted]"
// and refuse to marshal; [Entry.Zero] clears them.
//
// # File format (version 1)
//
// One JSON object, written indented with entries sorted by name:
//
//	{
//	  "format": "bulkhead-vault",
//	  "version": 1,
//	  "workspace": "acme",
//	  "kdf": {
//	    "algorithm": "argon2id",
//	    "version": 19,
//	    "memoryKiB": 65536,
//	    "iterations": 3,
//	    "parallelism": 4,
//	    "salt": "base64 of 16 random bytes"
//	  },
//	  "check": "base64 of a sealed block",
//	  "entries": {
//	    "github": "base64 of a sealed block"
//	  }
//	}
//
// Fields:
//   - format: always "bulkhead-vault".
//   - version: the format version, [FormatVersion]. Another number is
//     refused with [ErrUnsupportedVersion]; it is also bound into every
//     block's associated data, so a block cannot be moved between versions.
//   - workspace: the workspace id the file is sealed for (the id rule of
//     package ids). Open for another id fails with [ErrWorkspaceMismatch]
//     before any derivation; the id is bound into every entry's associated
//     data, so editing this field makes every entry fail instead.
//   - kdf: Argon2id (RFC 9106) with its version (19 = 0x13), memory in KiB,
//     passes, lanes, and a 16-byte random salt, new for every file and
//     every Rotate. Parameters are bounded on read by [Limits]
//     (MaxKDFMemoryKiB, MaxKDFIterations). The 32-byte output is the
//     AES-256 key. Editing any of these fields changes the key, so the check
//     block fails: [ErrWrongPassphrase].
//   - check: a sealed block of a fixed plaintext (kind 'c'), the
//     passphrase verifier: a wrong passphrase fails here, even in a vault
//     with no entries, before anything is read or written.
//   - entries: entry name (the id rule) → sealed block (kind 'e') of the
//     entry payload. Names are visible; keys, values, hosts and the bash
//     flag are not.
//
// Base64 is the standard alphabet with padding (RFC 4648 §4), decoded
// strictly. Unknown fields, trailing data, a missing field (a missing
// version reads as 0: [ErrUnsupportedVersion]), or a block too short to
// hold a nonce and a tag are [ErrMalformed].
//
// # Sealed blocks
//
// A block is nonce (12 random bytes, fresh for every seal) ‖ ciphertext ‖
// GCM tag (16 bytes), from crypto/cipher.NewGCMWithRandomNonce (AES-256-GCM,
// NIST SP 800-38D). Random nonces allow 2^32 seals per key (§8.3); a Put
// seals one block, and every Rotate or upgrade starts a new key.
//
// # Associated data
//
// Every block is authenticated together with
//
//	"bulkhead-vault" 0x00 | version (1 byte) | kind (1 byte, 'c' or 'e')
//	| len(workspace) (1 byte) | workspace | len(name) (1 byte) | name
//
// with an empty workspace and name for the check block. An entry's block
// therefore opens only under its own name, in a file for its own
// workspace, of this format version: a ciphertext copied to another
// workspace's file, or to another name, fails with [ErrTampered] naming
// the entry.
//
// # Entry payload
//
// The plaintext of an entry block, in byte slices (never Go strings, so
// it can be zeroed), lengths as unsigned varints (encoding/binary):
//
//	payload version (1 byte, 1) | flags (1 byte, bit 0: ToBash)
//	| host count | (length | host)…
//	| key count | (length | key | length | value)…   keys sorted
//
// # Writes
//
// Every write (Put, Delete, Rotate, Reseal) takes an exclusive flock(2)
// on "<file>.lock" (waiting at most Limits.LockTimeout), reads the current
// file, changes it, and replaces it with package atomicfile (temporary
// file, fsync, rename, fsync of the directory), mode 0600: a crash at any
// point leaves the old file or the new one. A write also upgrades the KDF
// parameters when the file's cost (memory × passes) is below Options.KDF,
// re-sealing every entry under a new salt in the same replacement.
//
// # Concurrency
//
// Readers (Get, List) take no lock: a rename is atomic, so they see whole
// files only. A Vault re-reads the file on every call, so it sees other
// processes' writes; when another process re-keyed the file, it derives
// the new key from the passphrase it holds (or fails with
// [ErrWrongPassphrase] after a Rotate to a passphrase it does not know).
//
// # Threat model
//
// The vault protects against:
//   - a copy of the state directory (a backup, an export archive, a stolen
//     disk) without the passphrase: the values, keys, hosts and bash flags
//     are encrypted; guessing the passphrase costs one Argon2id per guess;
//   - editing the file without the passphrase: any change to a block, a
//     swap of blocks between entries, workspaces or vault files, a renamed
//     entry, or changed KDF parameters fails loudly; in particular nobody
//     can point a secret at another host, because the hosts are sealed
//     with it;
//   - leaks through the program: values never appear in error messages,
//     in fmt output of Secret, Entry or Info, or in JSON.
//
// It does not protect against:
//   - root, or the bulkhead process's own user, on a live host: they can
//     read the passphrase from the environment or the process's memory,
//     where the key and decrypted values live while in use (Go's garbage
//     collector may also leave copies the program cannot zero);
//   - a weak passphrase, beyond the cost of Argon2id;
//   - rollback: an older copy of the whole file, or an older block of the
//     same entry name under the same key, opens as valid (there is no
//     external counter to compare with); entry names are visible;
//   - deletion of the file or of entries (denial of service).
package vault
