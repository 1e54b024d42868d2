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

func TestAnthropicMessage(t *testing.T) {
	tests := []struct {
		name       string
		step       Step
		wantTypes  []string
		wantStop   string
		wantOutput int
	}{
		{"text", Step{Text: "All tests pass."}, []string{"text"}, "end_turn", 3},
		{"text and tools", Step{Text: "Looking.", ToolCalls: []ToolCall{
			{Name: "ls", Input: map[string]any{"path": "."}},
			{Name: "read", Input: map[string]any{"path": "README.md"}},
		}}, []string{"text", "tool_use", "tool_use"}, "tool_use", (8 + 12 + 20) / 4},
		{"tool without input", Step{ToolCalls: []ToolCall{{Name: "ls"}}}, []string{"tool_use"}, "tool_use", 1},
		{"empty", Step{}, nil, "end_turn", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(tt.step)
			defer s.Close()
			body := userBody(ProtocolAnthropic, false, nil)
			got := postJSON(t, s, ProtocolAnthropic, body, http.StatusOK)

			for k, want := range map[string]any{"id": "msg_01", "type": "message", "role": "assistant", "model": "test-model", "stop_reason": tt.wantStop, "stop_sequence": nil} {
				if got[k] != want {
					t.Errorf("%s = %v, want %v", k, got[k], want)
				}
			}
			if n := num(t, path(t, got, "usage", "input_tokens")); n != len(body)/4 {
				t.Errorf("input_tokens = %d, want %d", n, len(body)/4)
			}
			if n := num(t, path(t, got, "usage", "output_tokens")); n != tt.wantOutput {
				t.Errorf("output_tokens = %d, want %d", n, tt.wantOutput)
			}
			content := path(t, got, "content").([]any)
			var types []string
			tool := 0
			for i, b := range content {
				typ := path(t, b, "type").(string)
				types = append(types, typ)
				switch typ {
				case "text":
					if path(t, b, "text") != tt.step.Text {
						t.Errorf("content[%d].text = %v, want %q", i, path(t, b, "text"), tt.step.Text)
					}
				case "tool_use":
					tc := tt.step.ToolCalls[tool]
					tool++
					wantID := fmt.Sprintf("toolu_%02d", tool)
					if path(t, b, "id") != wantID || path(t, b, "name") != tc.Name {
						t.Errorf("content[%d] = %v, want id %s name %s", i, b, wantID, tc.Name)
					}
					wantInput := tc.Input
					if wantInput == nil {
						wantInput = map[string]any{}
					}
					if !reflect.DeepEqual(path(t, b, "input"), wantInput) {
						t.Errorf("content[%d].input = %v, want %v", i, path(t, b, "input"), wantInput)
					}
				}
			}
			if !reflect.DeepEqual(types, tt.wantTypes) {
				t.Errorf("content types = %v, want %v", types, tt.wantTypes)
			}
		})
	}
}

func TestAnthropicStream(t *testing.T) {
	input := map[string]any{"command": "python3 -m unittest discover -s tests"}
	s := New(Step{Text: "Running the tests now.", ToolCalls: []ToolCall{{Name: "bash", Input: input}, {Name: "ls"}}})
	defer s.Close()
	body := userBody(ProtocolAnthropic, true, nil)
	events := readEvents(t, s, ProtocolAnthropic, body)

	// Event names, with each run of content_block_delta collapsed to one.
	var names []string
	for _, e := range events {
		if typ := decodeData(t, e)["type"]; typ != e.name {
			t.Errorf("event %s has data type %v", e.name, typ)
		}
		if n := len(names); n > 0 && e.name == "content_block_delta" && names[n-1] == e.name {
			continue
		}
		names = append(names, e.name)
	}
	compact := strings.Join(names, " ")
	wantSeq := "message_start ping " +
		"content_block_start content_block_delta content_block_stop " +
		"content_block_start content_block_delta content_block_stop " +
		"content_block_start content_block_delta content_block_stop " +
		"message_delta message_stop"
	if compact != wantSeq {
		t.Fatalf("events (deltas collapsed):\n%s\nwant\n%s", compact, wantSeq)
	}

	start := decodeData(t, events[0])
	if path(t, start, "message", "id") != "msg_01" || path(t, start, "message", "stop_reason") != nil {
		t.Errorf("message_start = %v", start)
	}
	if n := num(t, path(t, start, "message", "usage", "input_tokens")); n != len(body)/4 {
		t.Errorf("message_start input_tokens = %d, want %d", n, len(body)/4)
	}

	type block struct {
		start  map[string]any
		deltas []string
		kind   string
	}
	var blocks []*block
	for _, e := range events {
		d := decodeData(t, e)
		switch e.name {
		case "content_block_start":
			if num(t, d["index"]) != len(blocks) {
				t.Fatalf("content_block_start index %v, want %d", d["index"], len(blocks))
			}
			blocks = append(blocks, &block{start: path(t, d, "content_block").(map[string]any)})
		case "content_block_delta":
			b := blocks[num(t, d["index"])]
			delta := path(t, d, "delta").(map[string]any)
			b.kind = delta["type"].(string)
			if b.kind == "text_delta" {
				b.deltas = append(b.deltas, delta["text"].(string))
			} else {
				b.deltas = append(b.deltas, delta["partial_json"].(string))
			}
		case "message_delta":
			if path(t, d, "delta", "stop_reason") != "tool_use" {
				t.Errorf("message_delta = %v, want stop_reason tool_use", d)
			}
			if n := num(t, path(t, d, "usage", "output_tokens")); n < 1 {
				t.Errorf("message_delta output_tokens = %d", n)
			}
		}
	}
	if blocks[0].start["type"] != "text" || blocks[0].kind != "text_delta" || strings.Join(blocks[0].deltas, "") != "Running the tests now." || len(blocks[0].deltas) < 2 {
		t.Errorf("text block = %+v", blocks[0])
	}
	for i, want := range []struct {
		id, name string
		input    map[string]any
	}{{"toolu_01", "bash", input}, {"toolu_02", "ls", map[string]any{}}} {
		b := blocks[i+1]
		if b.start["type"] != "tool_use" || b.start["id"] != want.id || b.start["name"] != want.name || !reflect.DeepEqual(b.start["input"], map[string]any{}) {
			t.Errorf("tool block %d start = %v", i, b.start)
		}
		if b.kind != "input_json_delta" {
			t.Errorf("tool block %d delta type %q", i, b.kind)
		}
		var got map[string]any
		if err := json.Unmarshal([]byte(strings.Join(b.deltas, "")), &got); err != nil || !reflect.DeepEqual(got, want.input) {
			t.Errorf("tool block %d input = %q (%v), want %v", i, strings.Join(b.deltas, ""), err, want.input)
		}
	}
	if len(blocks[1].deltas) < 2 {
		t.Errorf("bash input arrived in %d piece(s), want it split", len(blocks[1].deltas))
	}
}

func TestAnthropicErrorStatus(t *testing.T) {
	tests := []struct {
		status   int
		text     string
		wantType string
		wantMsg  string
	}{
		{400, "prompt is too long", "invalid_request_error", "prompt is too long"},
		{401, "", "authentication_error", "Unauthorized"},
		{429, "slow down", "rate_limit_error", "slow down"},
		{500, "", "api_error", "Internal Server Error"},
		{529, "Overloaded", "overloaded_error", "Overloaded"},
		{503, "", "api_error", "Service Unavailable"},
		{418, "", "invalid_request_error", "I'm a teapot"},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			s := New(Step{Status: tt.status, Text: tt.text})
			defer s.Close()
			got := postJSON(t, s, ProtocolAnthropic, userBody(ProtocolAnthropic, true, nil), tt.status)
			if got["type"] != "error" || path(t, got, "error", "type") != tt.wantType || path(t, got, "error", "message") != tt.wantMsg {
				t.Errorf("body = %v, want error %s %q", got, tt.wantType, tt.wantMsg)
			}
		})
	}
}

func TestAnthropicRejects(t *testing.T) {
	good := authHeaders(ProtocolAnthropic)
	without := func(key string) http.Header {
		h := good.Clone()
		h.Del(key)
		return h
	}
	bearerOnly := without("X-Api-Key")
	bearerOnly.Set("Authorization", "Bearer k")
	toolUse := []any{
		map[string]any{"role": "user", "content": "hi"},
		map[string]any{"role": "assistant", "content": []any{map[string]any{"type": "tool_use", "id": "toolu_01", "name": "ls", "input": map[string]any{}}}},
		map[string]any{"role": "user", "content": "no result"},
	}
	tests := []struct {
		name       string
		header     http.Header
		body       []byte
		wantStatus int
		wantType   string
		wantMsg    string
	}{
		{"no key", without("X-Api-Key"), userBody(ProtocolAnthropic, false, nil), 401, "authentication_error", "x-api-key"},
		{"no version", without("Anthropic-Version"), userBody(ProtocolAnthropic, false, nil), 400, "invalid_request_error", "anthropic-version"},
		{"bad json", good, []byte(`{"model":`), 400, "invalid_request_error", "not valid JSON"},
		{"no model", good, userBody(ProtocolAnthropic, false, map[string]any{"model": ""}), 400, "invalid_request_error", "model"},
		{"no max_tokens", good, []byte(`{"model":"m","messages":[{"role":"user","content":"hi"}]}`), 400, "invalid_request_error", "max_tokens"},
		{"no messages", good, userBody(ProtocolAnthropic, false, map[string]any{"messages": []any{}}), 400, "invalid_request_error", "messages"},
		{"bad role", good, userBody(ProtocolAnthropic, false, map[string]any{"messages": []any{map[string]any{"role": "system", "content": "x"}}}), 400, "invalid_request_error", "role"},
		{"unanswered tool call", good, userBody(ProtocolAnthropic, false, map[string]any{"messages": toolUse}), 400, "invalid_request_error", "toolu_01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(Step{Text: "ok"})
			defer s.Close()
			res := post(t, context.Background(), s, ProtocolAnthropic, tt.header, tt.body)
			got := decodeResponse(t, res, tt.wantStatus)
			if path(t, got, "error", "type") != tt.wantType || !strings.Contains(path(t, got, "error", "message").(string), tt.wantMsg) {
				t.Errorf("body = %v, want %s mentioning %q", got, tt.wantType, tt.wantMsg)
			}
			if n := len(s.Requests()); n != 0 {
				t.Errorf("%d requests recorded, want 0", n)
			}
			// The rejected request consumed no step.
			ok := decodeResponse(t, post(t, context.Background(), s, ProtocolAnthropic, bearerOnly, userBody(ProtocolAnthropic, false, nil)), http.StatusOK)
			if path(t, ok, "content", 0, "text") != "ok" || ok["id"] != "msg_01" {
				t.Errorf("next reply = %v, want the first step", ok)
			}
		})
	}
}
