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
	if (Usage{1, 2}).Add(Usage{3, 4}) != (Usage{4, 6}) {
		t.Error("Usage.Add")
	}
}
