package sessions

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// fuzzMaxLine is small so that the fuzzer reaches the line limit.
const fuzzMaxLine = 512

// encodeRecords writes recs as a transcript.
func encodeRecords(recs []record) ([]byte, error) {
	var buf bytes.Buffer
	for _, r := range recs {
		b, err := encodeLine(r, DefaultMaxMessageBytes, DefaultMaxLineBytes)
		if err != nil {
			return nil, err
		}
		buf.Write(b)
	}
	return buf.Bytes(), nil
}

// FuzzLoad checks the transcript reader on arbitrary bytes:
//   - it never panics, reports at most one warning (for the final line) and
//     reports corruption as *CorruptError with a line number;
//   - what it accepts re-encodes to a transcript that reads back without
//     warnings and encodes to the same bytes again (round trip);
//   - the truncation Append applies (tornTail) agrees with it: cutting there
//     leaves exactly the accepted records and no warning.
func FuzzLoad(f *testing.F) {
	t0 := time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)
	valid, err := encodeRecords([]record{
		{Time: t0, Model: "m", Message: chat.UserText("hello\nworld")},
		{Time: t0, Message: chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{
			{Type: chat.BlockToolUse, ID: "c1", Name: "read", Input: []byte(`{"path":"a"}`)}}}},
		{Time: t0, Message: chat.Message{Role: chat.RoleUser, Content: []chat.Block{
			{Type: chat.BlockToolResult, ToolUseID: "c1", Text: "x", IsError: true}}}},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(valid)
	f.Add(valid[:len(valid)-7])
	f.Add(append(append([]byte{}, valid...), "\x00\x00\n"...))
	f.Add([]byte("{oops\n" + string(valid)))
	f.Add([]byte(`{"v":2}` + "\n"))
	f.Add(append(append([]byte{}, valid...), `{"v":2,"time":"2025-01-02T03:04:05Z","compaction":{"replaced":1,"summary":{"role":"user","content":[{"type":"text","text":"S"}]}}}`+"\n"...))
	f.Add([]byte(`{"v":1,"time":"2025-01-02T03:04:05+01:00","message":{"role":"user","content":null},"extra":[1]}` + "\n"))
	f.Add(bytes.Repeat([]byte("x"), fuzzMaxLine+1))
	f.Add([]byte("\n\n"))
	f.Add([]byte{})

	f.Fuzz(func(t *testing.T, data []byte) {
		recs, warns, err := readTranscript(bytes.NewReader(data), fuzzMaxLine)
		cut, cutErr := tornTail(bytes.NewReader(data), int64(len(data)), fuzzMaxLine)
		if err != nil {
			var ce *CorruptError
			if !errors.As(err, &ce) || ce.Line < 1 {
				t.Fatalf("error %v is not a *CorruptError with a line", err)
			}
			return
		}
		if len(warns) > 1 {
			t.Fatalf("%d warnings, want at most one", len(warns))
		}
		if len(warns) == 1 && warns[0].Offset+warns[0].Bytes != int64(len(data)) {
			t.Fatalf("warning %+v does not cover the end of %d bytes", warns[0], len(data))
		}

		// tornTail agrees with the reader.
		if cutErr != nil {
			t.Fatalf("reader accepted the transcript, tornTail failed: %v", cutErr)
		}
		wantCut := int64(len(data))
		if len(warns) == 1 {
			wantCut = warns[0].Offset
		}
		if cut != wantCut {
			t.Fatalf("tornTail cuts at %d, reader's torn line starts at %d", cut, wantCut)
		}
		recsCut, warnsCut, err := readTranscript(bytes.NewReader(data[:cut]), fuzzMaxLine)
		if err != nil || len(warnsCut) != 0 || len(recsCut) != len(recs) {
			t.Fatalf("after the cut: %d records, %v, %v; want %d records", len(recsCut), warnsCut, err, len(recs))
		}

		// Round trip.
		enc1, err := encodeRecords(recs)
		if err != nil {
			t.Fatalf("accepted records do not encode: %v", err)
		}
		recs2, warns2, err := readTranscript(bytes.NewReader(enc1), DefaultMaxLineBytes)
		if err != nil || len(warns2) != 0 || len(recs2) != len(recs) {
			t.Fatalf("re-encoded transcript reads back as %d records, %v, %v; want %d", len(recs2), warns2, err, len(recs))
		}
		enc2, err := encodeRecords(recs2)
		if err != nil || !bytes.Equal(enc1, enc2) {
			t.Fatalf("encoding is not stable:\n%s\n%s\n%v", enc1, enc2, err)
		}
	})
}
