package sessions

import (
	"encoding/json"
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

func TestAppendLoadRoundTrip(t *testing.T) {
	toolUse := chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{
		{Type: chat.BlockText, Text: "let me look"},
		{Type: chat.BlockToolUse, ID: "call_1", Name: "read", Input: json.RawMessage(`{"path":"a.txt","limit":10}`)},
	}}
	toolResult := chat.Message{Role: chat.RoleUser, Content: []chat.Block{
		{Type: chat.BlockToolResult, ToolUseID: "call_1", Text: "no such file", IsError: true},
	}}
	tests := []struct {
		name  string
		calls [][]chat.Message
	}{
		{"one message", [][]chat.Message{{user("hi")}}},
		{"tool round", [][]chat.Message{{user("read a.txt")}, {toolUse}, {toolResult}, {assistant("it is missing")}}},
		{"batch in one call", [][]chat.Message{{user("a"), assistant("b"), user("c")}}},
		{"newlines and unicode", [][]chat.Message{{user("line1\nline2\r\n\u2028 é 日本 \x00 \"q\"")}}},
		{"empty content", [][]chat.Message{{{Role: chat.RoleUser, Content: []chat.Block{}}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			var want []chat.Message
			for _, msgs := range tc.calls {
				mustAppend(t, s, "s1", "model-a", msgs...)
				want = append(want, msgs...)
			}
			got, warns := mustLoad(t, s, "s1")
			if len(warns) != 0 {
				t.Fatalf("warnings: %v", warns)
			}
			if !reflect.DeepEqual(got, want) {
				t.Fatalf("loaded %#v\nwant %#v", got, want)
			}
			if n := mustGet(t, s, "s1").Messages; n != len(want) {
				t.Fatalf("index count %d, want %d", n, len(want))
			}
		})
	}
}

func TestAppendLineFormat(t *testing.T) {
	s := newStore(t)
	before := time.Now()
	mustAppend(t, s, "s1", "model-a", user("hi"), assistant("yo"))
	data, err := os.ReadFile(s.transcriptPath("s1"))
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")
	if len(lines) != 2 || !strings.HasSuffix(string(data), "\n") {
		t.Fatalf("transcript %q: want 2 newline-terminated lines", data)
	}
	for i, l := range lines {
		var rec struct {
			V       int             `json:"v"`
			Time    string          `json:"time"`
			Model   string          `json:"model"`
			Message json.RawMessage `json:"message"`
		}
		if err := json.Unmarshal([]byte(l), &rec); err != nil {
			t.Fatalf("line %d: %v", i+1, err)
		}
		ts, err := time.Parse(time.RFC3339Nano, rec.Time)
		if err != nil {
			t.Fatalf("line %d time %q: %v", i+1, rec.Time, err)
		}
		if rec.V != 1 || rec.Model != "model-a" || ts.Before(before.Add(-time.Second)) || !strings.HasSuffix(rec.Time, "Z") {
			t.Fatalf("line %d = %s", i+1, l)
		}
		var m chat.Message
		if err := json.Unmarshal(rec.Message, &m); err != nil || m.Text() == "" {
			t.Fatalf("line %d message %s: %v", i+1, rec.Message, err)
		}
	}
}

func TestAppendIndexEntry(t *testing.T) {
	s := newStore(t)
	t0 := time.Now()
	mustAppend(t, s, "s1", "model-a", user("a"), assistant("b"))
	t1 := time.Now()
	first := mustGet(t, s, "s1")
	if first.ID != "s1" || first.Model != "model-a" || first.Messages != 2 {
		t.Fatalf("after first append: %+v", first)
	}
	if first.Created.Before(t0) || first.Created.After(t1) || !first.Updated.Equal(first.Created) {
		t.Fatalf("created %v updated %v, want both within [%v, %v]", first.Created, first.Updated, t0, t1)
	}
	if first.Created.Location() != time.UTC {
		t.Fatalf("created %v is not UTC", first.Created)
	}

	time.Sleep(5 * time.Millisecond)
	t2 := time.Now()
	mustAppend(t, s, "s1", "model-b", user("c"))
	t3 := time.Now()
	second := mustGet(t, s, "s1")
	if !second.Created.Equal(first.Created) {
		t.Fatalf("created changed: %v -> %v", first.Created, second.Created)
	}
	if second.Updated.Before(t2) || second.Updated.After(t3) {
		t.Fatalf("updated %v, want within [%v, %v]", second.Updated, t2, t3)
	}
	if second.Model != "model-b" || second.Messages != 3 {
		t.Fatalf("after second append: %+v", second)
	}

	mustAppend(t, s, "s1", "", assistant("d"))
	if third := mustGet(t, s, "s1"); third.Model != "model-b" || third.Messages != 4 {
		t.Fatalf("append without model: %+v, want model kept and 4 messages", third)
	}

	// The index file on disk holds the same entry.
	var ix indexFile
	data, err := os.ReadFile(s.indexPath())
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, &ix); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(s.transcriptPath("s1"))
	e := ix.Sessions["s1"]
	if ix.Version != 1 || e.Messages != 4 || e.Size != fi.Size() || !e.Created.Equal(first.Created) {
		t.Fatalf("sessions.json = %s", data)
	}
}

func TestAppendRejects(t *testing.T) {
	tests := []struct {
		name    string
		limits  Limits
		msg     chat.Message
		wantErr error
	}{
		{"message over limit", Limits{MaxMessageBytes: 100}, user(strings.Repeat("x", 100)), ErrMessageTooLarge},
		{"line over limit", Limits{MaxMessageBytes: 1000, MaxLineBytes: 160}, user(strings.Repeat("x", 100)), ErrMessageTooLarge},
		{"unknown role", Limits{}, chat.Message{Role: "system"}, nil},
		{"invalid tool input", Limits{}, chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockToolUse, Input: json.RawMessage(`{`)}}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t).WithLimits(tc.limits)
			mustAppend(t, s, "s1", "m", user("kept"))
			before, _ := os.ReadFile(s.transcriptPath("s1"))
			err := s.Append("s1", "m", user("ok"), tc.msg)
			if err == nil {
				t.Fatal("Append succeeded, want error")
			}
			if tc.wantErr != nil && !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			after, _ := os.ReadFile(s.transcriptPath("s1"))
			if string(after) != string(before) {
				t.Fatal("transcript changed by a rejected Append")
			}
			if n := mustGet(t, s, "s1").Messages; n != 1 {
				t.Fatalf("index count %d, want 1", n)
			}
		})
	}
}

func TestAppendMessageAtLimit(t *testing.T) {
	m := user(strings.Repeat("x", 50))
	size := len(mustJSON(t, m))
	s := newStore(t).WithLimits(Limits{MaxMessageBytes: size})
	mustAppend(t, s, "s1", "m", m)
	if err := s.Append("s1", "m", user(strings.Repeat("x", 51))); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("one byte over the limit: err = %v, want ErrMessageTooLarge", err)
	}
}

func TestAppendNoMessages(t *testing.T) {
	s := newStore(t)
	mustAppend(t, s, "s1", "m")
	if _, err := os.Stat(s.transcriptPath("s1")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("empty Append created a transcript: %v", err)
	}
	if _, err := s.Get("s1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("Get after empty Append: %v, want ErrNotFound", err)
	}
}

// TestAppendFromLinksParent: a subagent's session names its parent in the
// index, and an index rebuilt from the transcripts finds it again.
func TestAppendFromLinksParent(t *testing.T) {
	s := newStore(t)
	mustAppend(t, s, "parent", "m", user("go"))
	if err := s.AppendFrom("child", "parent", "m", user("task"), assistant("done")); err != nil {
		t.Fatal(err)
	}
	if err := s.AppendFrom("child", "parent", "m", user("more")); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, "child"); got.Parent != "parent" || got.Messages != 3 {
		t.Errorf("child = %+v", got)
	}
	if got := mustGet(t, s, "parent"); got.Parent != "" {
		t.Errorf("parent = %+v", got)
	}
	if err := os.Remove(s.indexPath()); err != nil {
		t.Fatal(err)
	}
	if got := mustGet(t, s, "child"); got.Parent != "parent" {
		t.Errorf("after an index rebuild, child = %+v", got)
	}
	if err := s.AppendFrom("child", "../x", "m", user("x")); err == nil {
		t.Error("an invalid parent id was accepted")
	}
}
