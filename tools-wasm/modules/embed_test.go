package modules

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

// TestAgentIsFresh rebuilds the agent module and fails if the committed
// agent.wasm differs: run `make wasm` after changing guest code.
func TestAgentIsFresh(t *testing.T) {
	out := filepath.Join(t.TempDir(), "agent.wasm")
	args := append([]string{"build"}, BuildFlags...)
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
	if !bytes.Equal(fresh, Agent) {
		t.Fatalf("tools-wasm/modules/agent.wasm (%d bytes) differs from a fresh build (%d bytes): run `make wasm` and commit it", len(Agent), len(fresh))
	}
}

func TestAgentIsWasm(t *testing.T) {
	if !bytes.HasPrefix(Agent, []byte("\x00asm\x01\x00\x00\x00")) {
		t.Fatal("agent.wasm does not start with the WebAssembly magic and version 1")
	}
}
