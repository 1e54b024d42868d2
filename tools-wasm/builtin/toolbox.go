package builtin

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"time"
)

// Toolbox runs the built-in file tools against one directory tree. The zero
// value serves the guest's /workspace preopen with the default Limits.
//
// A Toolbox keeps Root open as an [os.Root] from its first call on and
// reuses it while Root still names the same directory (see workspace), so
// it holds one directory descriptor for as long as it lives. It may be used
// by several goroutines, but must not be copied after its first call, nor
// its fields changed.
type Toolbox struct {
	// Root is the real directory that the virtual path /workspace maps to;
	// empty means "/workspace" itself, as seen inside the guest.
	Root string
	// Limits bounds each call; zero fields take their defaults.
	Limits Limits

	ws workspace
}

// Result is the outcome of one tool call as the model sees it: Text is the
// tool_result content and IsError marks a failed call.
type Result struct {
	Text    string
	IsError bool
}

// call is the state of one tool call: the workspace opened as an os.Root,
// the effective limits and the end of its time budget.
type call struct {
	root     *os.Root
	lim      Limits
	deadline time.Time
}

// handlers maps each tool name to its implementation, which decodes its own
// JSON input and returns the result text or an error for the model.
var handlers = map[string]func(*call, json.RawMessage) (string, error){
	"read":  (*call).read,
	"write": (*call).write,
	"edit":  (*call).edit,
	"ls":    (*call).ls,
	"find":  (*call).find,
	"grep":  (*call).grep,
}

// Has reports whether name is one of the built-in tools.
func (t *Toolbox) Has(name string) bool {
	_, ok := handlers[name]
	return ok
}

// Call runs the tool name with its JSON arguments (an object; empty input is
// read as {}). Failures, including unknown tools, invalid JSON, paths that
// escape the workspace and panics, come back as a Result with IsError set.
func (t *Toolbox) Call(name string, input json.RawMessage) (res Result) {
	defer func() {
		if r := recover(); r != nil {
			res = Result{Text: fmt.Sprintf("%s: internal error: %v", name, r), IsError: true}
		}
	}()
	run, ok := handlers[name]
	if !ok {
		return Result{Text: fmt.Sprintf("unknown tool %q; the built-in tools are read, write, edit, ls, find and grep", name), IsError: true}
	}
	dir := t.Root
	if dir == "" {
		dir = Mount
	}
	ref, err := t.ws.acquire(dir)
	if err != nil {
		return Result{Text: fmt.Sprintf("%s: cannot open the workspace: %v", name, err), IsError: true}
	}
	defer t.ws.release(ref)
	lim := t.Limits.withDefaults()
	text, err := run(&call{root: ref.root, lim: lim, deadline: time.Now().Add(lim.Budget)}, input)
	if err != nil {
		return Result{Text: err.Error(), IsError: true}
	}
	return Result{Text: text}
}

// decode unmarshals a tool's JSON arguments into v. Unknown keys are ignored.
func decode(input json.RawMessage, v any) error {
	if len(bytes.TrimSpace(input)) == 0 {
		return nil
	}
	if err := json.Unmarshal(input, v); err != nil {
		return fmt.Errorf("invalid arguments: %w; pass a JSON object that matches the tool's parameters", err)
	}
	return nil
}

// nonNegative rejects a negative numeric parameter.
func nonNegative(param string, v int) error {
	if v < 0 {
		return fmt.Errorf("%s must not be negative (got %d)", param, v)
	}
	return nil
}
