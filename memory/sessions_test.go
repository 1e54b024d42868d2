package memory

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/sessions"
)

func toolUse(id string) chat.Message {
	return chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{
		{Type: chat.BlockText, Text: "Let me check."},
		{Type: chat.BlockToolUse, ID: id, Name: "read", Input: json.RawMessage(`{"path":"go.mod"}`)},
	}}
}

func toolResult(id string) chat.Message {
	return chat.Message{Role: chat.RoleUser, Content: []chat.Block{{Type: chat.BlockToolResult, ToolUseID: id, Text: "module example.com/tool-output-not-indexed"}}}
}

func assistant(text string) chat.Message {
	return chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockText, Text: text}}}
}

// TestIndexSessions writes real transcripts with package sessions: finished
// turns are indexed once, unfinished ones when they finish, and a later
// session finds what an earlier one said.
func TestIndexSessions(t *testing.T) {
	ws := t.TempDir()
	tr, err := sessions.Open(ws)
	if err != nil {
		t.Fatal(err)
	}
	s := openTest(t, Options{})
	ctx := context.Background()
	dir := filepath.Join(ws, "sessions")

	if st, err := s.IndexSessions(ctx, dir); err != nil || st.Sessions != 0 {
		t.Fatalf("no sessions yet: %+v, %v", st, err)
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(tr.Append("s1", "m", chat.UserText("Which module path does the project use?"), toolUse("t1"), toolResult("t1"),
		assistant("The module path is example.com/widget, and the project targets Go 1.26.")))
	must(tr.Append("s1", "m", chat.UserText("Remember that Dana reviews all billing changes."), toolUse("t2")))

	st, err := s.IndexSessions(ctx, dir)
	if err != nil || st.Sessions != 1 || st.Turns != 1 || st.Memories != 1 {
		t.Fatalf("first run: %+v, %v", st, err)
	}
	ms, _ := s.List(ctx, ListOptions{Source: "session:s1"})
	if len(ms) != 1 || !strings.HasPrefix(ms[0].Text, "User: Which module path") ||
		!strings.Contains(ms[0].Text, "Assistant: Let me check.\nThe module path is example.com/widget") ||
		strings.Contains(ms[0].Text, "tool-output-not-indexed") {
		t.Fatalf("turn memory: %+v", ms)
	}
	if st, _ := s.IndexSessions(ctx, dir); st.Turns != 0 {
		t.Fatalf("unfinished turn indexed: %+v", st)
	}
	must(tr.Append("s1", "m", toolResult("t2"), assistant("Noted: Dana reviews billing changes.")))
	must(tr.Append("s2", "m", chat.UserText("hello"), assistant("Hi!")))
	st, _ = s.IndexSessions(ctx, dir)
	if st.Sessions != 2 || st.Turns != 2 {
		t.Fatalf("second run: %+v", st)
	}
	if st, _ := s.IndexSessions(ctx, dir); st.Turns != 0 {
		t.Fatalf("turns indexed twice: %+v", st)
	}
	rs, err := s.Search(ctx, "who reviews billing changes?", SearchOptions{})
	if err != nil || len(rs) == 0 || rs[0].Source != "session:s1" || !strings.Contains(rs[0].Text, "Dana") {
		t.Fatalf("later session search: %+v, %v", rs, err)
	}
}

func TestIndexSessionsTornTailAndRecreate(t *testing.T) {
	dir := t.TempDir()
	s := openTest(t, Options{})
	ctx := context.Background()
	line := func(m chat.Message) string {
		b, _ := json.Marshal(map[string]any{"v": 1, "time": "2025-01-02T03:04:05Z", "message": m})
		return string(b) + "\n"
	}
	path := filepath.Join(dir, "s1.jsonl")
	full := line(chat.UserText("What colour is the logo?")) + line(assistant("The logo is teal."))
	next := line(chat.UserText("And the font?")) + line(assistant("The font is Inter."))
	os.WriteFile(path, []byte(full+next[:len(next)-10]), 0o600) // torn final line
	st, err := s.IndexSessions(ctx, dir)
	if err != nil || st.Turns != 1 {
		t.Fatalf("torn tail: %+v, %v", st, err)
	}
	ms, _ := s.List(ctx, ListOptions{Source: "session:s1"})
	if len(ms) != 1 || !ms[0].Created.Equal(ms[0].Updated) || ms[0].Created.Year() != 2025 {
		t.Fatalf("memory %+v: want one, dated by the transcript", ms)
	}
	os.WriteFile(path, []byte(full+next), 0o600)
	if st, _ := s.IndexSessions(ctx, dir); st.Turns != 1 {
		t.Fatalf("completed tail: %+v", st)
	}
	// The session is deleted and a new one reuses its id.
	os.WriteFile(path, []byte(line(chat.UserText("Totally new session?"))+line(assistant("Yes, a new one."))), 0o600)
	if st, _ := s.IndexSessions(ctx, dir); st.Turns != 1 {
		t.Fatalf("recreated: %+v", st)
	}
	ms, _ = s.List(ctx, ListOptions{Source: "session:s1"})
	if len(ms) != 1 || !strings.Contains(ms[0].Text, "new session") {
		t.Fatalf("recreated session memories: %+v", ms)
	}
	// Lines of a newer format wait; garbage lines are passed over.
	os.WriteFile(path, []byte(line(chat.UserText("Totally new session?"))+line(assistant("Yes, a new one."))+
		"not json\n"+line(chat.UserText("q"))+`{"v":3,"message":{"role":"assistant","content":[]}}`+"\n"), 0o600)
	if st, _ := s.IndexSessions(ctx, dir); st.Turns != 0 || st.Skipped != 1 {
		t.Fatalf("newer version: %+v", st)
	}
	// Invalid ids and other files are ignored.
	os.WriteFile(filepath.Join(dir, "..bad.jsonl"), []byte(full), 0o600)
	os.WriteFile(filepath.Join(dir, "s1.lock"), nil, 0o600)
	if st, _ := s.IndexSessions(ctx, dir); st.Sessions != 1 {
		t.Fatalf("sessions counted: %+v", st)
	}
}
