package vault

import (
	"cmp"
	"fmt"
	"time"
)

// Default limits; see Limits.
const (
	DefaultMaxEntries       = 256
	DefaultMaxKeys          = 64
	DefaultMaxHosts         = 32
	DefaultMaxValueBytes    = 64 << 10 // the jail's limit on one variable's value
	DefaultMaxFileBytes     = 16 << 20
	DefaultMaxKDFMemoryKiB  = 1 << 20 // 1 GiB
	DefaultMaxKDFIterations = 16
	DefaultLockTimeout      = 30 * time.Second
)

// Limits bounds what a Vault stores, reads and waits for. A zero field
// takes its Default* value; Open refuses a negative one with ErrInvalid.
type Limits struct {
	MaxEntries    int   // entries per vault
	MaxKeys       int   // keys per entry
	MaxHosts      int   // hosts per entry
	MaxValueBytes int   // bytes per value
	MaxFileBytes  int64 // bytes of the file, read or written
	// MaxKDFMemoryKiB and MaxKDFIterations bound the Argon2id parameters
	// a file may ask for, so that a planted file cannot make Open
	// allocate or compute without bound.
	MaxKDFMemoryKiB  uint32
	MaxKDFIterations uint32
	// LockTimeout is how long a write waits for the lock file.
	LockTimeout time.Duration
}

func (l Limits) withDefaults() Limits {
	l.MaxEntries = cmp.Or(l.MaxEntries, DefaultMaxEntries)
	l.MaxKeys = cmp.Or(l.MaxKeys, DefaultMaxKeys)
	l.MaxHosts = cmp.Or(l.MaxHosts, DefaultMaxHosts)
	l.MaxValueBytes = cmp.Or(l.MaxValueBytes, DefaultMaxValueBytes)
	l.MaxFileBytes = cmp.Or(l.MaxFileBytes, DefaultMaxFileBytes)
	l.MaxKDFMemoryKiB = cmp.Or(l.MaxKDFMemoryKiB, DefaultMaxKDFMemoryKiB)
	l.MaxKDFIterations = cmp.Or(l.MaxKDFIterations, DefaultMaxKDFIterations)
	l.LockTimeout = cmp.Or(l.LockTimeout, DefaultLockTimeout)
	return l
}

// Options configures Open. The zero value seals with DefaultKDF and
// applies the default limits.
type Options struct {
	// KDF are the Argon2id parameters of files this Vault creates, and
	// rewrites of files whose parameters cost less (MemoryKiB ×
	// Iterations). Zero: DefaultKDF. Open refuses parameters below the
	// OWASP floor (MinKDFMemoryKiB, MinKDFCost) or above Limits.
	KDF    KDFParams
	Limits Limits
}

// resolve returns o with defaults applied, or an ErrInvalid error naming
// the first bad field.
func (o Options) resolve() (Options, error) {
	l := o.Limits
	for _, f := range []struct {
		name string
		neg  bool
	}{
		{"MaxEntries", l.MaxEntries < 0}, {"MaxKeys", l.MaxKeys < 0}, {"MaxHosts", l.MaxHosts < 0},
		{"MaxValueBytes", l.MaxValueBytes < 0}, {"MaxFileBytes", l.MaxFileBytes < 0},
		{"LockTimeout", l.LockTimeout < 0},
	} {
		if f.neg {
			return o, fmt.Errorf("%w: Options.Limits.%s is negative", ErrInvalid, f.name)
		}
	}
	o.Limits = l.withDefaults()
	if o.KDF == (KDFParams{}) {
		o.KDF = DefaultKDF()
	}
	if err := o.KDF.checkTarget(o.Limits); err != nil {
		return o, fmt.Errorf("%w: Options.KDF: %w", ErrInvalid, err)
	}
	return o, nil
}
