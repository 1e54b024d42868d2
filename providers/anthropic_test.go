package providers

import (
	"encoding/json"
	"net/http"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
)

const anthropicToolReply = `{
  "id": "msg_1", "type": "message", "role": "assistant", "model": "claude-test",
  "content": [
    {"type": "text", "text": "Two calls."},
    {"type": "tool_use", "id": "toolu_1", "name": "ls", "input": {"path": "."}},
    {"type": "tool_use", "id": "toolu_2", "name": "read", "input": {"path": "a.txt", "limit": 5}}
  ],
  "stop_reason": "tool_use", "stop_sequence": null,
  "usage": {"input_tokens": 10, "cache_creation_input_tokens": 5, "cache_read_input_tokens": 3, "output_tokens": 7}
}`

var wantToolBlocks = []chat.Block{
	{Type: chat.BlockText, Text: "Two calls."},
	{Type: chat.BlockToolUse, ID: "toolu_1", Name: "ls", Input: json.RawMessage(`{"path":"."}`)},
	{Type: chat.BlockToolUse, ID: "toolu_2", Name: "read", Input: json.RawMessage(`{"path":"a.txt","limit":5}`)},
}

func TestAnthropicRequestAndResponse(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
		writeJSON(w, 200, anthropicToolReply)
	})
	p := newTestProvider(t, "anthropic", srv.URL, func(c *Config) { c.NoStream = true })
	onText, deltas := collect()
	resp, err := complete(t, p, toolConversation(), onText)
	if err != nil {
		t.Fatal(err)
	}

	got := srv.last(t)
	if got.Path != "/v1/messages" {
		t.Errorf("path = %q", got.Path)
	}
	if k := got.Header.Get("X-Api-Key"); k != testKey {
		t.Errorf("X-Api-Key = %q, want the configured key", k)
	}
	if got.Header.Get("Anthropic-Version") == "" {
		t.Error("no anthropic-version header")
	}
	if _, ok := got.Body["stream"]; ok {
		t.Errorf("non-streaming request has stream = %v", got.Body["stream"])
	}
	mustJSON(t, "model", got.Body["model"], `"claude-sonnet-4-5"`)
	mustJSON(t, "max_tokens", got.Body["max_tokens"], `8192`)
	// Cache breakpoints: the system prompt (caching the tools with it), the
	// last message, and the last message of the previous turn.
	mustJSON(t, "system", got.Body["system"], `[{"type":"text","text":"You are terse.","cache_control":{"type":"ephemeral"}}]`)
	mustJSON(t, "messages", got.Body["messages"], `[
	  {"role":"user","content":[{"type":"text","text":"list then read","cache_control":{"type":"ephemeral"}}]},
	  {"role":"assistant","content":[
	    {"type":"text","text":"Looking."},
	    {"type":"tool_use","id":"call_A","name":"ls","input":{"path":"."}},
	    {"type":"tool_use","id":"call_B","name":"read","input":{"path":"x.txt"}}]},
	  {"role":"user","content":[
	    {"type":"tool_result","tool_use_id":"call_A","content":[{"type":"text","text":"x.txt"}]},
	    {"type":"tool_result","tool_use_id":"call_B","content":[{"type":"text","text":"no such file"}],"is_error":true,"cache_control":{"type":"ephemeral"}}]}
	]`)
	mustJSON(t, "tools", got.Body["tools"], `[
	  {"name":"ls","description":"List a directory.","input_schema":{"type":"object","properties":{"path":{"type":"string"}}}},
	  {"name":"read","description":"Read a file.","input_schema":{"type":"object","properties":{"path":{"type":"string"},"limit":{"type":"integer"}},"required":["path"],"additionalProperties":false}}
	]`)

	wantBlocks(t, resp.Message.Content, wantToolBlocks)
	if resp.Message.Role != chat.RoleAssistant || resp.StopReason != chat.StopToolUse || resp.Model != "claude-test" {
		t.Errorf("role %q stop %q model %q", resp.Message.Role, resp.StopReason, resp.Model)
	}
	if want := (chat.Usage{InputTokens: 10, OutputTokens: 7, CacheReadTokens: 3, CacheWriteTokens: 5}); resp.Usage != want {
		t.Errorf("usage = %+v, want %+v (cache fields kept apart)", resp.Usage, want)
	}
	if resp.Provider != "anthropic" {
		t.Errorf("provider = %q", resp.Provider)
	}
	if len(*deltas) != 1 || (*deltas)[0] != "Two calls." {
		t.Errorf("deltas = %q, want the whole text once", *deltas)
	}
}

func TestAnthropicExplicitModelAndMaxTokens(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
		writeJSON(w, 200, anthropicToolReply)
	})
	p := newTestProvider(t, "anthropic", srv.URL, func(c *Config) { c.NoStream = true; c.MaxTokens = 100 })
	if _, err := complete(t, p, chat.Request{Model: "claude-x", Messages: []chat.Message{chat.UserText("hi")}}, nil); err != nil {
		t.Fatal(err)
	}
	mustJSON(t, "model", srv.last(t).Body["model"], `"claude-x"`)
	mustJSON(t, "max_tokens", srv.last(t).Body["max_tokens"], `100`)
	if _, err := complete(t, p, chat.Request{MaxTokens: 7, Messages: []chat.Message{chat.UserText("hi")}}, nil); err != nil {
		t.Fatal(err)
	}
	mustJSON(t, "max_tokens", srv.last(t).Body["max_tokens"], `7`)
	for _, k := range []string{"system", "tools"} {
		if _, ok := srv.last(t).Body[k]; ok {
			t.Errorf("request without %s sent %s", k, k)
		}
	}
}

// anthropicStream writes a streamed message with text and two tool calls
// whose inputs arrive in pieces.
func anthropicStream(w http.ResponseWriter) {
	s := startSSE(w)
	s.send("message_start", `{"type":"message_start","message":{"id":"msg_2","type":"message","role":"assistant","model":"claude-test","content":[],"stop_reason":null,"stop_sequence":null,"usage":{"input_tokens":21,"output_tokens":1}}}`)
	s.send("ping", `{"type":"ping"}`)
	s.send("content_block_start", `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}`)
	s.send("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Two "}}`)
	s.send("content_block_delta", `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"calls."}}`)
	s.send("content_block_stop", `{"type":"content_block_stop","index":0}`)
	s.send("content_block_start", `{"type":"content_block_start","index":1,"content_block":{"type":"tool_use","id":"toolu_1","name":"ls","input":{}}}`)
	s.send("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"{\"pa"}}`)
	s.send("content_block_delta", `{"type":"content_block_delta","index":1,"delta":{"type":"input_json_delta","partial_json":"th\": \".\"}"}}`)
	s.send("content_block_stop", `{"type":"content_block_stop","index":1}`)
	s.send("content_block_start", `{"type":"content_block_start","index":2,"content_block":{"type":"tool_use","id":"toolu_2","name":"read","input":{}}}`)
	s.send("content_block_delta", `{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":"{\"path\": \"a.txt\","}}`)
	s.send("content_block_delta", `{"type":"content_block_delta","index":2,"delta":{"type":"input_json_delta","partial_json":" \"limit\": 5}"}}`)
	s.send("content_block_stop", `{"type":"content_block_stop","index":2}`)
	s.send("message_delta", `{"type":"message_delta","delta":{"stop_reason":"tool_use","stop_sequence":null},"usage":{"output_tokens":33}}`)
	s.send("message_stop", `{"type":"message_stop"}`)
}

func TestAnthropicStreaming(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) { anthropicStream(w) })
	p := newTestProvider(t, "anthropic", srv.URL, nil)
	onText, deltas := collect()
	resp, err := complete(t, p, toolConversation(), onText)
	if err != nil {
		t.Fatal(err)
	}
	mustJSON(t, "stream", srv.last(t).Body["stream"], `true`)
	if got := *deltas; len(got) != 2 || got[0] != "Two " || got[1] != "calls." {
		t.Errorf("deltas = %q", got)
	}
	wantBlocks(t, resp.Message.Content, wantToolBlocks)
	if resp.StopReason != chat.StopToolUse {
		t.Errorf("stop = %q", resp.StopReason)
	}
	if resp.Usage != (chat.Usage{InputTokens: 21, OutputTokens: 33}) {
		t.Errorf("usage = %+v", resp.Usage)
	}
}

func TestAnthropicStopReasons(t *testing.T) {
	for _, tc := range []struct {
		wire string
		want chat.StopReason
	}{
		{"end_turn", chat.StopEndTurn},
		{"stop_sequence", chat.StopEndTurn},
		{"max_tokens", chat.StopMaxTokens},
		{"tool_use", chat.StopToolUse},
		{"refusal", chat.StopOther},
		{"pause_turn", chat.StopOther},
	} {
		t.Run(tc.wire, func(t *testing.T) {
			srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
				writeJSON(w, 200, `{"id":"m","type":"message","role":"assistant","model":"m","content":[{"type":"text","text":"ok"}],"stop_reason":"`+tc.wire+`","usage":{"input_tokens":1,"output_tokens":1}}`)
			})
			p := newTestProvider(t, "anthropic", srv.URL, func(c *Config) { c.NoStream = true })
			resp, err := complete(t, p, chat.Request{Messages: []chat.Message{chat.UserText("hi")}}, nil)
			if err != nil {
				t.Fatal(err)
			}
			if resp.StopReason != tc.want {
				t.Errorf("stop = %q, want %q", resp.StopReason, tc.want)
			}
		})
	}
}

func TestAnthropicRejectsUnmappableRequest(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) { writeJSON(w, 200, anthropicToolReply) })
	p := newTestProvider(t, "anthropic", srv.URL, nil)
	for name, req := range map[string]chat.Request{
		"role":   {Messages: []chat.Message{{Role: "system", Content: []chat.Block{{Type: chat.BlockText, Text: "x"}}}}},
		"block":  {Messages: []chat.Message{{Role: chat.RoleUser, Content: []chat.Block{{Type: "image"}}}}},
		"input":  {Messages: []chat.Message{{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockToolUse, ID: "a", Name: "ls", Input: json.RawMessage(`[1]`)}}}}},
		"schema": {Messages: []chat.Message{chat.UserText("x")}, Tools: []chat.Tool{{Name: "t", Parameters: json.RawMessage(`"nope"`)}}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := complete(t, p, req, nil)
			pe := asError(t, err)
			if pe.Class != BadRequest || pe.Status != 0 {
				t.Errorf("err = %v, want a local bad_request", err)
			}
		})
	}
	if srv.hits() != 0 {
		t.Errorf("unmappable requests reached the server %d times", srv.hits())
	}
}
