package stepguest

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// oracleBuildFlags are the `go build` flags that make the Go guest
// reproducible (no file system paths, no VCS stamp, no symbol table or
// DWARF); the Makefile's WASM_FLAGS are the same.
var oracleBuildFlags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w"}

// oracleWasm is the committed build of the Go guest, the C guest's
// oracle in the differential tests.
const oracleWasm = "testdata/agent.wasm"

// TestOracleIsFresh rebuilds the Go guest and fails if the committed
// testdata/agent.wasm differs: run `make wasm` after changing its code.
func TestOracleIsFresh(t *testing.T) {
	out := filepath.Join(t.TempDir(), "agent.wasm")
	args := append([]string{"build"}, oracleBuildFlags...)
	args = append(args, "-o", out, "../agent")
	cmd := exec.Command("go", args...)
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	fresh, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(oracleWasm)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, committed) {
		t.Fatalf("tools-wasm/stepguest/%s (%d bytes) differs from a fresh build (%d bytes): run `make wasm` and commit it", oracleWasm, len(committed), len(fresh))
	}
}
