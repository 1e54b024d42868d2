package sessions

import (
	"errors"
	"fmt"
	"io"
	"time"
)

// Warning describes a torn final line that Load skipped (see the package
// documentation, "Crashes and recovery"). The next Append removes it.
type Warning struct {
	Line   int    // 1-based line number
	Offset int64  // byte offset of the line in the transcript
	Bytes  int64  // bytes skipped, newline included when present
	Reason string // why the line is invalid
}

// String describes the warning in one line.
func (w Warning) String() string {
	return fmt.Sprintf("skipped torn final line %d (%d bytes at offset %d): %s", w.Line, w.Bytes, w.Offset, w.Reason)
}

// CorruptError reports an invalid transcript line that is not the torn final
// line, or a final line written by a newer format version.
type CorruptError struct {
	Path   string // transcript path; empty when read from elsewhere
	Line   int    // 1-based line number; 0 when Append found a final line it must not overwrite
	Offset int64  // byte offset of the line
	Err    error  // what is wrong with the line
}

// Error names the transcript, the line and what is wrong with it.
func (e *CorruptError) Error() string {
	if e.Line == 0 {
		return fmt.Sprintf("corrupt transcript %s: final line (offset %d): %v", e.Path, e.Offset, e.Err)
	}
	return fmt.Sprintf("corrupt transcript %s: line %d (offset %d): %v", e.Path, e.Line, e.Offset, e.Err)
}

// Unwrap returns the line's error.
func (e *CorruptError) Unwrap() error { return e.Err }

// readTranscript decodes a whole transcript. A torn final line is skipped
// with a Warning; any other invalid line, and a compaction record that
// replaces more messages than precede it, fails with *CorruptError.
func readTranscript(r io.Reader, maxLine int) ([]record, []Warning, error) {
	lr := newLineReader(r, maxLine)
	var recs []record
	stored := 0 // message records so far
	for {
		l, err := lr.next()
		if errors.Is(err, io.EOF) {
			return recs, nil, nil
		}
		if err != nil {
			return nil, nil, fmt.Errorf("read transcript: %w", err)
		}
		rec, perr := parseLine(l, maxLine)
		if perr == nil {
			// A well-formed record is never a torn tail.
			if err := checkCompactions([]record{rec}, stored); err != nil {
				return nil, nil, &CorruptError{Line: l.num, Offset: l.off, Err: err}
			}
			recs = append(recs, rec)
			if rec.Compaction == nil {
				stored++
			}
			continue
		}
		if !errors.Is(perr, errVersion) {
			last, err := lr.atEOF()
			if err != nil {
				return nil, nil, fmt.Errorf("read transcript: %w", err)
			}
			if last {
				w := Warning{Line: l.num, Offset: l.off, Bytes: l.end() - l.off, Reason: perr.Error()}
				return recs, []Warning{w}, nil
			}
		}
		return nil, nil, &CorruptError{Line: l.num, Offset: l.off, Err: perr}
	}
}

// summary is what the index needs to know about a transcript.
type summary struct {
	messages    int       // valid message lines (compactions are not messages)
	first, last time.Time // times of the first and last valid line
	model       string    // model of the last valid line naming one
	parent      string    // parent session named by the first line naming one
	end         int64     // offset just past the last valid line
}

// summarize scans a transcript leniently: invalid lines are skipped, not
// reported. It fails only on read errors.
func summarize(r io.Reader, maxLine int) (summary, error) {
	lr := newLineReader(r, maxLine)
	var sum summary
	for {
		l, err := lr.next()
		if errors.Is(err, io.EOF) {
			return sum, nil
		}
		if err != nil {
			return summary{}, fmt.Errorf("read transcript: %w", err)
		}
		rec, err := parseLine(l, maxLine)
		if err != nil {
			continue
		}
		if rec.Compaction == nil {
			sum.messages++
		}
		if sum.first.IsZero() {
			sum.first = rec.Time
		}
		sum.last = rec.Time
		if rec.Model != "" {
			sum.model = rec.Model
		}
		if sum.parent == "" {
			sum.parent = rec.Parent
		}
		sum.end = l.end()
	}
}
