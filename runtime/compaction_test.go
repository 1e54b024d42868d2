package runtime

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"github.com/bulkhead-dev/bulkhead/providers"
)

// compactionWorkspace is a workspace whose model has an 8000-token window
// and 500 output tokens: the guard acts above 6300 estimated tokens.
func compactionWorkspace(t *testing.T, p *Platform) *Workspace {
	t.Helper()
	ws, err := p.CreateWorkspace("w", WorkspaceConfig{ContextWindow: 8000, RequestSettings: RequestSettings{MaxOutputTokens: 500}})
	if err != nil {
		t.Fatal(err)
	}
	return ws
}

// TestLongSessionCompacted: a session that outgrows the window is
// compacted by the model and goes on: no request passes the window, the
// transcript keeps the original lines and the compaction record, and a
// later run continues from the compacted history.
func TestLongSessionCompacted(t *testing.T) {
	const turns = 16 // of the first run; the last answers without a tool call
	filler := strings.Repeat("The agent explains its reasoning at length. ", 36)
	var mu sync.Mutex
	calls, summaries := 0, 0
	srv := fakellm.NewHandler(func(req fakellm.Request) fakellm.Step {
		mu.Lock()
		defer mu.Unlock()
		if req.System() == providers.CompactionPrompt {
			summaries++
			return fakellm.Step{Text: fmt.Sprintf("SUMMARY-%d: the agent listed files %d times.", summaries, calls)}
		}
		calls++
		if calls >= turns {
			return fakellm.Step{Text: fmt.Sprintf("finished after call %d", calls)}
		}
		return fakellm.Step{Text: fmt.Sprintf("TURN-%02d-MARKER %s", calls, filler), ToolCalls: []fakellm.ToolCall{{Name: "ls"}}}
	})
	defer srv.Close()
	p, _ := providerPlatform(t, Options{})
	ws := compactionWorkspace(t, p)
	var log eventLog
	req := anthropicRequest(srv, "work for a long time")
	req.SessionID, req.OnEvent = "long", log.add
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Compactions < 1 || res.Turns != turns || res.ModelCalls != turns+res.Compactions {
		t.Fatalf("result: %d compactions, %d turns, %d model calls", res.Compactions, res.Turns, res.ModelCalls)
	}
	var compactions []Event
	for _, ev := range log.all() {
		if ev.Type == EventCompaction {
			compactions = append(compactions, ev)
		}
	}
	if len(compactions) != res.Compactions || compactions[0].Compaction.Replaced < 2 || compactions[0].Usage == nil ||
		compactions[0].Compaction.TokensAfter >= compactions[0].Compaction.TokensBefore {
		t.Fatalf("compaction events %+v", compactions)
	}
	// Every request stayed inside the window (fakellm counts body/4).
	reqs := srv.Requests()
	var afterFirst *fakellm.Request
	seenSummary := false
	for i, r := range reqs {
		if n := len(r.Body) / 4; n > 8000 {
			t.Errorf("request %d: %d tokens, over the window", i, n)
		}
		if r.System() == providers.CompactionPrompt {
			if len(r.ToolNames()) != 0 || !strings.Contains(r.LastUserText(), "TURN-01-MARKER") {
				t.Errorf("summarisation request %d: tools %v", i, r.ToolNames())
			}
			seenSummary = true
			continue
		}
		if seenSummary && afterFirst == nil {
			afterFirst = &reqs[i]
		}
	}
	if afterFirst == nil {
		t.Fatal("no request after the compaction")
	}
	first := afterFirst.Messages()[0].Text()
	if !strings.Contains(first, "SUMMARY-1") || strings.Contains(string(afterFirst.Body), "TURN-01-MARKER") {
		t.Fatalf("the request after compaction starts with %.200q", first)
	}
	// The transcript keeps every original line, and the record.
	raw, err := os.ReadFile(filepath.Join(ws.Dir(), "sessions", "long.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(raw), "TURN-01-MARKER") || !strings.Contains(string(raw), `"compaction":{"replaced":`) {
		t.Fatal("the transcript lost the original lines or has no compaction record")
	}
	h, _, err := ws.Sessions().LoadHistory("long")
	if err != nil {
		t.Fatal(err)
	}
	if h.Compaction == nil || !strings.Contains(h.Messages[0].Text(), fmt.Sprintf("SUMMARY-%d", summaries)) || h.Stored != 1+2*(turns-1)+1 {
		t.Fatalf("loaded history: %d stored, compaction %+v", h.Stored, h.Compaction)
	}

	// A later run continues from the compacted history.
	req.Message, req.OnEvent = "and now?", nil
	if _, err := ws.Run(bg, req); err != nil {
		t.Fatal(err)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	if body := string(last.Body); strings.Contains(body, "TURN-01-MARKER") || !strings.Contains(body, fmt.Sprintf("TURN-%02d-MARKER", turns-1)) ||
		!strings.Contains(last.Messages()[0].Text(), "SUMMARY-") || last.LastUserText() != "and now?" {
		t.Fatalf("the next run's request does not continue the compacted history: %.300q", last.Messages()[0].Text())
	}
}

// TestContextOverflowFails: a conversation the guard cannot bring under
// the window fails with context_overflow saying what to do, before any
// model call and without touching the transcript.
func TestContextOverflowFails(t *testing.T) {
	srv := fakellm.New()
	defer srv.Close()
	p, _ := providerPlatform(t, Options{})
	ws := compactionWorkspace(t, p)
	req := anthropicRequest(srv, strings.Repeat("a huge paste ", 3000))
	req.SessionID = "big"
	_, err := ws.Run(bg, req)
	var pe *providers.Error
	if !errors.As(err, &pe) || pe.Class != providers.ContextOverflow || !strings.Contains(err.Error(), "start a new session") ||
		!strings.Contains(err.Error(), "context_window") {
		t.Fatalf("Run = %v", err)
	}
	if len(srv.Requests()) != 0 {
		t.Fatalf("%d model requests", len(srv.Requests()))
	}
	if msgs, _, err := ws.Sessions().Load("big"); err != nil || len(msgs) != 0 {
		t.Fatalf("transcript: %v, %v", msgs, err)
	}
}

// TestGuardShrinksToolResultsFirst: old tool results are shrunk before
// anything is compacted, the latest kept whole, the transcript untouched.
func TestGuardShrinksToolResultsFirst(t *testing.T) {
	big := strings.Repeat("0123456789abcdef\n", 160) // about 700 tokens per read
	var mu sync.Mutex
	calls := 0
	srv := fakellm.NewHandler(func(req fakellm.Request) fakellm.Step {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if calls >= 10 {
			return fakellm.Step{Text: "read them all"}
		}
		return fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "read", Input: map[string]string{"path": "big.txt"}}}}
	})
	defer srv.Close()
	p, _ := providerPlatform(t, Options{})
	ws := compactionWorkspace(t, p)
	writeFile(t, filepath.Join(ws.FilesDir(), "big.txt"), big)
	req := anthropicRequest(srv, "read big.txt many times")
	req.SessionID = "reads"
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Compactions != 0 {
		t.Fatalf("%d compactions; shrinking should have sufficed", res.Compactions)
	}
	last := srv.Requests()[len(srv.Requests())-1]
	results := last.ToolResults()
	whole, elided := 0, 0
	for _, r := range results {
		switch {
		case strings.Contains(r.Text, "elided to fit the context window"):
			elided++
		case strings.Contains(r.Text, "0123456789abcdef"):
			whole++
		}
	}
	if elided == 0 || whole < ShrinkKeepResults || !strings.Contains(results[len(results)-1].Text, "0123456789abcdef") {
		t.Fatalf("last request: %d results whole, %d elided", whole, elided)
	}
	msgs, _, err := ws.Sessions().Load("reads")
	if err != nil {
		t.Fatal(err)
	}
	for _, m := range msgs {
		for _, b := range m.Content {
			if b.Type == chat.BlockToolResult && strings.Contains(b.Text, "elided") {
				t.Fatal("the transcript holds a shrunk result")
			}
		}
	}
}
