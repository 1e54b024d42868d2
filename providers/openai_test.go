package providers

import (
	"net/http"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
)

const openaiToolReply = `{
  "id": "chatcmpl-1", "object": "chat.completion", "created": 1, "model": "gpt-test",
  "choices": [{"index": 0, "finish_reason": "tool_calls", "logprobs": null,
    "message": {"role": "assistant", "content": "Two calls.", "refusal": null, "tool_calls": [
      {"id": "toolu_1", "type": "function", "function": {"name": "ls", "arguments": "{\"path\":\".\"}"}},
      {"id": "toolu_2", "type": "function", "function": {"name": "read", "arguments": "{\"path\": \"a.txt\", \"limit\": 5}"}}
    ]}}],
  "usage": {"prompt_tokens": 31, "completion_tokens": 9, "total_tokens": 40}
}`

// wantOpenAIMessages is the Chat Completions form of toolConversation.
const wantOpenAIMessages = `[
  {"role":"system","content":"You are terse."},
  {"role":"user","content":"list then read"},
  {"role":"assistant","content":"Looking.","tool_calls":[
    {"id":"call_A","type":"function","function":{"name":"ls","arguments":"{\"path\":\".\"}"}},
    {"id":"call_B","type":"function","function":{"name":"read","arguments":"{\"path\":\"x.txt\"}"}}]},
  {"role":"tool","tool_call_id":"call_A","content":"x.txt"},
  {"role":"tool","tool_call_id":"call_B","content":"no such file"}
]`

const wantOpenAITools = `[
  {"type":"function","function":{"name":"ls","description":"List a directory.","parameters":{"type":"object","properties":{"path":{"type":"string"}}}}},
  {"type":"function","function":{"name":"read","description":"Read a file.","parameters":{"type":"object","properties":{"path":{"type":"string"},"limit":{"type":"integer"}},"required":["path"],"additionalProperties":false}}}
]`

func TestOpenAIRequestAndResponse(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) { writeJSON(w, 200, openaiToolReply) })
	p := newTestProvider(t, "openai", srv.URL, func(c *Config) { c.NoStream = true })
	onText, deltas := collect()
	resp, err := complete(t, p, toolConversation(), onText)
	if err != nil {
		t.Fatal(err)
	}
	got := srv.last(t)
	if got.Path != "/chat/completions" {
		t.Errorf("path = %q", got.Path)
	}
	if a := got.Header.Get("Authorization"); a != "Bearer "+testKey {
		t.Errorf("Authorization = %q, want the bearer key", a)
	}
	mustJSON(t, "model", got.Body["model"], `"gpt-4.1"`)
	mustJSON(t, "max_completion_tokens", got.Body["max_completion_tokens"], `8192`)
	for _, k := range []string{"max_tokens", "stream", "stream_options"} {
		if v, ok := got.Body[k]; ok {
			t.Errorf("non-streaming openai request has %s = %v", k, v)
		}
	}
	mustJSON(t, "messages", got.Body["messages"], wantOpenAIMessages)
	mustJSON(t, "tools", got.Body["tools"], wantOpenAITools)

	wantBlocks(t, resp.Message.Content, wantToolBlocks)
	if resp.StopReason != chat.StopToolUse || resp.Model != "gpt-test" {
		t.Errorf("stop %q model %q", resp.StopReason, resp.Model)
	}
	if resp.Usage != (chat.Usage{InputTokens: 31, OutputTokens: 9}) {
		t.Errorf("usage = %+v", resp.Usage)
	}
	if len(*deltas) != 1 || (*deltas)[0] != "Two calls." {
		t.Errorf("deltas = %q", *deltas)
	}
}

func TestOpenAIUserTextAfterToolResults(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) { writeJSON(w, 200, openaiToolReply) })
	p := newTestProvider(t, "openai", srv.URL, func(c *Config) { c.NoStream = true })
	req := chat.Request{Messages: []chat.Message{
		{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockToolUse, ID: "c1", Name: "ls"}}},
		{Role: chat.RoleUser, Content: []chat.Block{
			{Type: chat.BlockText, Text: "also this"},
			{Type: chat.BlockToolResult, ToolUseID: "c1", Text: "r1"},
			{Type: chat.BlockText, Text: "and that"},
		}},
	}}
	if _, err := complete(t, p, req, nil); err != nil {
		t.Fatal(err)
	}
	mustJSON(t, "messages", srv.last(t).Body["messages"], `[
	  {"role":"assistant","tool_calls":[{"id":"c1","type":"function","function":{"name":"ls","arguments":"{}"}}]},
	  {"role":"tool","tool_call_id":"c1","content":"r1"},
	  {"role":"user","content":"also this\nand that"}
	]`)
}

func TestOpenAICompatiblePresets(t *testing.T) {
	for _, tc := range []struct {
		name, maxField string
		auth           bool
	}{
		{"groq", "max_completion_tokens", true},
		{"cerebras", "max_completion_tokens", true},
		{"xai", "max_completion_tokens", true},
		{"mistral", "max_tokens", true},
		{"openrouter", "max_tokens", true},
		{"gemini", "max_tokens", true},
		{"ollama", "max_tokens", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) { writeJSON(w, 200, openaiToolReply) })
			p := newTestProvider(t, tc.name, srv.URL+"/v1", func(c *Config) {
				c.NoStream = true
				if !tc.auth {
					c.APIKey = ""
				}
			})
			if _, err := complete(t, p, chat.Request{Messages: []chat.Message{chat.UserText("hi")}}, nil); err != nil {
				t.Fatal(err)
			}
			got := srv.last(t)
			if got.Path != "/v1/chat/completions" {
				t.Errorf("path = %q", got.Path)
			}
			mustJSON(t, tc.maxField, got.Body[tc.maxField], `8192`)
			mustJSON(t, "model", got.Body["model"], `"`+DefaultModel(tc.name)+`"`)
			if a := got.Header.Get("Authorization"); (a != "") != tc.auth {
				t.Errorf("Authorization = %q, want present = %v", a, tc.auth)
			}
		})
	}
}

// openaiStream writes a chunk stream: text in two pieces, then two tool
// calls whose ids, names and arguments arrive in pieces keyed by index, the
// second starting before the first is finished, then a usage-only chunk.
func openaiStream(w http.ResponseWriter) {
	s := startSSE(w)
	chunk := func(delta, finish string) string {
		return `{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-test","choices":[{"index":0,"delta":` + delta + `,"finish_reason":` + finish + `}]}`
	}
	s.send("", chunk(`{"role":"assistant","content":""}`, `null`))
	s.send("", chunk(`{"content":"Two "}`, `null`))
	s.send("", chunk(`{"content":"calls."}`, `null`))
	s.send("", chunk(`{"tool_calls":[{"index":0,"id":"toolu_1","type":"function","function":{"name":"ls","arguments":""}}]}`, `null`))
	s.send("", chunk(`{"tool_calls":[{"index":0,"function":{"arguments":"{\"pa"}}]}`, `null`))
	s.send("", chunk(`{"tool_calls":[{"index":1,"id":"toolu_2","type":"function","function":{"name":"read","arguments":"{\"path\": "}}]}`, `null`))
	s.send("", chunk(`{"tool_calls":[{"index":0,"function":{"arguments":"th\":\".\"}"}}]}`, `null`))
	s.send("", chunk(`{"tool_calls":[{"index":1,"function":{"arguments":"\"a.txt\", \"limit\": 5}"}}]}`, `null`))
	s.send("", chunk(`{}`, `"tool_calls"`))
	s.send("", `{"id":"c","object":"chat.completion.chunk","created":1,"model":"gpt-test","choices":[],"usage":{"prompt_tokens":31,"completion_tokens":9,"total_tokens":40}}`)
	s.send("", `[DONE]`)
}

func TestOpenAIStreaming(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) { openaiStream(w) })
	p := newTestProvider(t, "openai", srv.URL, nil)
	onText, deltas := collect()
	resp, err := complete(t, p, toolConversation(), onText)
	if err != nil {
		t.Fatal(err)
	}
	got := srv.last(t)
	mustJSON(t, "stream", got.Body["stream"], `true`)
	mustJSON(t, "stream_options", got.Body["stream_options"], `{"include_usage":true}`)
	mustJSON(t, "messages", got.Body["messages"], wantOpenAIMessages)
	if d := *deltas; len(d) != 2 || d[0] != "Two " || d[1] != "calls." {
		t.Errorf("deltas = %q", d)
	}
	wantBlocks(t, resp.Message.Content, wantToolBlocks)
	if resp.StopReason != chat.StopToolUse {
		t.Errorf("stop = %q", resp.StopReason)
	}
	if resp.Usage != (chat.Usage{InputTokens: 31, OutputTokens: 9}) {
		t.Errorf("usage = %+v", resp.Usage)
	}
}

func TestOpenAIStopReasons(t *testing.T) {
	noTools := `"content":"ok"`
	withTool := `"content":null,"tool_calls":[{"id":"t","type":"function","function":{"name":"ls","arguments":"{}"}}]`
	for _, tc := range []struct {
		name, finish, message string
		want                  chat.StopReason
	}{
		{"stop", "stop", noTools, chat.StopEndTurn},
		{"length", "length", noTools, chat.StopMaxTokens},
		{"tool_calls", "tool_calls", withTool, chat.StopToolUse},
		{"stop with tool calls", "stop", withTool, chat.StopToolUse},
		{"length with tool calls", "length", withTool, chat.StopMaxTokens},
		{"content_filter", "content_filter", noTools, chat.StopOther},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
				writeJSON(w, 200, `{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"`+tc.finish+`","message":{"role":"assistant",`+tc.message+`}}]}`)
			})
			p := newTestProvider(t, "openai", srv.URL, func(c *Config) { c.NoStream = true })
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

func TestOpenAIMalformedToolArguments(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
		writeJSON(w, 200, `{"id":"c","object":"chat.completion","created":1,"model":"m","choices":[{"index":0,"finish_reason":"tool_calls","message":{"role":"assistant","tool_calls":[{"id":"t1","type":"function","function":{"name":"ls","arguments":"{\"path\": "}}]}}]}`)
	})
	p := newTestProvider(t, "openai", srv.URL, func(c *Config) { c.NoStream = true })
	resp, err := complete(t, p, chat.Request{Messages: []chat.Message{chat.UserText("hi")}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	wantBlocks(t, resp.Message.Content, []chat.Block{{Type: chat.BlockToolUse, ID: "t1", Name: "ls", Input: emptyObject}})
}
