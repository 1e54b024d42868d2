package sessions

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// tailChunk is how many bytes tornTail reads at a time while searching
// backwards for the start of the final line.
const tailChunk = 64 << 10

// tornTail returns the length to which a transcript of size bytes read
// through r must be cut so that it ends with a complete, valid line: the
// offset of a torn final line (as Load defines it, via parseLine), or size
// when there is none. It fails on read errors and when the final line comes
// from a newer format version.
func tornTail(r io.ReaderAt, size int64, maxLine int) (int64, error) {
	if size == 0 {
		return 0, nil
	}
	var last [1]byte
	if _, err := r.ReadAt(last[:], size-1); err != nil {
		return 0, fmt.Errorf("read transcript tail: %w", err)
	}
	l := line{complete: last[0] == '\n'}
	end := size
	if l.complete {
		end--
	}
	start, err := lineStart(r, end)
	if err != nil {
		return 0, err
	}
	l.off, l.size = start, end-start
	if l.complete && l.size <= int64(maxLine) {
		l.data = make([]byte, l.size)
		if _, err := r.ReadAt(l.data, start); err != nil {
			return 0, fmt.Errorf("read transcript tail: %w", err)
		}
	}
	_, perr := parseLine(l, maxLine)
	switch {
	case perr == nil:
		return size, nil
	case errors.Is(perr, errVersion):
		return 0, &CorruptError{Offset: start, Err: perr}
	default:
		return start, nil
	}
}

// lineStart returns the offset just past the last newline before end, or 0
// when there is none.
func lineStart(r io.ReaderAt, end int64) (int64, error) {
	buf := make([]byte, tailChunk)
	for end > 0 {
		n := min(int64(len(buf)), end)
		chunk := buf[:n]
		if _, err := r.ReadAt(chunk, end-n); err != nil {
			return 0, fmt.Errorf("read transcript tail: %w", err)
		}
		if i := bytes.LastIndexByte(chunk, '\n'); i >= 0 {
			return end - n + int64(i) + 1, nil
		}
		end -= n
	}
	return 0, nil
}
