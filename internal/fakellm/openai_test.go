package fakellm

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"testing"
)

func TestOpenAICompletion(t *testing.T) {
	tests := []struct {
		name        string
		step        Step
		wantContent any
		wantFinish  string
	}{
		{"text", Step{Text: "All tests pass."}, "All tests pass.", "stop"},
		{"tools only", Step{ToolCalls: []ToolCall{{Name: "ls", Input: map[string]any{"path": "."}}, {Name: "find"}}}, nil, "tool_calls"},
		{"text and tools", Step{Text: "Looking.", ToolCalls: []ToolCall{{Name: "ls"}}}, "Looking.", "tool_calls"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(tt.step)
			defer s.Close()
			body := userBody(ProtocolOpenAI, false, nil)
			got := postJSON(t, s, ProtocolOpenAI, body, http.StatusOK)
			for k, want := range map[string]any{"id": "chatcmpl-01", "object": "chat.completion", "model": "test-model"} {
				if got[k] != want {
					t.Errorf("%s = %v, want %v", k, got[k], want)
				}
			}
			choice := path(t, got, "choices", 0)
			if path(t, choice, "finish_reason") != tt.wantFinish || path(t, choice, "message", "role") != "assistant" {
				t.Errorf("choice = %v, want finish_reason %s", choice, tt.wantFinish)
			}
			if c := path(t, choice, "message", "content"); c != tt.wantContent {
				t.Errorf("content = %#v, want %#v", c, tt.wantContent)
			}
			calls, _ := path(t, choice, "message", "tool_calls").([]any)
			if len(calls) != len(tt.step.ToolCalls) {
				t.Fatalf("tool_calls = %v, want %d", calls, len(tt.step.ToolCalls))
			}
			for i, c := range calls {
				wantArgs, _ := toolInput(tt.step.ToolCalls[i].Input)
				if path(t, c, "id") != fmt.Sprintf("call_%02d", i+1) || path(t, c, "type") != "function" ||
					path(t, c, "function", "name") != tt.step.ToolCalls[i].Name || path(t, c, "function", "arguments") != string(wantArgs) {
					t.Errorf("tool_calls[%d] = %v", i, c)
				}
			}
			in, out := len(body)/4, num(t, path(t, got, "usage", "completion_tokens"))
			if num(t, path(t, got, "usage", "prompt_tokens")) != in || num(t, path(t, got, "usage", "total_tokens")) != in+out || out < 1 {
				t.Errorf("usage = %v, want prompt_tokens %d", got["usage"], in)
			}
		})
	}
}

func TestOpenAIStream(t *testing.T) {
	input := map[string]any{"path": "inventory/pagination.py", "edits": []any{map[string]any{"oldText": "a", "newText": "b"}}}
	step := Step{Text: "Fixing the bug.", ToolCalls: []ToolCall{{Name: "edit", Input: input}, {Name: "ls"}}}
	for _, includeUsage := range []bool{false, true} {
		t.Run(map[bool]string{false: "plain", true: "include_usage"}[includeUsage], func(t *testing.T) {
			s := New(step)
			defer s.Close()
			extra := map[string]any{}
			if includeUsage {
				extra["stream_options"] = map[string]any{"include_usage": true}
			}
			body := userBody(ProtocolOpenAI, true, extra)
			events := readEvents(t, s, ProtocolOpenAI, body)
			if last := events[len(events)-1]; last != (event{data: "[DONE]"}) {
				t.Fatalf("last event = %+v, want data: [DONE]", last)
			}
			chunks := events[:len(events)-1]
			if includeUsage {
				final := decodeData(t, chunks[len(chunks)-1])
				chunks = chunks[:len(chunks)-1]
				in, out := len(body)/4, num(t, path(t, final, "usage", "completion_tokens"))
				if len(final["choices"].([]any)) != 0 || num(t, path(t, final, "usage", "prompt_tokens")) != in || num(t, path(t, final, "usage", "total_tokens")) != in+out {
					t.Errorf("usage chunk = %v, want empty choices and prompt_tokens %d", final, in)
				}
			}

			var text strings.Builder
			type callState struct {
				id, name string
				args     []string
			}
			var calls []*callState
			var finish []any
			for i, e := range chunks {
				if e.name != "" {
					t.Errorf("chunk %d has event name %q, want data-only events", i, e.name)
				}
				c := decodeData(t, e)
				if c["id"] != "chatcmpl-01" || c["object"] != "chat.completion.chunk" || c["model"] != "test-model" {
					t.Errorf("chunk %d = %v", i, c)
				}
				if u, ok := c["usage"]; ok != includeUsage || u != nil {
					t.Errorf("chunk %d usage = %v (present %v), want null present only with include_usage", i, u, ok)
				}
				delta := path(t, c, "choices", 0, "delta").(map[string]any)
				if i == 0 && delta["role"] != "assistant" {
					t.Errorf("first chunk delta = %v, want role assistant", delta)
				}
				if f := path(t, c, "choices", 0, "finish_reason"); f != nil {
					finish = append(finish, f)
				}
				if s, ok := delta["content"].(string); ok {
					text.WriteString(s)
				}
				tcs, _ := delta["tool_calls"].([]any)
				for _, tc := range tcs {
					idx := num(t, path(t, tc, "index"))
					fn := path(t, tc, "function").(map[string]any)
					if id, ok := tc.(map[string]any)["id"]; ok {
						if idx != len(calls) {
							t.Fatalf("new tool call at index %d, want %d", idx, len(calls))
						}
						calls = append(calls, &callState{id: id.(string), name: fn["name"].(string)})
						continue
					}
					if _, ok := fn["name"]; ok {
						t.Errorf("argument chunk repeats the name: %v", tc)
					}
					calls[idx].args = append(calls[idx].args, fn["arguments"].(string))
				}
			}
			if text.String() != step.Text {
				t.Errorf("streamed text = %q, want %q", text.String(), step.Text)
			}
			if !reflect.DeepEqual(finish, []any{"tool_calls"}) {
				t.Errorf("finish reasons = %v, want one tool_calls", finish)
			}
			want := []struct {
				id, name string
				input    map[string]any
			}{{"call_01", "edit", input}, {"call_02", "ls", map[string]any{}}}
			if len(calls) != len(want) {
				t.Fatalf("%d tool calls, want %d", len(calls), len(want))
			}
			for i, w := range want {
				var got map[string]any
				args := strings.Join(calls[i].args, "")
				if err := json.Unmarshal([]byte(args), &got); err != nil || calls[i].id != w.id || calls[i].name != w.name || !reflect.DeepEqual(got, w.input) {
					t.Errorf("tool call %d = %s %s %q, want %s %s %v", i, calls[i].id, calls[i].name, args, w.id, w.name, w.input)
				}
			}
			if len(calls[0].args) < 2 {
				t.Errorf("edit arguments arrived in %d chunk(s), want them split", len(calls[0].args))
			}
		})
	}
}

func TestOpenAIErrorStatus(t *testing.T) {
	tests := []struct {
		status   int
		text     string
		wantType string
		wantCode any
	}{
		{400, "context_length_exceeded", "invalid_request_error", nil},
		{401, "Incorrect API key provided", "invalid_request_error", "invalid_api_key"},
		{429, "Rate limit reached", "requests", "rate_limit_exceeded"},
		{500, "", "server_error", nil},
		{503, "", "server_error", nil},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			s := New(Step{Status: tt.status, Text: tt.text})
			defer s.Close()
			got := postJSON(t, s, ProtocolOpenAI, userBody(ProtocolOpenAI, false, nil), tt.status)
			wantMsg := tt.text
			if wantMsg == "" {
				wantMsg = http.StatusText(tt.status)
			}
			e := path(t, got, "error").(map[string]any)
			if e["type"] != tt.wantType || e["code"] != tt.wantCode || e["message"] != wantMsg {
				t.Errorf("error = %v, want type %s code %v message %q", e, tt.wantType, tt.wantCode, wantMsg)
			}
			if v, ok := e["param"]; !ok || v != nil {
				t.Errorf("error.param = %v (present %v), want null", v, ok)
			}
		})
	}
}

func TestOpenAIRejects(t *testing.T) {
	good := authHeaders(ProtocolOpenAI)
	noKey := good.Clone()
	noKey.Del("Authorization")
	emptyBearer := good.Clone()
	emptyBearer.Set("Authorization", "Bearer ")
	unanswered := []any{
		map[string]any{"role": "user", "content": "hi"},
		map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{
			map[string]any{"id": "call_01", "type": "function", "function": map[string]any{"name": "ls", "arguments": "{}"}},
			map[string]any{"id": "call_02", "type": "function", "function": map[string]any{"name": "ls", "arguments": "{}"}},
		}},
		map[string]any{"role": "tool", "tool_call_id": "call_01", "content": "a.txt"},
	}
	tests := []struct {
		name       string
		header     http.Header
		body       []byte
		wantStatus int
		wantMsg    string
	}{
		{"no key", noKey, userBody(ProtocolOpenAI, false, nil), 401, "API key"},
		{"empty bearer", emptyBearer, userBody(ProtocolOpenAI, false, nil), 401, "API key"},
		{"bad json", good, []byte(`not json`), 400, "not valid JSON"},
		{"no model", good, userBody(ProtocolOpenAI, false, map[string]any{"model": ""}), 400, "model"},
		{"no messages", good, userBody(ProtocolOpenAI, false, map[string]any{"messages": []any{}}), 400, "messages"},
		{"bad role", good, userBody(ProtocolOpenAI, false, map[string]any{"messages": []any{map[string]any{"role": "robot", "content": "x"}}}), 400, "robot"},
		{"unanswered tool call", good, userBody(ProtocolOpenAI, false, map[string]any{"messages": unanswered}), 400, "call_02"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Step{Text: "ok"})
			defer s.Close()
			got := decodeResponse(t, post(t, context.Background(), s, ProtocolOpenAI, tt.header, tt.body), tt.wantStatus)
			if msg, _ := path(t, got, "error", "message").(string); !strings.Contains(msg, tt.wantMsg) {
				t.Errorf("error = %v, want a message mentioning %q", got["error"], tt.wantMsg)
			}
			if n := len(s.Requests()); n != 0 {
				t.Errorf("%d requests recorded, want 0", n)
			}
			ok := postJSON(t, s, ProtocolOpenAI, userBody(ProtocolOpenAI, false, nil), http.StatusOK)
			if path(t, ok, "choices", 0, "message", "content") != "ok" {
				t.Errorf("next reply = %v, want the first step", ok)
			}
		})
	}
}
