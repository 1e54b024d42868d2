package sessions

import (
	"errors"
	"os"
	"reflect"
	"strings"
	"testing"
)

func TestLoadMissingSession(t *testing.T) {
	s := newStore(t)
	msgs, warns, err := s.Load("never")
	if err != nil || msgs != nil || warns != nil {
		t.Fatalf("Load(missing) = %v, %v, %v; want nil, nil, nil", msgs, warns, err)
	}
}

func TestLoadTornTail(t *testing.T) {
	full := string(rawLine(t, user("lost")))
	tests := []struct {
		name   string
		tail   string
		reason string
	}{
		{"cut mid-record", full[:len(full)/2], "no trailing newline"},
		{"complete record without newline", strings.TrimSuffix(full, "\n"), "no trailing newline"},
		{"zero bytes without newline", "\x00\x00\x00\x00", "no trailing newline"},
		{"garbage line with newline", "\x00\x00{\"v\":1\n", "invalid JSON"},
		{"valid JSON, not a record", "{}\n", "format version 0"},
		{"blank final line", "\n", "invalid JSON"},
		{"over-long final line", strings.Repeat("x", 300) + "\n", "exceeds the 256-byte limit"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t).WithLimits(Limits{MaxLineBytes: 256})
			mustAppend(t, s, "s1", "m", user("one"), assistant("two"))
			before, _ := os.ReadFile(s.transcriptPath("s1"))
			appendRaw(t, s, "s1", []byte(tc.tail))

			msgs, warns := mustLoad(t, s, "s1")
			if got := texts(msgs); !reflect.DeepEqual(got, []string{"one", "two"}) {
				t.Fatalf("messages %q, want [one two]", got)
			}
			if len(warns) != 1 {
				t.Fatalf("warnings %v, want one", warns)
			}
			w := warns[0]
			if w.Line != 3 || w.Offset != int64(len(before)) || w.Bytes != int64(len(tc.tail)) || !strings.Contains(w.Reason, tc.reason) {
				t.Fatalf("warning %+v, want line 3 at offset %d, %d bytes, reason containing %q", w, len(before), len(tc.tail), tc.reason)
			}
			if !strings.Contains(w.String(), "line 3") {
				t.Fatalf("warning text %q does not name the line", w.String())
			}

			// The next Append removes the fragment instead of gluing to it.
			mustAppend(t, s, "s1", "m", user("three"))
			msgs, warns = mustLoad(t, s, "s1")
			if len(warns) != 0 {
				t.Fatalf("warnings after append: %v", warns)
			}
			if got := texts(msgs); !reflect.DeepEqual(got, []string{"one", "two", "three"}) {
				t.Fatalf("messages after append %q", got)
			}
			if n := mustGet(t, s, "s1").Messages; n != 3 {
				t.Fatalf("index count %d, want 3", n)
			}
		})
	}
}

func TestLoadOnlyTornLine(t *testing.T) {
	s := newStore(t)
	appendRaw(t, s, "s1", []byte(`{"v":1,"ti`))
	msgs, warns := mustLoad(t, s, "s1")
	if len(msgs) != 0 || len(warns) != 1 || warns[0].Line != 1 || warns[0].Offset != 0 {
		t.Fatalf("Load = %v, %v; want no messages and one warning for line 1", msgs, warns)
	}
	mustAppend(t, s, "s1", "m", user("fresh"))
	msgs, warns = mustLoad(t, s, "s1")
	if len(warns) != 0 || !reflect.DeepEqual(texts(msgs), []string{"fresh"}) {
		t.Fatalf("after append: %q, %v", texts(msgs), warns)
	}
}

func TestLoadCorruption(t *testing.T) {
	good := func(text string) string { return string(rawLine(t, user(text))) }
	tests := []struct {
		name     string
		content  string
		line     int
		contains string
	}{
		{"invalid JSON in the middle", good("a") + "{oops\n" + good("c"), 2, "invalid JSON"},
		{"blank line in the middle", good("a") + "\n" + good("c"), 2, "invalid JSON"},
		{"missing message", `{"v":1,"time":"2025-01-02T03:04:05Z"}` + "\n" + good("b"), 1, "no message"},
		{"missing time", `{"v":1,"message":{"role":"user","content":[]}}` + "\n" + good("b"), 1, "no time"},
		{"unknown role", good("a") + `{"v":1,"time":"2025-01-02T03:04:05Z","message":{"role":"tool","content":[]}}` + "\n" + good("c"), 2, "role"},
		{"over-long line in the middle", good("a") + strings.Repeat("x", 300) + "\n" + good("c"), 2, "exceeds the 256-byte limit"},
		{"newer version, final line", good("a") + `{"v":3,"time":"2025-01-02T03:04:05Z","what":"ever"}` + "\n", 2, "unsupported transcript format version 3"},
		{"newer version, first line", `{"v":9}` + "\n" + good("b"), 1, "unsupported transcript format version 9"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t).WithLimits(Limits{MaxLineBytes: 256})
			appendRaw(t, s, "s1", []byte(tc.content))
			msgs, warns, err := s.Load("s1")
			var ce *CorruptError
			if !errors.As(err, &ce) {
				t.Fatalf("Load = %v, %v, %v; want *CorruptError", msgs, warns, err)
			}
			if ce.Line != tc.line || ce.Path != s.transcriptPath("s1") || !strings.Contains(err.Error(), tc.contains) {
				t.Fatalf("error %q (line %d), want line %d containing %q", err, ce.Line, tc.line, tc.contains)
			}
			if msgs != nil || warns != nil {
				t.Fatalf("corrupt Load returned data: %v %v", msgs, warns)
			}
		})
	}
}

func TestAppendRefusesNewerFinalLine(t *testing.T) {
	s := newStore(t)
	mustAppend(t, s, "s1", "m", user("a"))
	newer := `{"v":3,"time":"2025-01-02T03:04:05Z"}` + "\n"
	appendRaw(t, s, "s1", []byte(newer))
	before, _ := os.ReadFile(s.transcriptPath("s1"))
	err := s.Append("s1", "m", user("b"))
	var ce *CorruptError
	if !errors.As(err, &ce) || !errors.Is(err, errVersion) {
		t.Fatalf("Append after a newer-version line: %v, want *CorruptError wrapping errVersion", err)
	}
	after, _ := os.ReadFile(s.transcriptPath("s1"))
	if string(after) != string(before) {
		t.Fatal("Append changed a transcript ending in a newer-version line")
	}
}

func TestDefaultLineLimit(t *testing.T) {
	s := newStore(t)
	if s.limits.MaxLineBytes != 16<<20 || s.limits.MaxMessageBytes != 8<<20 {
		t.Fatalf("default limits %+v", s.limits)
	}
	// A line of exactly the default limit is accepted by the reader.
	fits := strings.Repeat("x", DefaultMaxLineBytes)
	lr := newLineReader(strings.NewReader(fits+"\n"), DefaultMaxLineBytes)
	if l, err := lr.next(); err != nil || l.data == nil || l.size != DefaultMaxLineBytes {
		t.Fatalf("line at the limit: size %d, data kept %v, err %v", l.size, l.data != nil, err)
	}
	// One byte more is corruption in the middle of a transcript.
	appendRaw(t, s, "s1", rawLine(t, user("a")))
	appendRaw(t, s, "s1", []byte(fits+"x\n"))
	appendRaw(t, s, "s1", rawLine(t, user("c")))
	_, _, err := s.Load("s1")
	var ce *CorruptError
	if !errors.As(err, &ce) || ce.Line != 2 || !strings.Contains(err.Error(), "16777217 bytes exceeds the 16777216-byte limit") {
		t.Fatalf("Load = %v, want line 2 over the 16 MiB limit", err)
	}
	// A message over the default 8 MiB is refused on append.
	if err := s.Append("s2", "m", user(strings.Repeat("y", DefaultMaxMessageBytes))); !errors.Is(err, ErrMessageTooLarge) {
		t.Fatalf("Append of a message over 8 MiB: %v, want ErrMessageTooLarge", err)
	}
}

// TestLoadTruncatedTranscript: a transcript emptied, cut short or removed
// while the index counts its messages is refused, not resumed as a new
// session; appending to it again is refused the same way by Load.
func TestLoadTruncatedTranscript(t *testing.T) {
	for name, damage := range map[string]func(path string) error{
		"emptied":   func(p string) error { return os.Truncate(p, 0) },
		"cut short": func(p string) error { return os.Truncate(p, 10) },
		"removed":   os.Remove,
	} {
		t.Run(name, func(t *testing.T) {
			s := newStore(t)
			mustAppend(t, s, "s1", "m", user("one"), assistant("two"))
			if err := damage(s.transcriptPath("s1")); err != nil {
				t.Fatal(err)
			}
			msgs, _, err := s.Load("s1")
			if !errors.Is(err, ErrTruncated) || msgs != nil {
				t.Fatalf("Load = %d messages, %v; want ErrTruncated", len(msgs), err)
			}
			for _, want := range []string{s.transcriptPath("s1"), "2 messages", "delete the session"} {
				if !strings.Contains(err.Error(), want) {
					t.Errorf("error %q lacks %q", err, want)
				}
			}
		})
	}
}
