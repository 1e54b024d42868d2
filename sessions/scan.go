package sessions

import (
	"errors"
	"io"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// Entry is one message of a transcript, as Scan reads it.
type Entry struct {
	Time    time.Time    // when the message was appended
	Model   string       // the model that wrote it; empty for user messages and tool results
	Message chat.Message // the message
	End     int64        // byte offset just past the entry's line, newline included
}

// Scan reads the transcript r, positioned at byte offset start of its file
// (0, or an End returned earlier), and calls yield for each message in
// order until yield returns false. It reads lines of at most maxLine bytes
// (<= 0: DefaultMaxLineBytes), so a reader can resume where it stopped
// without the Store, whose Load reads a whole transcript.
//
// Scan stops, returning no error, at the end of r, at an incomplete last
// line (a torn or unfinished append), and before a line of a newer format
// version, which only a newer build can read; the caller reads on from the
// last End later. A complete line that cannot be decoded (invalid JSON, an
// older version, too long, an invalid message) is passed over and counted
// in skipped. Compaction records are passed over without being counted:
// they are not messages (see Compaction). err is a read error of r.
func Scan(r io.Reader, start int64, maxLine int, yield func(Entry) bool) (skipped int, err error) {
	if maxLine <= 0 {
		maxLine = DefaultMaxLineBytes
	}
	lr := newLineReader(r, maxLine)
	lr.off = start
	for {
		l, err := lr.next()
		switch {
		case errors.Is(err, io.EOF):
			return skipped, nil
		case err != nil:
			return skipped, err
		case !l.complete:
			return skipped, nil
		}
		rec, err := parseLine(l, maxLine)
		switch {
		case errors.Is(err, errVersion):
			return skipped, nil
		case err != nil:
			skipped++
			continue
		case rec.Compaction != nil:
			continue
		}
		if !yield(Entry{Time: rec.Time, Model: rec.Model, Message: rec.Message, End: l.end()}) {
			return skipped, nil
		}
	}
}
