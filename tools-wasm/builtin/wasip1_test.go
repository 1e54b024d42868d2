package builtin

import (
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestBuildsForWasip1 compiles the package for the guest target,
// GOOS=wasip1 GOARCH=wasm, with the go command running the tests.
func TestBuildsForWasip1(t *testing.T) {
	goCmd, err := exec.LookPath("go") // go test puts GOROOT/bin first in PATH
	if err != nil {
		t.Fatalf("no go command: %v", err)
	}
	cmd := exec.Command(goCmd, "build", "-o", filepath.Join(t.TempDir(), "builtin.a"), ".")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm", "CGO_ENABLED=0")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("GOOS=wasip1 GOARCH=wasm go build: %v\n%s", err, out)
	}
}
