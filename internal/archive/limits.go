package archive

import "cmp"

// Defaults of Limits.
const (
	// DefaultMaxEntries is the default Limits.MaxEntries: about a million
	// files, directories and links (a large monorepo with its
	// node_modules, or a home with Go's and npm's caches).
	DefaultMaxEntries = 1 << 20
	// DefaultMaxBytes is the default Limits.MaxBytes: 256 GiB of file
	// content.
	DefaultMaxBytes = 256 << 30
	// DefaultMaxRatio is the default Limits.MaxRatio. Source code, JSON
	// and databases compress 3 to 30 times with Zstandard; only long runs
	// of one byte (empty disk images, sparse files) come near 1000.
	DefaultMaxRatio = 1000
)

// RatioAllowance is how many decompressed bytes a Reader accepts before
// it applies Limits.MaxRatio, so that a small archive holding a zeroed
// file is not taken for a bomb.
const RatioAllowance = 64 << 20

// maxWindow bounds the Zstandard window a Reader accepts, and so the
// decoder's memory: a Writer uses 8 MiB (its default level).
const maxWindow = 32 << 20

// manifestBytesPerEntry bounds the manifest's size with the number of
// entries allowed: a listed file takes about 150 bytes plus its name.
const manifestBytesPerEntry = 512

// Limits bound what a Reader accepts. Zero fields take their defaults.
type Limits struct {
	// MaxEntries bounds the entries the manifest lists.
	MaxEntries int
	// MaxBytes bounds the total size of the files, in bytes.
	MaxBytes int64
	// MaxRatio bounds decompressed bytes over compressed bytes read, past
	// RatioAllowance.
	MaxRatio int
}

// WithDefaults returns l with every zero or negative field set to its
// default.
func (l Limits) WithDefaults() Limits {
	l.MaxEntries = cmp.Or(max(l.MaxEntries, 0), DefaultMaxEntries)
	l.MaxBytes = cmp.Or(max(l.MaxBytes, 0), DefaultMaxBytes)
	l.MaxRatio = cmp.Or(max(l.MaxRatio, 0), DefaultMaxRatio)
	return l
}

// maxManifestBytes is the largest manifest l admits.
func (l Limits) maxManifestBytes() int64 {
	return 1<<20 + manifestBytesPerEntry*int64(l.MaxEntries)
}
