package fakellm

import (
	"encoding/json"
	"net/http"
	"reflect"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// conversation is the chat model both request bodies below decode to.
var conversation = []chat.Message{
	chat.UserText("fix the bug"),
	{Role: chat.RoleAssistant, Content: []chat.Block{
		{Type: chat.BlockText, Text: "Looking."},
		{Type: chat.BlockToolUse, ID: "t1", Name: "ls", Input: json.RawMessage(`{"path":"."}`)},
		{Type: chat.BlockToolUse, ID: "t2", Name: "grep", Input: json.RawMessage(`{"pattern":"page"}`)},
	}},
	{Role: chat.RoleUser, Content: []chat.Block{
		{Type: chat.BlockToolResult, ToolUseID: "t1", Text: "README.md\ninventory/"},
		{Type: chat.BlockToolResult, ToolUseID: "t2", Text: "no matches", IsError: true},
	}},
	{Role: chat.RoleAssistant, Content: []chat.Block{
		{Type: chat.BlockToolUse, ID: "t3", Name: "bash", Input: json.RawMessage(`{"command":"./run_tests.sh"}`)},
	}},
	{Role: chat.RoleUser, Content: []chat.Block{
		{Type: chat.BlockToolResult, ToolUseID: "t3", Text: "FAILED (failures=1)"},
	}},
}

const anthropicConversation = `{
  "model": "claude-test", "max_tokens": 100,
  "system": [{"type": "text", "text": "You are terse."}, {"type": "text", "text": "Use tools."}],
  "tools": [{"name": "ls", "input_schema": {}}, {"name": "grep", "input_schema": {}}, {"name": "bash", "input_schema": {}}],
  "messages": [
    {"role": "user", "content": "fix the bug"},
    {"role": "assistant", "content": [
      {"type": "text", "text": "Looking."},
      {"type": "tool_use", "id": "t1", "name": "ls", "input": {"path":"."}},
      {"type": "tool_use", "id": "t2", "name": "grep", "input": {"pattern":"page"}}]},
    {"role": "user", "content": [
      {"type": "tool_result", "tool_use_id": "t1", "content": [{"type": "text", "text": "README.md"}, {"type": "text", "text": "inventory/"}]},
      {"type": "tool_result", "tool_use_id": "t2", "content": "no matches", "is_error": true}]},
    {"role": "assistant", "content": [{"type": "tool_use", "id": "t3", "name": "bash", "input": {"command":"./run_tests.sh"}}]},
    {"role": "user", "content": [{"type": "tool_result", "tool_use_id": "t3", "content": "FAILED (failures=1)"}]}
  ]}`

const openaiConversation = `{
  "model": "gpt-test",
  "tools": [{"type": "function", "function": {"name": "ls"}}, {"type": "function", "function": {"name": "grep"}}, {"type": "function", "function": {"name": "bash"}}],
  "messages": [
    {"role": "system", "content": "You are terse."},
    {"role": "developer", "content": [{"type": "text", "text": "Use tools."}]},
    {"role": "user", "content": [{"type": "text", "text": "fix the bug"}]},
    {"role": "assistant", "content": "Looking.", "tool_calls": [
      {"id": "t1", "type": "function", "function": {"name": "ls", "arguments": "{\"path\":\".\"}"}},
      {"id": "t2", "type": "function", "function": {"name": "grep", "arguments": "{\"pattern\":\"page\"}"}}]},
    {"role": "tool", "tool_call_id": "t1", "content": "README.md\ninventory/"},
    {"role": "tool", "tool_call_id": "t2", "content": "no matches"},
    {"role": "assistant", "content": null, "tool_calls": [
      {"id": "t3", "type": "function", "function": {"name": "bash", "arguments": "{\"command\":\"./run_tests.sh\"}"}}]},
    {"role": "tool", "tool_call_id": "t3", "content": "FAILED (failures=1)"}
  ]}`

func TestRequestDecoding(t *testing.T) {
	// OpenAI has no is_error on tool messages.
	openaiWant := slicesCloneDeep(conversation)
	openaiWant[2].Content[1].IsError = false
	tests := []struct {
		protocol  string
		body      string
		wantModel string
		want      []chat.Message
	}{
		{ProtocolAnthropic, anthropicConversation, "claude-test", conversation},
		{ProtocolOpenAI, openaiConversation, "gpt-test", openaiWant},
	}
	for _, tt := range tests {
		t.Run(tt.protocol, func(t *testing.T) {
			s := New(Step{Text: "done"})
			defer s.Close()
			postJSON(t, s, tt.protocol, []byte(tt.body), http.StatusOK)
			req := s.Requests()[0]
			if req.Model() != tt.wantModel || req.System() != "You are terse.\nUse tools." {
				t.Errorf("model %q system %q", req.Model(), req.System())
			}
			if got := req.ToolNames(); !reflect.DeepEqual(got, []string{"ls", "grep", "bash"}) {
				t.Errorf("tool names = %v", got)
			}
			if got := req.Messages(); !reflect.DeepEqual(got, tt.want) {
				t.Errorf("messages =\n%+v\nwant\n%+v", got, tt.want)
			}
			all := append(append([]chat.Block(nil), tt.want[2].Content...), tt.want[4].Content...)
			if got := req.ToolResults(); !reflect.DeepEqual(got, all) {
				t.Errorf("tool results = %+v, want %+v", got, all)
			}
			if got := req.LastToolResults(); !reflect.DeepEqual(got, tt.want[4].Content) {
				t.Errorf("last tool results = %+v, want %+v", got, tt.want[4].Content)
			}
			if got := req.LastUserText(); got != "fix the bug" {
				t.Errorf("last user text = %q", got)
			}
		})
	}
}

func slicesCloneDeep(msgs []chat.Message) []chat.Message {
	out := make([]chat.Message, len(msgs))
	for i, m := range msgs {
		out[i] = chat.Message{Role: m.Role, Content: append([]chat.Block(nil), m.Content...)}
	}
	return out
}

func TestOpenAIInvalidArguments(t *testing.T) {
	if got := string(argumentsJSON(`{"path":`)); got != `"{\"path\":"` {
		t.Errorf("argumentsJSON = %s, want a JSON string", got)
	}
	if got := string(argumentsJSON(`{"path":"a"}`)); got != `{"path":"a"}` {
		t.Errorf("argumentsJSON = %s, want verbatim", got)
	}
}

func TestCheckToolPairing(t *testing.T) {
	use := func(ids ...string) chat.Message {
		m := chat.Message{Role: chat.RoleAssistant}
		for _, id := range ids {
			m.Content = append(m.Content, chat.Block{Type: chat.BlockToolUse, ID: id, Name: "ls"})
		}
		return m
	}
	result := func(ids ...string) chat.Message {
		m := chat.Message{Role: chat.RoleUser}
		for _, id := range ids {
			m.Content = append(m.Content, chat.Block{Type: chat.BlockToolResult, ToolUseID: id})
		}
		return m
	}
	hi := chat.UserText("hi")
	tests := []struct {
		name    string
		msgs    []chat.Message
		wantErr bool
	}{
		{"plain", []chat.Message{hi}, false},
		{"answered", []chat.Message{hi, use("a", "b"), result("b", "a")}, false},
		{"two rounds", []chat.Message{hi, use("a"), result("a"), use("b"), result("b")}, false},
		{"one missing", []chat.Message{hi, use("a", "b"), result("a")}, true},
		{"text instead", []chat.Message{hi, use("a"), hi}, true},
		{"trailing call", []chat.Message{hi, use("a")}, true},
		{"stray result", []chat.Message{hi, result("x")}, true},
		{"result for older call", []chat.Message{hi, use("a"), result("a"), use("b"), result("a", "b")}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := checkToolPairing(tt.msgs); (err != nil) != tt.wantErr {
				t.Errorf("checkToolPairing = %v, want error %v", err, tt.wantErr)
			}
		})
	}
}
