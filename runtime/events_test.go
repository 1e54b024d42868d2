package runtime

import (
	"encoding/json"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

// TestEventsCarryWhatAUINeeds: every event has its time; turns are
// announced with turn_start and numbered; usage names the model that
// answered; tool_start carries no output and tool_end a duration.
func TestEventsCarryWhatAUINeeds(t *testing.T) {
	ws := newTestWorkspace(t, newTestPlatform(t), "w")
	srv := fakellm.New(fakellm.Step{Text: "Looking.", ToolCalls: []fakellm.ToolCall{{Name: "ls"}}}, fakellm.Step{Text: "done"})
	defer srv.Close()
	var events []Event
	req := anthropicRequest(srv, "list")
	req.OnEvent = func(ev Event) { events = append(events, ev) }
	if _, err := ws.Run(bg, req); err != nil {
		t.Fatal(err)
	}
	var types []string
	for _, ev := range events {
		types = append(types, string(ev.Type))
		if ev.Time.IsZero() || time.Since(ev.Time) > time.Minute {
			t.Errorf("%s: time %v", ev.Type, ev.Time)
		}
		switch ev.Type {
		case EventRunStart, EventTurnStart:
			if ev.Model != "claude-test" {
				t.Errorf("%s: model %q", ev.Type, ev.Model)
			}
			if want := []string{"read", "write", "edit", "ls", "find", "grep", "bash", "memory_store", "memory_search"}; ev.Type == EventRunStart && !slices.Equal(ev.Tools, want) {
				t.Errorf("run_start: tools %q, want %q", ev.Tools, want)
			}
		case EventUsage:
			if ev.Model == "" || ev.Usage == nil || ev.Turn == 0 {
				t.Errorf("usage event %+v", ev)
			}
		case EventToolStart:
			if b, _ := json.Marshal(ev); strings.Contains(string(b), `"output"`) || ev.Turn != 1 {
				t.Errorf("tool_start %s", b)
			}
		case EventToolEnd:
			if ev.Tool.Output == "" || ev.Tool.DurationMs < 0 || ev.Turn != 1 {
				t.Errorf("tool_end %+v", ev.Tool)
			}
		}
	}
	compact := slices.Compact(types)
	want := []string{"run_start", "turn_start", "text_delta", "usage", "tool_start", "tool_end", "turn_start", "text_delta", "usage", "done"}
	if !slices.Equal(compact, want) {
		t.Fatalf("events %v\nwant    %v", compact, want)
	}
	var turns []int
	for _, ev := range events {
		if ev.Type == EventTurnStart {
			turns = append(turns, ev.Turn)
		}
	}
	if !slices.Equal(turns, []int{1, 2}) {
		t.Fatalf("turn_start turns %v", turns)
	}
}

// TestQueuedEvent: a run of a session another run holds says it is queued
// before it starts.
func TestQueuedEvent(t *testing.T) {
	ws := newTestWorkspace(t, newTestPlatform(t), "w")
	unlock, err := ws.Sessions().TryLock("s")
	if err != nil {
		t.Fatal(err)
	}
	srv := fakellm.New(fakellm.Step{Text: "hi"})
	defer srv.Close()
	var mu sync.Mutex
	var types []EventType
	req := anthropicRequest(srv, "hello")
	req.SessionID = "s"
	req.OnEvent = func(ev Event) {
		mu.Lock()
		types = append(types, ev.Type)
		mu.Unlock()
	}
	done := make(chan error, 1)
	go func() { _, err := ws.Run(bg, req); done <- err }()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		mu.Lock()
		n := len(types)
		mu.Unlock()
		if n > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("no event while queued")
		}
	}
	unlock()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if types[0] != EventQueued || types[1] != EventRunStart {
		t.Fatalf("events %v, want queued then run_start", types)
	}
}
