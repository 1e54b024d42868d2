package nsjail

import (
	"bytes"
	"errors"
	"fmt"
	"io"
)

// errTimedOut is the cause of the per-call context when Config.Timeout
// expires, which tells a timeout apart from the caller's cancellation.
var errTimedOut = errors.New("nsjail: timeout")

// truncationNotice is appended to a stream that exceeded Config.OutputLimit.
const truncationNotice = "\n[output truncated: %d bytes omitted]\n"

// cappedWriter passes the first limit bytes written to it on to dst and
// counts the rest. Write never fails and never blocks longer than dst does,
// so the command's pipe is always drained; after dst fails once, output is
// only counted. It is written by a single goroutine (os/exec's copier) and
// finished only after that goroutine is done.
type cappedWriter struct {
	dst     io.Writer
	buf     *bytes.Buffer // dst when capturing for Result
	limit   int64
	kept    int64
	omitted int64
	failed  bool
}

// newCapture returns a cappedWriter that keeps the output in memory.
func newCapture(limit int64) *cappedWriter {
	buf := &bytes.Buffer{}
	return &cappedWriter{dst: buf, buf: buf, limit: limit}
}

// newStream returns a cappedWriter that forwards to dst.
func newStream(dst io.Writer, limit int64) *cappedWriter {
	return &cappedWriter{dst: dst, limit: limit}
}

// Write forwards what fits under the limit and discards the rest.
func (c *cappedWriter) Write(p []byte) (int, error) {
	n := min(max(c.limit-c.kept, 0), int64(len(p)))
	if n > 0 && !c.failed {
		if _, err := c.dst.Write(p[:n]); err != nil {
			c.failed = true
		}
	}
	c.kept += n
	c.omitted += int64(len(p)) - n
	return len(p), nil
}

// finish writes the truncation notice when anything was omitted and
// returns the captured bytes (nil when streaming) and whether output was
// omitted.
func (c *cappedWriter) finish() ([]byte, bool) {
	truncated := c.omitted > 0
	if truncated && !c.failed {
		fmt.Fprintf(c.dst, truncationNotice, c.omitted)
	}
	if c.buf == nil {
		return nil, truncated
	}
	return c.buf.Bytes(), truncated
}

// outputWriter returns the stream for one of Config.Stdout and
// Config.Stderr: forwarding when set, capturing otherwise.
func outputWriter(dst io.Writer, limit int64) *cappedWriter {
	if dst != nil {
		return newStream(dst, limit)
	}
	return newCapture(limit)
}
