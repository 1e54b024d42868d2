package ledger

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// ctxCheckLines is how many lines Records reads between checks of its
// context.
const ctxCheckLines = 1024

// Records returns the records whose End is in [from, to), reading only
// the segments of the months that overlap it: a zero from has no lower
// bound, a zero to no upper bound. Records come oldest segment first and
// in file order within a segment (the order of the Appends, which is End
// order only as far as the runs ended in the order they were appended).
// skipped counts the lines of those segments that hold no record: a line
// torn by a crash (no final newline), one longer than
// Limits.MaxLineBytes, one that is not a valid record. They are not an
// error.
//
// Errors: a line of a newer format version (ErrNewerVersion, naming the
// file and line), ErrLockTimeout, I/O errors, ctx's error. A missing
// directory is an empty ledger.
//
// # Notes
//
// Records holds the directory's shared lock only while it takes the
// segments' lengths, then reads up to those lengths without it: what lies
// before them was written by Appends that had completed, and no Append
// changes it, so the result is the ledger as of that moment and a
// concurrent Append is neither waited for nor half read.
func (l *Ledger) Records(ctx context.Context, from, to time.Time) (recs []Record, skipped int, err error) {
	segs, err := l.segments(from, to)
	if err != nil || len(segs) == 0 {
		return nil, 0, err
	}
	if err := l.measure(segs); err != nil {
		return nil, 0, err
	}
	for _, s := range segs {
		n, err := l.readSegment(ctx, s, func(r Record) {
			if !r.End.Before(from) && (to.IsZero() || r.End.Before(to)) {
				recs = append(recs, r)
			}
		})
		skipped += n
		if err != nil {
			return nil, skipped, err
		}
	}
	return recs, skipped, nil
}

// segment is one month's file and the length Records reads of it.
type segment struct {
	path string
	size int64
}

// segments lists the segments whose month overlaps [from, to), oldest
// first; files not named YYYY-MM.jsonl are ignored.
func (l *Ledger) segments(from, to time.Time) ([]*segment, error) {
	entries, err := os.ReadDir(l.dir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("ledger: %w", err)
	}
	var segs []*segment
	for _, e := range entries { // sorted by name: oldest month first
		month, ok := segmentMonth(e.Name())
		if !ok || !e.Type().IsRegular() {
			continue
		}
		next := month.AddDate(0, 1, 0)
		if next.After(from) && (to.IsZero() || month.Before(to)) {
			segs = append(segs, &segment{path: filepath.Join(l.dir, e.Name())})
		}
	}
	return segs, nil
}

// segmentMonth parses a segment's file name into the first instant of its
// month, UTC.
func segmentMonth(name string) (time.Time, bool) {
	stem, ok := strings.CutSuffix(name, segmentSuffix)
	if !ok || len(stem) != len("2006-01") {
		return time.Time{}, false
	}
	t, err := time.Parse("2006-01", stem)
	return t, err == nil
}

// measure records each segment's length under the shared lock.
func (l *Ledger) measure(segs []*segment) error {
	unlock, err := l.lock(true)
	if err != nil {
		return fmt.Errorf("ledger read: %w", err)
	}
	defer unlock()
	for _, s := range segs {
		fi, err := os.Stat(s.path)
		if err != nil {
			return fmt.Errorf("ledger read: %w", err)
		}
		s.size = fi.Size()
	}
	return nil
}

// readSegment decodes the first s.size bytes of s, calling fn with each
// record, and returns the number of skipped lines.
func (l *Ledger) readSegment(ctx context.Context, s *segment, fn func(Record)) (skipped int, err error) {
	f, err := os.Open(s.path)
	if err != nil {
		return 0, fmt.Errorf("ledger read: %w", err)
	}
	defer f.Close()
	lr := newLineReader(io.NewSectionReader(f, 0, s.size), l.limits.MaxLineBytes)
	for num := 1; ; num++ {
		if num%ctxCheckLines == 0 {
			if err := ctx.Err(); err != nil {
				return skipped, err
			}
		}
		data, ok, err := lr.next()
		if errors.Is(err, io.EOF) {
			return skipped, nil
		}
		if err != nil {
			return skipped, fmt.Errorf("ledger read %s: %w", s.path, err)
		}
		if !ok {
			skipped++
			continue
		}
		r, err := decodeLine(data)
		if errors.Is(err, ErrNewerVersion) {
			return skipped, fmt.Errorf("ledger read %s line %d: %w", s.path, num, err)
		}
		if err != nil {
			skipped++
			continue
		}
		fn(r)
	}
}

// decodeLine decodes one line (without its newline) into a valid record.
func decodeLine(data []byte) (Record, error) {
	var w wireRecord
	if err := json.Unmarshal(data, &w); err != nil {
		return Record{}, err
	}
	var r Record
	if err := w.record(&r); err != nil {
		return Record{}, err
	}
	if err := r.Validate(); err != nil {
		return Record{}, err
	}
	return r, nil
}

// lineReader splits a segment into lines, keeping at most max bytes of a
// line in memory.
type lineReader struct {
	r   *bufio.Reader
	max int
	buf []byte
}

func newLineReader(r io.Reader, max int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: max}
}

// next returns the next line without its newline, with ok false when the
// line has no newline (torn) or exceeds max bytes, or io.EOF when no
// bytes remain. The data is valid until the following call.
func (lr *lineReader) next() (data []byte, ok bool, err error) {
	lr.buf = lr.buf[:0]
	n, long := 0, false
	for {
		chunk, err := lr.r.ReadSlice('\n')
		n += len(chunk)
		if !long && len(lr.buf)+len(chunk) <= lr.max+1 {
			lr.buf = append(lr.buf, chunk...)
		} else {
			long = true
		}
		switch {
		case errors.Is(err, bufio.ErrBufferFull):
			continue
		case errors.Is(err, io.EOF) && n == 0:
			return nil, false, io.EOF
		case errors.Is(err, io.EOF):
			return nil, false, nil // torn: no newline
		case err != nil:
			return nil, false, err
		}
		if long {
			return nil, false, nil
		}
		return lr.buf[:len(lr.buf)-1], true, nil
	}
}
