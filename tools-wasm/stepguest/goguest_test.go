//go:build linux

package stepguest

import (
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
)

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

// runGoTools runs the calls in order through one step of the Go guest.
func runGoTools(t testing.TB, dir string, calls []toolCall, budgetMs int64) []toolOutcome {
	t.Helper()
	_, events := runGuestStep(t, agentGuest(t), dir, toolStep(calls, budgetMs))
	return results(t, events, len(calls))
}

// runCTools runs the calls in order through one step of the C guest.
func runCTools(t testing.TB, dir string, calls []toolCall, budgetMs int64) []toolOutcome {
	t.Helper()
	_, events := runStep(t, dir, toolStep(calls, budgetMs))
	return results(t, events, len(calls))
}

// toolStep is the input of a step that runs the calls.
func toolStep(calls []toolCall, budgetMs int64) stepInput {
	return stepInput{MaxTurns: 2, Turn: 1, ToolBudgetMs: budgetMs, Messages: []chat.Message{chat.UserText("go")}, Response: answer(callsMessage(calls))}
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
