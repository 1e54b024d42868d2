package sessions

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// TestScan reads a transcript from the start and from an entry's End,
// passing over bad lines and stopping at a torn tail and at a newer
// version.
func TestScan(t *testing.T) {
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	var buf bytes.Buffer
	for _, text := range []string{"one", "two"} {
		b, err := encodeLine(record{Time: at, Message: chat.UserText(text)}, DefaultMaxMessageBytes, DefaultMaxLineBytes)
		if err != nil {
			t.Fatal(err)
		}
		buf.Write(b)
		buf.WriteString("not json\n")
	}
	good := buf.Len()
	buf.WriteString(`{"v":3,"time":"2026-01-02T03:04:05Z","message":{"role":"user"}}` + "\n")
	b, _ := encodeLine(record{Time: at, Message: chat.UserText("after the newer line")}, DefaultMaxMessageBytes, DefaultMaxLineBytes)
	buf.Write(b)
	data := buf.Bytes()

	var got []string
	var ends []int64
	skipped, err := Scan(bytes.NewReader(data), 0, 0, func(e Entry) bool {
		got = append(got, e.Message.Text())
		ends = append(ends, e.End)
		return true
	})
	if err != nil || strings.Join(got, ",") != "one,two" || skipped != 2 {
		t.Fatalf("Scan = %q, skipped %d, %v", got, skipped, err)
	}
	if want := int64(strings.Index(string(data), "not json")); ends[0] != want {
		t.Errorf("first End %d, want %d", ends[0], want)
	}
	got = nil
	Scan(bytes.NewReader(data[ends[0]:]), ends[0], 0, func(e Entry) bool {
		got = append(got, e.Message.Text())
		if e.End > int64(good) {
			t.Errorf("End %d beyond the readable part (%d)", e.End, good)
		}
		return true
	})
	if strings.Join(got, ",") != "two" {
		t.Errorf("resumed Scan = %q", got)
	}
	torn := data[:ends[0]-1] // the first line without its newline
	got = nil
	Scan(bytes.NewReader(torn), 0, 0, func(e Entry) bool { got = append(got, e.Message.Text()); return true })
	if len(got) != 0 {
		t.Errorf("torn line read: %q", got)
	}
	n := 0
	Scan(bytes.NewReader(data), 0, 0, func(Entry) bool { n++; return false })
	if n != 1 {
		t.Errorf("yield false: %d entries", n)
	}
}
