package builtin

import (
	"cmp"
	"fmt"
	"time"
)

// Limits bounds what one tool call reads, writes and returns. A field that is
// zero or negative takes the default named in its comment. A tool's own limit
// parameter may lower the matching bound but never raise it.
type Limits struct {
	// ReadLines is the most lines one read call returns (default 2000).
	ReadLines int
	// OutputBytes is the most bytes of text in one result, not counting the
	// closing notice (default 50 KiB).
	OutputBytes int
	// LineBytes is the most bytes of one line shown by read and grep; longer
	// lines are cut at a rune boundary and marked (default 2000).
	LineBytes int
	// Entries is the most entries ls and find return (default 500).
	Entries int
	// Matches is the most matching lines grep returns (default 100).
	Matches int
	// Visit is the most entries one find or grep walk visits before it
	// stops (default 100000).
	Visit int
	// Depth is the most directory levels below its base one find or grep
	// walk descends (default 64); deeper directories are counted and
	// reported, not searched.
	Depth int
	// Budget is the wall-clock time one call may take (default 30 s). A
	// walk or a search that reaches it stops and returns what it found
	// with a notice; the host stops a guest whose call overruns it (see
	// package runtime).
	Budget time.Duration
	// GrepFileBytes is the size in bytes of the largest file grep scans;
	// larger files are skipped and counted (default 8 MiB).
	GrepFileBytes int64
	// WriteBytes is the size in bytes of the largest content write accepts
	// and of the largest file edit reads or produces (default 10 MiB).
	WriteBytes int
}

// The defaults for the zero fields of Limits.
const (
	DefaultReadLines     = 2000
	DefaultOutputBytes   = 50 << 10
	DefaultLineBytes     = 2000
	DefaultEntries       = 500
	DefaultMatches       = 100
	DefaultVisit         = 100000
	DefaultDepth         = 64
	DefaultBudget        = 30 * time.Second
	DefaultGrepFileBytes = 8 << 20
	DefaultWriteBytes    = 10 << 20
)

// withDefaults returns l with every unset field set to its default.
func (l Limits) withDefaults() Limits {
	l.ReadLines = cmp.Or(max(l.ReadLines, 0), DefaultReadLines)
	l.OutputBytes = cmp.Or(max(l.OutputBytes, 0), DefaultOutputBytes)
	l.LineBytes = cmp.Or(max(l.LineBytes, 0), DefaultLineBytes)
	l.Entries = cmp.Or(max(l.Entries, 0), DefaultEntries)
	l.Matches = cmp.Or(max(l.Matches, 0), DefaultMatches)
	l.Visit = cmp.Or(max(l.Visit, 0), DefaultVisit)
	l.Depth = cmp.Or(max(l.Depth, 0), DefaultDepth)
	l.Budget = cmp.Or(max(l.Budget, 0), DefaultBudget)
	l.WriteBytes = cmp.Or(max(l.WriteBytes, 0), DefaultWriteBytes)
	l.GrepFileBytes = cmp.Or(max(l.GrepFileBytes, 0), DefaultGrepFileBytes)
	return l
}

// capped returns the tool's limit parameter lowered to max; zero means max.
func capped(requested, max int) int {
	if requested <= 0 || requested > max {
		return max
	}
	return requested
}

// size formats a byte count for messages: "10 MiB", "50 KiB" or "123 bytes".
func size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
