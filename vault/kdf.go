package vault

import (
	"crypto/aes"
	"crypto/cipher"
	"fmt"

	"golang.org/x/crypto/argon2"
)

// KDFParams are the Argon2id cost parameters (RFC 9106 §3.1): memory in
// KiB (m), passes over it (t) and lanes (p). A vault file stores the
// parameters it was sealed with, so they can be raised without breaking
// older files.
type KDFParams struct {
	MemoryKiB   uint32 // m, in KiB
	Iterations  uint32 // t, passes
	Parallelism uint8  // p, lanes
}

// Floor of the parameters a Vault writes: the weakest row of the OWASP
// Password Storage Cheat Sheet's Argon2id table (m=7 MiB with t=5; its rows
// 46 MiB/t=1, 19 MiB/t=2, 12 MiB/t=3, 9 MiB/t=4 and 7 MiB/t=5 all cost at
// least MinKDFCost). See
// https://cheatsheetseries.owasp.org/cheatsheets/Password_Storage_Cheat_Sheet.html#argon2id
const (
	MinKDFMemoryKiB = 7 << 10  // KiB
	MinKDFCost      = 35 << 10 // MemoryKiB × Iterations
)

// keyLen is the AES-256 key size in bytes.
const keyLen = 32

// argon2Version is the only Argon2 version golang.org/x/crypto/argon2
// implements (0x13, RFC 9106 §3.1).
const argon2Version = argon2.Version

// DefaultKDF returns the parameters of vaults created or rewritten with a
// zero Options.KDF: the second recommended option of RFC 9106 §4
// (m=64 MiB, t=3, p=4), five times the cost of OWASP's minimum (m=19 MiB,
// t=2, p=1). See docs/RATIONALE.md, "KDF parameters".
func DefaultKDF() KDFParams {
	return KDFParams{MemoryKiB: 64 << 10, Iterations: 3, Parallelism: 4}
}

func (p KDFParams) cost() uint64 { return uint64(p.MemoryKiB) * uint64(p.Iterations) }

// checkStored reports whether Argon2id can run with p within l: at least
// 8 KiB per lane and one pass (RFC 9106 §3.1), at most l's memory and
// iterations, so that a hostile file cannot make Open allocate gigabytes.
func (p KDFParams) checkStored(l Limits) error {
	switch {
	case p.Parallelism < 1:
		return fmt.Errorf("parallelism %d, want at least 1", p.Parallelism)
	case p.Iterations < 1 || p.Iterations > l.MaxKDFIterations:
		return fmt.Errorf("iterations %d, want 1 to %d", p.Iterations, l.MaxKDFIterations)
	case p.MemoryKiB < 8*uint32(p.Parallelism) || p.MemoryKiB > l.MaxKDFMemoryKiB:
		return fmt.Errorf("memoryKiB %d, want %d to %d", p.MemoryKiB, 8*uint32(p.Parallelism), l.MaxKDFMemoryKiB)
	}
	return nil
}

// checkTarget reports whether p may be used to seal: what checkStored
// accepts, and at least the OWASP floor (MinKDFMemoryKiB, MinKDFCost).
func (p KDFParams) checkTarget(l Limits) error {
	if err := p.checkStored(l); err != nil {
		return err
	}
	if p.MemoryKiB < MinKDFMemoryKiB || p.cost() < MinKDFCost {
		return fmt.Errorf("m=%d KiB t=%d is below the OWASP floor (m ≥ %d KiB, m×t ≥ %d)",
			p.MemoryKiB, p.Iterations, MinKDFMemoryKiB, MinKDFCost)
	}
	return nil
}

// key is a derived key: the AEAD and the salt and parameters it came from.
type key struct {
	params KDFParams
	salt   []byte
	aead   cipher.AEAD
}

// deriveKey runs Argon2id over passphrase and salt and returns the
// AES-256-GCM AEAD of the result, with random 96-bit nonces that Seal
// prepends to the ciphertext (crypto/cipher.NewGCMWithRandomNonce). The
// derived bytes are zeroed once the cipher holds its key schedule.
func deriveKey(passphrase, salt []byte, p KDFParams) (*key, error) {
	k := argon2.IDKey(passphrase, salt, p.Iterations, p.MemoryKiB, p.Parallelism, keyLen)
	defer clear(k)
	block, err := aes.NewCipher(k)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCMWithRandomNonce(block)
	if err != nil {
		return nil, err
	}
	return &key{params: p, salt: salt, aead: aead}, nil
}

// matches reports whether k was derived for salt and p.
func (k *key) matches(salt []byte, p KDFParams) bool {
	return k != nil && k.params == p && string(k.salt) == string(salt)
}
