package skills

import (
	"cmp"
	"time"
)

// Default limits; see Limits.
const (
	DefaultMaxEntries      = 10_000
	DefaultMaxTotalBytes   = 256 << 20
	DefaultMaxFileBytes    = 64 << 20
	DefaultMaxDepth        = 32
	DefaultMaxRatio        = 100
	DefaultMaxSkillMDBytes = 1 << 20
	DefaultMaxReadBytes    = 256 << 10
	DefaultLockTimeout     = 30 * time.Second
)

// ratioFloor is the uncompressed size below which MaxRatio is not checked:
// a small archive of very regular text may legitimately compress far.
const ratioFloor = 1 << 20

// Limits bounds what Add accepts, what ReadFile returns and how long
// catalog changes wait for each other. A zero or negative field means its
// default.
type Limits struct {
	// MaxEntries is the most files and directories one skill may hold
	// (default 10 000).
	MaxEntries int
	// MaxTotalBytes is the most bytes all files of one skill may hold
	// together, uncompressed (default 256 MiB).
	MaxTotalBytes int64
	// MaxFileBytes is the largest file, uncompressed (default 64 MiB).
	MaxFileBytes int64
	// MaxDepth is the most path elements of an entry's name inside the
	// skill folder, "scripts/run.sh" being 2 (default 32).
	MaxDepth int
	// MaxRatio is the most an archive may expand: uncompressed bytes over
	// the archive's size, checked once more than 1 MiB has come out
	// (default 100).
	MaxRatio int
	// MaxSkillMDBytes is the largest SKILL.md (default 1 MiB).
	MaxSkillMDBytes int64
	// MaxReadBytes is the largest file ReadFile returns (default 256 KiB).
	MaxReadBytes int64
	// LockTimeout is how long Add and Remove wait for another process's
	// change to the catalog (default 30 s).
	LockTimeout time.Duration
}

// withDefaults returns l with every unset field set to its default.
func (l Limits) withDefaults() Limits {
	l.MaxEntries = cmp.Or(max(l.MaxEntries, 0), DefaultMaxEntries)
	l.MaxTotalBytes = cmp.Or(max(l.MaxTotalBytes, 0), DefaultMaxTotalBytes)
	l.MaxFileBytes = cmp.Or(max(l.MaxFileBytes, 0), DefaultMaxFileBytes)
	l.MaxDepth = cmp.Or(max(l.MaxDepth, 0), DefaultMaxDepth)
	l.MaxRatio = cmp.Or(max(l.MaxRatio, 0), DefaultMaxRatio)
	l.MaxSkillMDBytes = cmp.Or(max(l.MaxSkillMDBytes, 0), DefaultMaxSkillMDBytes)
	l.MaxReadBytes = cmp.Or(max(l.MaxReadBytes, 0), DefaultMaxReadBytes)
	l.LockTimeout = cmp.Or(max(l.LockTimeout, 0), DefaultLockTimeout)
	return l
}
