package sessions

import (
	"bufio"
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// joined returns the text of each message, joined by commas.
func joined(msgs []chat.Message) string { return strings.Join(texts(msgs), ",") }

func TestCompactionAppliedByLoad(t *testing.T) {
	s := newStore(t)
	mustAppend(t, s, "s1", "m", user("u1"), assistant("a1"), user("u2"), assistant("a2"), user("u3"))
	c := Compaction{Replaced: 3, Summary: user("S1"), TokensBefore: 900, TokensAfter: 300, Provider: "p", Model: "m",
		Usage: chat.Usage{InputTokens: 10, OutputTokens: 5}}
	if err := s.AppendCompaction("s1", c); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, "s1", "m", assistant("a3"))
	h, warns, err := s.LoadHistory("s1")
	if err != nil || warns != nil {
		t.Fatal(err, warns)
	}
	if got := joined(h.Messages); got != "S1,a2,u3,a3" {
		t.Fatalf("compacted history = %s", got)
	}
	if h.Stored != 6 || h.Compaction == nil || h.Compaction.Replaced != 3 || h.Compaction.Usage.OutputTokens != 5 || h.Compaction.Model != "m" {
		t.Fatalf("history = %+v", h)
	}
	msgs, _ := mustLoad(t, s, "s1")
	if joined(msgs) != "S1,a2,u3,a3" {
		t.Fatalf("Load = %s", joined(msgs))
	}
	// A later compaction covers the earlier summary: it alone applies,
	// counted from the transcript's start.
	if err := s.AppendCompaction("s1", Compaction{Replaced: 5, Summary: user("S2")}); err != nil {
		t.Fatal(err)
	}
	msgs, _ = mustLoad(t, s, "s1")
	if joined(msgs) != "S2,a3" {
		t.Fatalf("after the second compaction: %s", joined(msgs))
	}
	// The index counts messages, not compactions, on append and rebuild.
	if in, err := s.Get("s1"); err != nil || in.Messages != 6 {
		t.Fatalf("index = %+v, %v", in, err)
	}
	if err := os.Remove(s.indexPath()); err != nil {
		t.Fatal(err)
	}
	if in, err := s.Get("s1"); err != nil || in.Messages != 6 {
		t.Fatalf("rebuilt index = %+v, %v", in, err)
	}
}

// TestCompactionRecordVersions checks the format: message records stay
// version 1 (readable by builds that predate compaction), the compaction
// record is version 2 with the original lines kept before it.
func TestCompactionRecordVersions(t *testing.T) {
	s := newStore(t)
	mustAppend(t, s, "s1", "m", user("u1"), assistant("a1"), user("u2"))
	if err := s.AppendCompaction("s1", Compaction{Replaced: 2, Summary: user("S")}); err != nil {
		t.Fatal(err)
	}
	mustAppend(t, s, "s1", "m", assistant("a2"))
	data, err := os.ReadFile(s.transcriptPath("s1"))
	if err != nil {
		t.Fatal(err)
	}
	var versions []int
	var kinds []string
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		var rec map[string]json.RawMessage
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatal(err)
		}
		var v int
		json.Unmarshal(rec["v"], &v)
		versions = append(versions, v)
		switch {
		case rec["message"] != nil && rec["compaction"] == nil:
			kinds = append(kinds, "message")
		case rec["compaction"] != nil && rec["message"] == nil:
			kinds = append(kinds, "compaction")
		default:
			t.Fatalf("line %s holds neither or both", sc.Bytes())
		}
	}
	if got := strings.Join(kinds, ","); got != "message,message,message,compaction,message" {
		t.Fatalf("records = %s", got)
	}
	if versions[0] != 1 || versions[1] != 1 || versions[2] != 1 || versions[3] != 2 || versions[4] != 1 {
		t.Fatalf("versions = %v", versions)
	}
	// Scan passes the compaction over without counting it as skipped.
	var seen []string
	skipped, err := Scan(bytes.NewReader(data), 0, 0, func(e Entry) bool {
		seen = append(seen, e.Message.Text())
		return true
	})
	if err != nil || skipped != 0 || strings.Join(seen, ",") != "u1,a1,u2,a2" {
		t.Fatalf("Scan = %v, skipped %d, %v", seen, skipped, err)
	}
}

func TestAppendCompactionRefuses(t *testing.T) {
	s := newStore(t)
	mustAppend(t, s, "s1", "m", user("u1"), assistant("a1"))
	before, _ := os.ReadFile(s.transcriptPath("s1"))
	tests := []struct {
		name string
		id   string
		c    Compaction
		want string
	}{
		{"nothing replaced", "s1", Compaction{Replaced: 0, Summary: user("S")}, "at least 1"},
		{"more than stored", "s1", Compaction{Replaced: 3, Summary: user("S")}, "replaces 3 messages, the transcript holds 2"},
		{"assistant summary", "s1", Compaction{Replaced: 1, Summary: assistant("S")}, "role"},
		{"empty summary", "s1", Compaction{Replaced: 1, Summary: chat.Message{Role: chat.RoleUser}}, "empty"},
		{"invalid id", "../x", Compaction{Replaced: 1, Summary: user("S")}, "session"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := s.AppendCompaction(tc.id, tc.c)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("AppendCompaction = %v, want %q", err, tc.want)
			}
			after, _ := os.ReadFile(s.transcriptPath("s1"))
			if !bytes.Equal(before, after) {
				t.Fatal("a refused compaction changed the transcript")
			}
		})
	}
	// A session without a transcript is not created by a compaction.
	err := s.AppendCompaction("nope", Compaction{Replaced: 1, Summary: user("S")})
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("AppendCompaction on a missing session = %v", err)
	}
	if _, err := os.Stat(s.transcriptPath("nope")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("transcript created: %v", err)
	}
}

func TestLoadRejectsBadCompactionRecords(t *testing.T) {
	good := func(text string) string { return string(rawLine(t, user(text))) }
	tests := []struct {
		name    string
		content string
		line    int
		want    string
	}{
		{"replaces more than precede", good("a") + `{"v":2,"time":"2025-01-02T03:04:05Z","compaction":{"replaced":2,"summary":{"role":"user","content":[{"type":"text","text":"S"}]}}}` + "\n" + good("b"), 2, "replaces 2 messages, the transcript holds 1"},
		{"replaces more, final line", good("a") + `{"v":2,"time":"2025-01-02T03:04:05Z","compaction":{"replaced":2,"summary":{"role":"user","content":[{"type":"text","text":"S"}]}}}` + "\n", 2, "replaces 2 messages"},
		{"version 1 compaction", good("a") + `{"v":1,"time":"2025-01-02T03:04:05Z","compaction":{"replaced":1,"summary":{"role":"user","content":[{"type":"text","text":"S"}]}}}` + "\n" + good("b"), 2, "compaction record has format version 1"},
		{"message and compaction", good("a") + `{"v":2,"time":"2025-01-02T03:04:05Z","message":{"role":"user","content":[]},"compaction":{"replaced":1,"summary":{"role":"user","content":[{"type":"text","text":"S"}]}}}` + "\n" + good("b"), 2, "both"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			appendRaw(t, s, "s1", []byte(tc.content))
			_, _, err := s.Load("s1")
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Line != tc.line || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Load = %v, want line %d: %q", err, tc.line, tc.want)
			}
		})
	}
}

// TestCompactionTornTail: a compaction record cut by a crash is a torn
// tail like any other: skipped by Load, removed by the next append.
func TestCompactionTornTail(t *testing.T) {
	s := newStore(t)
	mustAppend(t, s, "s1", "m", user("u1"), assistant("a1"))
	appendRaw(t, s, "s1", []byte(`{"v":2,"time":"2025-01-02T03:04:05Z","compaction":{"repl`))
	msgs, warns := mustLoad(t, s, "s1")
	if joined(msgs) != "u1,a1" || len(warns) != 1 {
		t.Fatalf("Load = %s, %v", joined(msgs), warns)
	}
	if err := s.AppendCompaction("s1", Compaction{Replaced: 1, Summary: user("S")}); err != nil {
		t.Fatal(err)
	}
	msgs, warns = mustLoad(t, s, "s1")
	if joined(msgs) != "S,a1" || warns != nil {
		t.Fatalf("Load = %s, %v", joined(msgs), warns)
	}
}
