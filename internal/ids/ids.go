package ids

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/clip"
)

var pattern = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)

// Validate reports whether id is a valid identifier of the given kind (a
// word such as "workspace" or "session", used in the error). Valid ids match
// ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$ and contain no "..", so that an id is
// always a single, non-special path element.
func Validate(kind, id string) error {
	if !pattern.MatchString(id) || strings.Contains(id, "..") {
		return fmt.Errorf("invalid %s id %q: want 1-128 characters of letters, digits, '.', '_' or '-', starting with a letter or digit, without '..'", kind, clip.String(id, 64))
	}
	return nil
}
