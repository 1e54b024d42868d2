// Command toolsguest is the test program of package confined's
// TestGuestToolMessages. Built for GOOS=wasip1 and run with a confined
// workspace mounted at /workspace (the layout of newLayout), it runs the
// built-in file tools (package builtin) on the files the confined file
// system refuses, with one Toolbox, and prints one JSON object on stdout:
// for each named call, whether it succeeded, its error text or its output.
package main

import (
	"encoding/json"
	"os"

	"github.com/bulkhead-dev/bulkhead/tools-wasm/builtin"
)

// result is the outcome of one call, in the shape of testdata/guest's.
type result struct {
	OK   bool   `json:"ok"`
	Err  string `json:"err,omitempty"`
	Data string `json:"data,omitempty"`
}

func main() {
	tb := &builtin.Toolbox{}
	results := map[string]result{}
	call := func(name, tool, input string) {
		r := tb.Call(tool, json.RawMessage(input))
		if r.IsError {
			results[name] = result{Err: r.Text}
		} else {
			results[name] = result{OK: true, Data: r.Text}
		}
	}
	call("ok.read", "read", `{"path":"hello.txt"}`)
	call("ok.read_nested", "read", `{"path":"/workspace/sub/inner.txt"}`)
	call("refused.read_hardlink", "read", `{"path":"hardlink"}`)
	call("refused.write_hardlink", "write", `{"path":"hardlink","content":"overwritten"}`)
	call("refused.edit_hardlink", "edit", `{"path":"hardlink","edits":[{"oldText":"TOP","newText":"x"}]}`)
	call("refused.read_fifo", "read", `{"path":"fifo"}`)
	call("refused.read_device", "read", `{"path":"nulldev"}`)
	call("refused.read_socket", "read", `{"path":"sock"}`)
	call("refused.read_escape", "read", `{"path":"../outside/secret.txt"}`)
	call("refused.read_link_out", "read", `{"path":"rel-link"}`)
	call("ok.read_again", "read", `{"path":"hello.txt"}`)
	if err := json.NewEncoder(os.Stdout).Encode(results); err != nil {
		os.Exit(1)
	}
}
