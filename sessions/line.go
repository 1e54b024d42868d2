package sessions

import (
	"bufio"
	"errors"
	"fmt"
	"io"
)

// line is one line of a transcript.
type line struct {
	num      int    // 1-based line number
	off      int64  // byte offset of the line's first byte
	size     int64  // length in bytes, newline excluded
	complete bool   // ended by a newline
	data     []byte // the bytes without the newline; nil when size exceeds the limit
}

// end returns the offset just past the line, newline included.
func (l line) end() int64 {
	if l.complete {
		return l.off + l.size + 1
	}
	return l.off + l.size
}

// parseLine decodes l, applying the line limit maxLine. An incomplete or
// over-long line is an error; errors wrap errVersion only for a complete
// line from a newer format version.
func parseLine(l line, maxLine int) (record, error) {
	switch {
	case !l.complete:
		return record{}, errors.New("no trailing newline")
	case l.size > int64(maxLine):
		return record{}, fmt.Errorf("line of %d bytes exceeds the %d-byte limit", l.size, maxLine)
	}
	return decodeLine(l.data)
}

// lineReader splits a transcript into lines, keeping at most maxLine+1 bytes
// of a line in memory.
type lineReader struct {
	r   *bufio.Reader
	max int
	buf []byte
	off int64
	num int
}

func newLineReader(r io.Reader, maxLine int) *lineReader {
	return &lineReader{r: bufio.NewReaderSize(r, 64<<10), max: maxLine}
}

// next returns the next line, or io.EOF when no bytes remain. The line's
// data is valid until the following call.
func (lr *lineReader) next() (line, error) {
	l := line{num: lr.num + 1, off: lr.off}
	lr.buf = lr.buf[:0]
	var n int64 // bytes read, newline included
	for {
		chunk, err := lr.r.ReadSlice('\n')
		n += int64(len(chunk))
		if int64(len(lr.buf)+len(chunk)) <= int64(lr.max)+1 {
			lr.buf = append(lr.buf, chunk...)
		}
		if errors.Is(err, bufio.ErrBufferFull) {
			continue
		}
		if errors.Is(err, io.EOF) {
			if n == 0 {
				return line{}, io.EOF
			}
		} else if err != nil {
			return line{}, err
		} else {
			l.complete = true
		}
		break
	}
	lr.num++
	lr.off += n
	l.size = n
	if l.complete {
		l.size--
	}
	if l.size <= int64(lr.max) {
		l.data = lr.buf[:l.size]
	}
	return l, nil
}

// atEOF reports whether no bytes follow the last line returned.
func (lr *lineReader) atEOF() (bool, error) {
	_, err := lr.r.Peek(1)
	if errors.Is(err, io.EOF) {
		return true, nil
	}
	return false, err
}
