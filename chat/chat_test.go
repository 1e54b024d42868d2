package chat

import (
	"encoding/json"
	"reflect"
	"testing"
)

func TestCoalesce(t *testing.T) {
	result := Message{Role: RoleUser, Content: []Block{{Type: BlockToolResult, ToolUseID: "a", Text: "ok"}}}
	in := []Message{UserText("q1"), {Role: RoleAssistant, Content: []Block{{Type: BlockToolUse, ID: "a", Name: "ls"}}}, result, UserText("q2")}
	got := Coalesce(in)
	if len(got) != 3 {
		t.Fatalf("len = %d, want 3", len(got))
	}
	want := []Block{{Type: BlockToolResult, ToolUseID: "a", Text: "ok"}, {Type: BlockText, Text: "q2"}}
	if !reflect.DeepEqual(got[2].Content, want) {
		t.Fatalf("merged = %+v", got[2].Content)
	}
	if len(in[2].Content) != 1 {
		t.Fatal("input modified")
	}
}

func TestMessageHelpers(t *testing.T) {
	m := Message{Role: RoleAssistant, Content: []Block{
		{Type: BlockText, Text: "a"},
		{Type: BlockToolUse, ID: "1", Name: "read", Input: json.RawMessage(`{}`)},
		{Type: BlockText, Text: "b"},
	}}
	if m.Text() != "a\nb" {
		t.Errorf("Text = %q", m.Text())
	}
	if u := m.ToolUses(); len(u) != 1 || u[0].Name != "read" {
		t.Errorf("ToolUses = %+v", u)
	}
}

func TestUsage(t *testing.T) {
	a := Usage{InputTokens: 1, OutputTokens: 2, CacheReadTokens: 3, CacheWriteTokens: 4}
	b := Usage{InputTokens: 10, OutputTokens: 20, CacheReadTokens: 30, CacheWriteTokens: 40}
	if got, want := a.Add(b), (Usage{11, 22, 33, 44}); got != want {
		t.Errorf("Add = %+v, want %+v", got, want)
	}
	if got := b.PromptTokens(); got != 80 {
		t.Errorf("PromptTokens = %d, want 80", got)
	}
	// The JSON names are a contract (transcripts, --json output, events).
	raw, _ := json.Marshal(a)
	if want := `{"input_tokens":1,"output_tokens":2,"cache_read_tokens":3,"cache_write_tokens":4}`; string(raw) != want {
		t.Errorf("JSON = %s, want %s", raw, want)
	}
	raw, _ = json.Marshal(Usage{InputTokens: 5})
	if want := `{"input_tokens":5,"output_tokens":0}`; string(raw) != want {
		t.Errorf("JSON without cache = %s, want %s", raw, want)
	}
}
