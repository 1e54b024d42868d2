package sessions

import (
	"encoding/json"
	"os"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

func newStore(t *testing.T) *Store {
	t.Helper()
	s, err := Open(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func user(text string) chat.Message { return chat.UserText(text) }

func assistant(text string) chat.Message {
	return chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockText, Text: text}}}
}

// appendRaw appends data to the transcript of id, bypassing the Store.
func appendRaw(t *testing.T, s *Store, id string, data []byte) {
	t.Helper()
	f, err := os.OpenFile(s.transcriptPath(id), os.O_WRONLY|os.O_APPEND|os.O_CREATE, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
}

// rawLine returns a valid transcript line for m, newline included.
func rawLine(t *testing.T, m chat.Message) []byte {
	t.Helper()
	b, err := encodeLine(record{Time: time.Now().UTC(), Model: "raw", Message: m}, DefaultMaxMessageBytes, DefaultMaxLineBytes)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustAppend(t *testing.T, s *Store, id, model string, msgs ...chat.Message) {
	t.Helper()
	if err := s.Append(id, model, msgs...); err != nil {
		t.Fatal(err)
	}
}

func mustLoad(t *testing.T, s *Store, id string) ([]chat.Message, []Warning) {
	t.Helper()
	msgs, warns, err := s.Load(id)
	if err != nil {
		t.Fatal(err)
	}
	return msgs, warns
}

func mustGet(t *testing.T, s *Store, id string) Info {
	t.Helper()
	info, err := s.Get(id)
	if err != nil {
		t.Fatal(err)
	}
	return info
}

// texts returns the Text of each message.
func texts(msgs []chat.Message) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i] = m.Text()
	}
	return out
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
