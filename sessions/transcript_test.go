package sessions

import (
	"errors"
	"io"
	"os"
	"testing"
)

// TestTranscript: the transcript is read as stored, line for line, and
// Scan reads its entries; a missing session is ErrNotFound and an invalid
// id is refused.
func TestTranscript(t *testing.T) {
	s := newStore(t)
	mustAppend(t, s, "s1", "m1", user("hi"), assistant("hello"))
	f, err := s.Transcript("s1")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	got, err := io.ReadAll(f)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := os.ReadFile(s.transcriptPath("s1"))
	if string(got) != string(want) || len(got) == 0 {
		t.Fatalf("Transcript read %q, want the stored %q", got, want)
	}
	f.Seek(0, io.SeekStart)
	var texts []string
	if _, err := Scan(f, 0, 0, func(e Entry) bool {
		texts = append(texts, e.Message.Content[0].Text)
		return true
	}); err != nil || len(texts) != 2 || texts[1] != "hello" {
		t.Fatalf("Scan = %q, %v", texts, err)
	}
	if _, err := s.Transcript("nope"); !errors.Is(err, ErrNotFound) {
		t.Errorf("missing session: %v, want ErrNotFound", err)
	}
	if _, err := s.Transcript("../s1"); err == nil {
		t.Error("invalid id accepted")
	}
}
