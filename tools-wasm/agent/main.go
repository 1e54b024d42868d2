//go:build wasip1

// Command agent is the bulkhead agent loop as a WASI preview1 module. The
// host (package wasmhost) instantiates it once per step of a run
// (docs/hostcall.md, "Step-wise agent guests") with the workspace as its
// only preopen at /workspace; it reaches the host only through the
// host-call interface (package hostcall). Build it with `make wasm`.
package main

import (
	"encoding/json"
	"fmt"
	"os"
	"time"

	"github.com/bulkhead-dev/bulkhead/tools-wasm/agentloop"
	"github.com/bulkhead-dev/bulkhead/tools-wasm/builtin"
	"github.com/bulkhead-dev/bulkhead/tools-wasm/guest"
)

// toolbox adapts the built-in tools to agentloop.Tools.
type toolbox struct{ *builtin.Toolbox }

func (t toolbox) Call(name string, input json.RawMessage) (string, bool) {
	r := t.Toolbox.Call(name, input)
	return r.Text, r.IsError
}

func (t toolbox) SetBudget(d time.Duration) { t.Toolbox.Limits.Budget = d }

func main() {
	tools := toolbox{&builtin.Toolbox{Root: "/workspace"}}
	if err := agentloop.Step(guest.Host{}, tools); err != nil {
		fmt.Fprintln(os.Stderr, "agent:", err)
		os.Exit(1)
	}
}
