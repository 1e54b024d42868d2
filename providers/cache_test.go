package providers

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// breakpoints returns the JSON paths of the cache_control marks in an
// Anthropic request body.
func breakpoints(body map[string]any) []string {
	var out []string
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, val := range x {
				if k == "cache_control" {
					out = append(out, path)
					continue
				}
				walk(path+"."+k, val)
			}
		case []any:
			for i, val := range x {
				walk(path+"["+itoa(i)+"]", val)
			}
		}
	}
	for _, k := range []string{"system", "tools", "messages"} {
		walk(k, body[k])
	}
	return out
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

func TestAnthropicCacheBreakpoints(t *testing.T) {
	long := chat.Request{
		System: "sys",
		Tools:  toolConversation().Tools,
		Messages: []chat.Message{
			chat.UserText("q1"),
			{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockText, Text: "a1"}}},
			chat.UserText("q2"),
			{Role: chat.RoleAssistant, Content: []chat.Block{
				{Type: chat.BlockThinking, Text: "hmm", Signature: "sig"},
				{Type: chat.BlockToolUse, ID: "t1", Name: "ls", Input: json.RawMessage(`{}`)},
			}},
			{Role: chat.RoleUser, Content: []chat.Block{{Type: chat.BlockToolResult, ToolUseID: "t1", Text: "x"}}},
		},
	}
	noSystem := long
	noSystem.System = ""
	onlyUser := chat.Request{System: "sys", Messages: []chat.Message{chat.UserText("hi")}}
	thinkingLast := chat.Request{Messages: []chat.Message{
		chat.UserText("q"),
		{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockText, Text: "t"}, {Type: chat.BlockThinking, Text: "th", Signature: "s"}}},
	}}
	for _, tc := range []struct {
		name    string
		req     chat.Request
		noCache bool
		want    []string
	}{
		{"conversation", long, false, []string{"system[0]", "messages[2].content[0]", "messages[4].content[0]"}},
		{"no system prompt: last tool", noSystem, false, []string{"tools[1]", "messages[2].content[0]", "messages[4].content[0]"}},
		{"first turn", onlyUser, false, []string{"system[0]", "messages[0].content[0]"}},
		{"thinking block cannot carry one", thinkingLast, false, []string{"messages[1].content[0]"}},
		{"caching off", long, true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) { writeJSON(w, 200, anthropicToolReply) })
			p := newTestProvider(t, "anthropic", srv.URL, func(c *Config) { c.NoStream = true; c.NoPromptCache = tc.noCache })
			if _, err := complete(t, p, tc.req, nil); err != nil {
				t.Fatal(err)
			}
			got := breakpoints(srv.last(t).Body)
			if strings.Join(got, " ") != strings.Join(tc.want, " ") {
				t.Errorf("breakpoints = %v, want %v", got, tc.want)
			}
			if len(got) > MaxCacheBreakpoints {
				t.Errorf("%d breakpoints, the API allows %d", len(got), MaxCacheBreakpoints)
			}
		})
	}
}

func TestAnthropicSettingsAndThinking(t *testing.T) {
	temp := 0.3
	reply := `{"id":"m","type":"message","role":"assistant","model":"claude-test","content":[
	  {"type":"thinking","thinking":"Let me see.","signature":"SIG=="},
	  {"type":"redacted_thinking","data":"ENC=="},
	  {"type":"text","text":"Done."}],
	  "stop_reason":"stop_sequence","stop_sequence":"END","usage":{"input_tokens":1,"output_tokens":2}}`
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) { writeJSON(w, 200, reply) })
	p := newTestProvider(t, "anthropic", srv.URL, func(c *Config) { c.NoStream = true })

	req := chat.Request{Messages: []chat.Message{chat.UserText("hi")}, Temperature: &temp, StopSequences: []string{"END"}, MaxTokens: 4000}
	if _, err := complete(t, p, req, nil); err != nil {
		t.Fatal(err)
	}
	b := srv.last(t).Body
	mustJSON(t, "temperature", b["temperature"], `0.3`)
	mustJSON(t, "stop_sequences", b["stop_sequences"], `["END"]`)
	if _, ok := b["thinking"]; ok {
		t.Error("thinking sent without being asked for")
	}

	req.Thinking = &chat.Thinking{BudgetTokens: 2048}
	resp, err := complete(t, p, req, nil)
	if err != nil {
		t.Fatal(err)
	}
	b = srv.last(t).Body
	mustJSON(t, "thinking", b["thinking"], `{"type":"enabled","budget_tokens":2048}`)
	if _, ok := b["temperature"]; ok {
		t.Error("temperature sent with thinking; the API rejects it")
	}
	wantBlocks(t, resp.Message.Content, []chat.Block{
		{Type: chat.BlockThinking, Text: "Let me see.", Signature: "SIG=="},
		{Type: chat.BlockRedactedThinking, Data: "ENC=="},
		{Type: chat.BlockText, Text: "Done."},
	})
	if resp.Message.Text() != "Done." || resp.StopReason != chat.StopEndTurn {
		t.Errorf("text %q stop %q", resp.Message.Text(), resp.StopReason)
	}

	// The thinking blocks go back unchanged in the next request.
	next := chat.Request{Thinking: req.Thinking, MaxTokens: 4000, Messages: []chat.Message{
		chat.UserText("hi"), resp.Message, chat.UserText("more"),
	}}
	if _, err := complete(t, p, next, nil); err != nil {
		t.Fatal(err)
	}
	mustJSON(t, "assistant content", srv.last(t).Body["messages"].([]any)[1].(map[string]any)["content"], `[
	  {"type":"thinking","thinking":"Let me see.","signature":"SIG=="},
	  {"type":"redacted_thinking","data":"ENC=="},
	  {"type":"text","text":"Done."}]`)

	// A tool-use turn answered without thinking (by another provider, after
	// a fallback) cannot be continued with thinking on: it is sent without.
	foreign := chat.Request{Thinking: req.Thinking, MaxTokens: 4000, Messages: []chat.Message{
		chat.UserText("hi"),
		{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockToolUse, ID: "c1", Name: "ls", Input: json.RawMessage(`{}`)}}},
		{Role: chat.RoleUser, Content: []chat.Block{{Type: chat.BlockToolResult, ToolUseID: "c1", Text: "x"}}},
	}}
	if _, err := complete(t, p, foreign, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := srv.last(t).Body["thinking"]; ok {
		t.Error("thinking enabled on a tool-use turn that has no thinking block")
	}

	hits := srv.hits()
	bad := req
	bad.Thinking = &chat.Thinking{BudgetTokens: 5000}
	if _, err := complete(t, p, bad, nil); asError(t, err).Class != BadRequest || !strings.Contains(err.Error(), "budget_tokens") {
		t.Errorf("budget above max_tokens: err = %v", err)
	}
	if srv.hits() != hits {
		t.Error("an invalid thinking budget reached the server")
	}
}
