package ids

import (
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/clip"
)

// Validate reports whether id is a valid identifier of the given kind (a
// word such as "workspace" or "session", used in the error). Valid ids match
// ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ and contain no "..", so that an id is
// always a single, non-special path element.
func Validate(kind, id string) error {
	if !valid(id) {
		return fmt.Errorf("invalid %s id %q: want 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'", kind, clip.String(id, 64))
	}
	return nil
}

// valid reports whether id is 1-128 of [A-Za-z0-9._-], starts with a
// letter or digit and holds no "..". Hand-written rather than a regular
// expression compiled in init: every process start would pay for that.
func valid(id string) bool {
	if len(id) == 0 || len(id) > 128 || strings.Contains(id, "..") {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if !alnum && (i == 0 || c != '.' && c != '_' && c != '-') {
			return false
		}
	}
	return true
}
