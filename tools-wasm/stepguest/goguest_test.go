//go:build linux

package stepguest

import (
	"encoding/json"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
)

// goHost serves the Go guest (tools-wasm/modules/agent.wasm) over the
// version 1 loop protocol: run.start, then scripted model turns.
type goHost struct {
	start   hostcall.RunStart
	turns   []chat.Message
	events  []hostcall.Event
	onEvent func(hostcall.Event, time.Time)
	pending []byte
}

func (h *goHost) pendingAnswer() *[]byte { return &h.pending }

func (h *goHost) handle(method string, payload []byte) hostcall.Status {
	switch method {
	case hostcall.MethodRunStart:
		h.pending, _ = json.Marshal(h.start)
	case hostcall.MethodLLMComplete:
		if len(h.turns) == 0 {
			h.pending = []byte("script exhausted")
			return hostcall.Failed
		}
		h.pending, _ = json.Marshal(chat.Response{Message: h.turns[0], StopReason: chat.StopEndTurn})
		h.turns = h.turns[1:]
	case hostcall.MethodEventEmit:
		arrived := time.Now()
		var ev hostcall.Event
		if err := json.Unmarshal(payload, &ev); err != nil {
			h.pending = []byte(err.Error())
			return hostcall.BadRequest
		}
		if h.onEvent != nil {
			h.onEvent(ev, arrived)
		}
		h.events = append(h.events, ev)
		h.pending = []byte("{}")
	case hostcall.MethodTranscriptAppend, hostcall.MethodRunFinish:
		h.pending = []byte("{}")
	default:
		h.pending = []byte("not served by the test host: " + method)
		return hostcall.Failed
	}
	return hostcall.OK
}

// toolCall is one built-in tool call: the tool and its JSON arguments
// (empty: none).
type toolCall struct {
	Tool, Input string
}

// toolOutcome is a call's result as the model sees it.
type toolOutcome struct {
	Text    string
	IsError bool
}

// callsMessage is an assistant message with the calls as tool_use blocks.
func callsMessage(calls []toolCall) chat.Message {
	var blocks []chat.Block
	for i, c := range calls {
		blocks = append(blocks, toolUse("c"+strconv.Itoa(i), c.Tool, c.Input))
	}
	return assistant(blocks...)
}

// results reads the tool_end events of the calls, in order.
func results(t testing.TB, events []hostcall.Event, n int) []toolOutcome {
	t.Helper()
	var out []toolOutcome
	for _, ev := range events {
		if ev.Type == hostcall.EventToolEnd {
			out = append(out, toolOutcome{ev.Result.Text, ev.Result.IsError})
		}
	}
	if len(out) != n {
		t.Fatalf("%d tool_end events, want %d", len(out), n)
	}
	return out
}

// runGoTools runs the calls in order through the Go guest over dir.
func runGoTools(t testing.TB, dir string, calls []toolCall, budgetMs int64) []toolOutcome {
	t.Helper()
	agent := agentGuest(t)
	h := &goHost{
		start: hostcall.RunStart{Model: "m", MaxTurns: 2, ToolBudgetMs: budgetMs, Messages: []chat.Message{chat.UserText("go")}},
		turns: []chat.Message{callsMessage(calls), assistant(chat.Block{Type: chat.BlockText, Text: "done"})},
	}
	if code, stderr := agent.run(t, dir, h); code != 0 {
		t.Fatalf("Go guest exited with %d: %s", code, stderr)
	}
	return results(t, h.events, len(calls))
}

// runCTools runs the calls in order through one step of the C guest.
func runCTools(t testing.TB, dir string, calls []toolCall, budgetMs int64) []toolOutcome {
	t.Helper()
	_, events := runStep(t, dir, stepInput{MaxTurns: 2, Turn: 1, ToolBudgetMs: budgetMs, Messages: []chat.Message{chat.UserText("go")}, Response: answer(callsMessage(calls))})
	return results(t, events, len(calls))
}

// tree describes the files below dir: path → kind, mode and content.
func tree(t testing.TB, dir string) map[string]string {
	t.Helper()
	out := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(dir, p)
		info, err := d.Info()
		if err != nil {
			return err
		}
		desc := info.Mode().String()
		if info.Mode().IsRegular() {
			b, err := os.ReadFile(p)
			if err != nil {
				desc += " unreadable"
			} else {
				desc += " " + string(b)
			}
		}
		if info.Mode()&fs.ModeSymlink != 0 {
			target, _ := os.Readlink(p)
			desc += " -> " + target
		}
		out[rel] = desc
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// mkfifo makes a FIFO, which the host's file system refuses to open.
func mkfifo(t testing.TB, p string) {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Fatal(err)
	}
}
