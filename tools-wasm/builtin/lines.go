package builtin

import (
	"bytes"
	"io"
)

// maxEmptyReads is how many reads in a row may return nothing before a
// lineReader gives up with io.ErrNoProgress, as bufio.Reader does.
const maxEmptyReads = 100

// lineReader splits its input into lines. It does the job of
// bufio.Reader.ReadSlice for the read tool at a fraction of its cost inside
// the WebAssembly guest, where every function call per line counts: lines
// that fit in its buffer are returned in place, and only lines longer than
// the buffer are copied (their first bytes only).
type lineReader struct {
	r     io.Reader
	buf   []byte
	start int    // the first unread byte of buf
	end   int    // the end of the data in buf
	err   error  // what ended the input: io.EOF or a read error
	long  []byte // the kept start of a line longer than buf
}

// newLineReader returns a lineReader over r that reads into buf.
func newLineReader(r io.Reader, buf []byte) *lineReader {
	return &lineReader{r: r, buf: buf}
}

// peek returns the next n bytes without consuming them, or fewer at the end
// of the input or when n is larger than the buffer.
func (lr *lineReader) peek(n int) []byte {
	for lr.end-lr.start < n && lr.err == nil && (lr.start > 0 || lr.end < len(lr.buf)) {
		lr.fill()
	}
	return lr.buf[lr.start:min(lr.end, lr.start+n)]
}

// next returns the next line without its newline: its first keep bytes or
// more (valid until the next call) and its full length in bytes. ok is false
// at the end of the input; Err then tells a read error from the end.
func (lr *lineReader) next(keep int) (line []byte, full int, ok bool) {
	lr.long = lr.long[:0]
	for {
		data := lr.buf[lr.start:lr.end]
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			lr.start += i + 1
			return lr.take(data[:i], full, keep), full + i, true
		}
		switch {
		case lr.err != nil: // the rest is the last line, without a newline
			lr.start = lr.end
			return lr.take(data, full, keep), full + len(data), full+len(data) > 0
		case lr.start > 0 || lr.end < len(lr.buf):
			lr.fill()
		default: // a line longer than the buffer: keep its start
			lr.long = appendUpTo(lr.long, data, keep)
			full += len(data)
			lr.start, lr.end = 0, 0
			lr.fill()
		}
	}
}

// take returns the last piece of a line, frag, as the line itself when none
// of the line came before it (spilled == 0), or else appended to the kept
// start of the line.
func (lr *lineReader) take(frag []byte, spilled, keep int) []byte {
	if spilled == 0 {
		return frag[:min(len(frag), keep)]
	}
	lr.long = appendUpTo(lr.long, frag, keep)
	return lr.long
}

// appendUpTo appends the start of src to dst until dst is keep bytes long.
func appendUpTo(dst, src []byte, keep int) []byte {
	return append(dst, src[:min(len(src), max(keep-len(dst), 0))]...)
}

// fill moves the unread data to the front of the buffer and reads once more
// after it, recording an error or the end of the input in lr.err.
func (lr *lineReader) fill() {
	if lr.start > 0 {
		lr.end = copy(lr.buf, lr.buf[lr.start:lr.end])
		lr.start = 0
	}
	for range maxEmptyReads {
		n, err := lr.r.Read(lr.buf[lr.end:])
		lr.end += n
		if err != nil {
			lr.err = err
			return
		}
		if n > 0 {
			return
		}
	}
	lr.err = io.ErrNoProgress
}

// Err returns the read error that ended the input, or nil at its end.
func (lr *lineReader) Err() error {
	if lr.err == io.EOF {
		return nil
	}
	return lr.err
}
