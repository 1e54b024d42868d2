package skills

import (
	"errors"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/internal/clip"
)

// Errors wrapped by the package's errors; test with errors.Is.
var (
	// ErrNotFound: no skill with that id in the catalog, or no such file in
	// a skill.
	ErrNotFound = errors.New("not found")
	// ErrExists: Add found a skill with the same id and was not asked to
	// replace it.
	ErrExists = errors.New("skill already exists")
	// ErrInUse: Remove found the skill enabled in a workspace and was not
	// forced.
	ErrInUse = errors.New("skill is enabled")
	// ErrUnsafe: an entry of a folder or archive is a link, a device, a
	// FIFO or a socket, or its name leaves the skill folder; or ReadFile
	// was asked for such a path.
	ErrUnsafe = errors.New("unsafe entry")
	// ErrLimit: a folder or archive, or a file ReadFile was asked for,
	// exceeds one of the Limits.
	ErrLimit = errors.New("limit exceeded")
	// ErrInvalid: SKILL.md is missing, malformed, or breaks a field rule.
	ErrInvalid = errors.New("invalid skill")
)

// FieldError reports a problem with SKILL.md: its frontmatter block or one
// field of it. It wraps ErrInvalid.
type FieldError struct {
	// File is the SKILL.md path as the caller named it.
	File string
	// Line is the 1-based line of the file the problem is on, 0 when the
	// YAML library did not give one.
	Line int
	// Field is the frontmatter key ("name", "metadata.version",
	// "credentials[2]"), empty for the block as a whole.
	Field string
	// Reason says what is wrong, without the value of anything long.
	Reason string
}

func (e *FieldError) Error() string {
	loc := e.File
	if e.Line > 0 {
		loc = fmt.Sprintf("%s:%d", loc, e.Line)
	}
	if e.Field == "" {
		return fmt.Sprintf("%s: %s", loc, e.Reason)
	}
	return fmt.Sprintf("%s: field %q: %s", loc, e.Field, e.Reason)
}

// Unwrap makes errors.Is(err, ErrInvalid) hold.
func (e *FieldError) Unwrap() error { return ErrInvalid }

// EntryError reports an entry of a skill folder or archive that Add
// refused. Err wraps ErrUnsafe, ErrLimit or ErrInvalid.
type EntryError struct {
	// Source is the folder or archive given to Add.
	Source string
	// Entry is the entry's name as the source spells it (shortened when
	// very long).
	Entry string
	// Err says why.
	Err error
}

func (e *EntryError) Error() string {
	return fmt.Sprintf("%s: entry %q: %v", e.Source, e.Entry, e.Err)
}

func (e *EntryError) Unwrap() error { return e.Err }

// shorten cuts s to at most 200 bytes for an error message.
func shorten(s string) string { return clip.String(s, 200) }
