package skillrun

import (
	"bytes"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/internal/mask"
)

// truncationNotice ends a stdout that exceeded Limits.OutputLimit; nsjail
// writes the same for native skills.
const truncationNotice = "\n[output truncated: %d bytes omitted]\n"

// outputs are a call's masked standard streams: stdout kept whole (the
// producer caps it), stderr as a tail.
type outputs struct {
	stdout    bytes.Buffer
	stderr    tailBuffer
	out, errw *mask.Writer
}

func newOutputs(set *mask.Set, tail int) *outputs {
	o := &outputs{stderr: tailBuffer{max: tail}}
	o.out = set.NewWriter(&o.stdout)
	o.errw = set.NewWriter(&o.stderr)
	return o
}

// finish flushes the masks' held-back bytes (once no more output comes) and
// fills r's Stdout and StderrTail.
func (o *outputs) finish(r *Result) {
	o.out.Close()
	o.errw.Close()
	r.Stdout = o.stdout.Bytes()
	r.StderrTail = o.stderr.bytes()
}

// noteTruncation writes the truncation notice for omitted bytes to stdout.
func (o *outputs) noteTruncation(omitted int64) {
	fmt.Fprintf(o.out, truncationNotice, omitted)
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	if len(p) >= t.max {
		t.buf = append(t.buf[:0], p[len(p)-t.max:]...)
		return len(p), nil
	}
	if over := len(t.buf) + len(p) - t.max; over > 0 {
		t.buf = append(t.buf[:0], t.buf[over:]...)
	}
	t.buf = append(t.buf, p...)
	return len(p), nil
}

func (t *tailBuffer) bytes() []byte { return t.buf }
