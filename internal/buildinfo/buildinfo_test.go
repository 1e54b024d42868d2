package buildinfo

import (
	"runtime"
	"strings"
	"testing"
)

// TestVersion: a test binary has build information; the description
// starts with the module version and ends with the Go version.
func TestVersion(t *testing.T) {
	v := Version()
	if !strings.HasSuffix(v, ", "+runtime.Version()) || strings.HasPrefix(v, ",") {
		t.Errorf("Version() = %q", v)
	}
}
