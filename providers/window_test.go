package providers

import (
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

func TestContextWindowsAndPrices(t *testing.T) {
	w := DefaultContextWindows
	if w.Window("claude-sonnet-4-5-20250929") != 200_000 || w.Window("gpt-4.1-mini") != 1_047_576 ||
		w.Window("gemini-2.5-flash") != 1_048_576 || w.Window("mystery") != DefaultContextWindow {
		t.Error("window lookup")
	}
	if w.Window("gpt-4.1x") != DefaultContextWindow {
		t.Error("a longer name matched without a separator")
	}
	for _, name := range Names() {
		if _, ok := lookupModel(w, DefaultModel(name)); !ok {
			t.Errorf("no context window for %s's default model %s", name, DefaultModel(name))
		}
		if _, ok := DefaultPrices.Lookup(name, DefaultModel(name)); !ok {
			t.Errorf("no price for %s's default model %s", name, DefaultModel(name))
		}
	}
	u := chat.Usage{InputTokens: 1_000_000, OutputTokens: 100_000, CacheReadTokens: 2_000_000, CacheWriteTokens: 400_000}
	cost, ok := DefaultPrices.Cost("anthropic", "claude-sonnet-4-5-20250929", u)
	if want := 3 + 1.5 + 0.6 + 1.5; !ok || math.Abs(cost-want) > 1e-9 {
		t.Errorf("sonnet cost = %v (known %v), want %v", cost, ok, want)
	}
	if c, _ := DefaultPrices.Cost("openai", "gpt-4.1", chat.Usage{InputTokens: 500_000, CacheReadTokens: 500_000, OutputTokens: 1000}); math.Abs(c-(1+0.25+0.008)) > 1e-9 {
		t.Errorf("gpt-4.1 cost = %v", c)
	}
	if c, ok := DefaultPrices.Cost("ollama", "llama3.1", u); !ok || c != 0 {
		t.Errorf("ollama cost = %v %v", c, ok)
	}
	if _, ok := DefaultPrices.Cost("openai", "unknown-model", u); ok {
		t.Error("unknown model priced")
	}
	custom := Prices{"openrouter/anthropic/claude-sonnet-4.5": {Input: 1}}
	if p, _ := custom.Lookup("openrouter", "anthropic/claude-sonnet-4.5"); p.Input != 1 {
		t.Error("provider/model key not found")
	}
}

func TestTextTokens(t *testing.T) {
	for s, want := range map[string]int{"": 0, "abcd": 1, "abcde": 2, "日本語": 3, "añ": 2} {
		if got := TextTokens(s); got != want {
			t.Errorf("TextTokens(%q) = %d, want %d", s, got, want)
		}
	}
}

// demoRequests returns the requests of the bundled demo cassette.
func demoRequests(t testing.TB) []chat.Request {
	t.Helper()
	c, err := loadCassette("../testdata/demo/cassette.json")
	if err != nil {
		t.Fatal(err)
	}
	var out []chat.Request
	for _, in := range c.Interactions {
		out = append(out, in.Request)
	}
	return out
}

// The estimate is compared with what a server reports for the same
// requests: fakellm counts the Anthropic request body at 4 bytes a token,
// close to Claude's tokenizer on English and code.
func TestEstimateAgainstReportedUsage(t *testing.T) {
	srv := fakellm.NewHandler(func(fakellm.Request) fakellm.Step { return fakellm.Step{Text: "ok"} })
	defer srv.Close()
	p := newTestProvider(t, "anthropic", srv.AnthropicBaseURL(), func(c *Config) { c.NoPromptCache = true })
	for i, req := range demoRequests(t) {
		resp, err := complete(t, p, req, nil)
		if err != nil {
			t.Fatal(err)
		}
		est, got := EstimateTokens(req), resp.Usage.PromptTokens()
		ratio := float64(est) / float64(got)
		t.Logf("turn %d: estimate %d, reported %d (%.2f)", i+1, est, got, ratio)
		if ratio < 0.9 || ratio > 1.1 {
			t.Errorf("turn %d: estimate %d vs reported %d: off by more than the documented margin", i+1, est, got)
		}
	}
}

// toolSession returns a synthetic session of n tool rounds, each result
// size bytes long.
func toolSession(n, size int) []chat.Message {
	msgs := []chat.Message{chat.UserText("Fix the failing tests in the project.")}
	for i := range n {
		id := fmt.Sprintf("t%03d", i)
		msgs = append(msgs,
			chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{
				{Type: chat.BlockText, Text: fmt.Sprintf("Step %d: reading the next file.", i)},
				{Type: chat.BlockToolUse, ID: id, Name: "read", Input: json.RawMessage(fmt.Sprintf(`{"path":"src/file%03d.go"}`, i))},
			}},
			chat.Message{Role: chat.RoleUser, Content: []chat.Block{{Type: chat.BlockToolResult, ToolUseID: id, Text: strings.Repeat(fmt.Sprintf("line %d of file %d\n", i, i), size/20)}}},
		)
	}
	return msgs
}

func TestShrinkToolResults(t *testing.T) {
	req := chat.Request{System: "sys", Messages: toolSession(10, 4000)}
	before := EstimateTokens(req)
	out, st := ShrinkToolResults(req, before/2, 3)
	if st.TokensBefore != before || st.TokensAfter > before/2 || st.Shrunk == 0 || st.TokensAfter != EstimateTokens(out) {
		t.Errorf("stats %+v for a %d-token request and budget %d", st, before, before/2)
	}
	// The latest three results are whole, the oldest are cut, the input untouched.
	results := func(r chat.Request) (texts []string) {
		for _, m := range r.Messages {
			for _, b := range m.Content {
				if b.Type == chat.BlockToolResult {
					texts = append(texts, b.Text)
				}
			}
		}
		return texts
	}
	orig, got := results(req), results(out)
	for i := range got {
		shrunk := got[i] != orig[i]
		if i >= len(got)-3 && shrunk {
			t.Errorf("result %d of the latest 3 was shrunk", i)
		}
		if shrunk && (!strings.Contains(got[i], "bytes of this tool result were elided") || !strings.HasPrefix(got[i], orig[i][:100])) {
			t.Errorf("result %d shrunk to %q", i, got[i][:120])
		}
	}
	if got[0] == orig[0] {
		t.Error("the oldest result was kept whole")
	}
	if results(req)[0] != orig[0] || len(req.Messages[2].Content[0].Text) != len(orig[0]) {
		t.Error("input modified")
	}
	// An impossible budget: everything but the latest is shrunk, no more.
	_, st = ShrinkToolResults(req, 1, 3)
	if st.Shrunk != 7 || st.TokensAfter <= 1 {
		t.Errorf("impossible budget: %+v", st)
	}
	// Within budget: returned as is.
	if _, st := ShrinkToolResults(req, before, 0); st.Shrunk != 0 {
		t.Errorf("within budget: %+v", st)
	}
}

func TestCompaction(t *testing.T) {
	history := toolSession(30, 2000)
	plan, err := PrepareCompaction(history, CompactOptions{KeepTokens: 3000, Model: "claude-haiku-4-5"})
	if err != nil {
		t.Fatal(err)
	}
	if plan.Split <= 1 || plan.Split >= len(history) || !cutsCleanly(history[plan.Split]) {
		t.Fatalf("split %d", plan.Split)
	}
	if kept := MessagesTokens(history[plan.Split:]); kept < 3000 || kept > 3000+MessagesTokens(history[plan.Split:plan.Split+2]) {
		t.Errorf("kept %d tokens, want about 3000", kept)
	}
	r := plan.Request
	if r.System != CompactionPrompt || len(r.Tools) != 0 || r.Model != "claude-haiku-4-5" || r.MaxTokens != DefaultCompactSummaryTokens ||
		!strings.Contains(r.Messages[0].Text(), "[assistant called read]") || !strings.Contains(r.Messages[0].Text(), "Fix the failing tests") {
		t.Errorf("summarisation request: %+v", r.Messages[0].Text()[:200])
	}
	resp := &chat.Response{Message: chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockText, Text: "Read files 0-20; nothing fixed yet."}}},
		Provider: "anthropic", Model: "claude-haiku-4-5", Usage: chat.Usage{InputTokens: 9000, OutputTokens: 20}}
	c, err := plan.Record(history, resp)
	if err != nil {
		t.Fatal(err)
	}
	compacted := c.Apply(history)
	if c.Replaced != plan.Split || c.TokensAfter >= c.TokensBefore/3 || c.TokensAfter != MessagesTokens(compacted) {
		t.Errorf("record %+v", c)
	}
	if compacted[0].Role != chat.RoleUser || !strings.Contains(compacted[0].Text(), "nothing fixed yet") || compacted[1].Role != chat.RoleAssistant {
		t.Errorf("compacted head: %+v", compacted[:2])
	}
	// Every tool call of the compacted history is answered (fakellm's check).
	if err := checkPaired(compacted); err != nil {
		t.Error(err)
	}
	if _, err := PrepareCompaction(history[:3], CompactOptions{}); err != ErrNothingToCompact {
		t.Errorf("short history: %v", err)
	}
	if _, err := plan.Record(history, &chat.Response{}); err == nil {
		t.Error("empty summary accepted")
	}
}

// checkPaired reports a tool_use without a result in the next message.
func checkPaired(msgs []chat.Message) error {
	for i, m := range msgs {
		for _, u := range m.ToolUses() {
			found := false
			if i+1 < len(msgs) {
				for _, b := range msgs[i+1].Content {
					found = found || b.Type == chat.BlockToolResult && b.ToolUseID == u.ID
				}
			}
			if !found {
				return fmt.Errorf("message %d: tool call %s unanswered", i, u.ID)
			}
		}
	}
	return nil
}
