package mask

import (
	"cmp"
	"errors"
	"io"
	"slices"
)

// ErrClosed is returned by Write and Close after Close.
var ErrClosed = errors.New("mask: writer is closed")

// maxPending is how many candidate occurrences a Writer collects before it
// stops scanning to resolve those it can.
const maxPending = 256

var replacement = []byte(Replacement)

// Writer masks a stream: what is written to it reaches the underlying
// writer with every secret form of its Set replaced, including forms split
// across Write calls. It is not safe for concurrent use.
//
// # Notes
//
//   - Write passes on what it can decide and holds back a tail of fewer bytes
//     than the Set's longest form: the bytes that could still begin a form.
//     Call Close at the end of the stream to write that tail; without it the
//     tail is lost, never leaked.
//   - Close does not close the underlying writer.
//   - After the underlying writer fails, Write and Close return its error.
type Writer struct {
	w     io.Writer
	a     *automaton
	state int32 // row offset of the automaton's state
	pos   int64 // stream offset of the next byte to scan
	done  int64 // stream offset of the first byte not yet written or masked
	tail  []byte
	cands []occurrence
	err   error
}

// occurrence is a form found at stream offset start, n bytes long.
type occurrence struct {
	start int64
	n     int32
}

// NewWriter returns a Writer that masks s's forms on their way to w.
func (s *Set) NewWriter(w io.Writer) *Writer {
	mw := &Writer{w: w, a: s.a}
	if s.a != nil {
		// The tail never outgrows this, so it is never copied to a new
		// array that Close would not zero.
		mw.tail = make([]byte, 0, s.a.longest)
	}
	return mw
}

// Write masks p into the underlying writer. It returns len(p) unless the
// underlying writer fails; bytes held back count as written.
func (w *Writer) Write(p []byte) (int, error) {
	if w.err != nil {
		return 0, w.err
	}
	if w.a == nil {
		n, err := w.w.Write(p)
		w.err = err
		return n, err
	}
	base := w.pos
	for i := 0; i < len(p); {
		i = w.scan(p, i, base)
		if err := w.resolve(p, base, false); err != nil {
			return 0, err
		}
	}
	w.keep(p, base)
	return len(p), nil
}

// Close writes the held-back tail, masked, and zeroes it. The Writer
// accepts nothing afterwards.
func (w *Writer) Close() error {
	if w.err != nil {
		return w.err
	}
	var err error
	if w.a != nil {
		err = w.resolve(nil, w.pos, true)
	}
	clear(w.tail[:cap(w.tail)])
	w.tail = nil
	if err == nil {
		w.err = ErrClosed
	}
	return err
}

// scan runs the automaton over p from index i, p[0] being at stream offset
// base, recording occurrences, until the end of p or until maxPending are
// waiting. It returns the index where it stopped.
func (w *Writer) scan(p []byte, i int, base int64) int {
	a := w.a
	delta, first, st, cls := a.delta, a.firstMatch, w.state, &a.class
	for ; i < len(p); i++ {
		st = delta[st+int32(cls[p[i]])]
		if st >= first {
			end := base + int64(i) + 1
			for _, n := range a.ends[(st-first)/a.classes] {
				if start := end - int64(n); start >= w.done {
					w.cands = append(w.cands, occurrence{start, n})
				}
			}
			if len(w.cands) >= maxPending {
				i++
				break
			}
		}
	}
	w.state = st
	w.pos = base + int64(i)
	return i
}

// resolve writes out, masked, every byte that no occurrence still in
// progress can cover: all of them at the end of the stream (final),
// otherwise those before the longest suffix read that is a proper prefix of
// some form. The text is w.tail followed by p, p[0] at stream offset base.
func (w *Writer) resolve(p []byte, base int64, final bool) error {
	frontier := w.pos
	if !final {
		frontier -= int64(w.a.live[w.state/w.a.classes])
	}
	slices.SortFunc(w.cands, func(x, y occurrence) int {
		return cmp.Or(cmp.Compare(x.start, y.start), cmp.Compare(y.n, x.n))
	})
	kept := w.cands[:0]
	for _, c := range w.cands {
		switch {
		case c.start < w.done:
			// Covered by an occurrence that starts earlier.
		case c.start >= frontier:
			kept = append(kept, c)
		default:
			if err := w.emit(p, base, w.done, c.start); err != nil {
				return err
			}
			if err := w.put(replacement); err != nil {
				return err
			}
			w.done = c.start + int64(c.n)
		}
	}
	w.cands = kept
	if frontier > w.done {
		if err := w.emit(p, base, w.done, frontier); err != nil {
			return err
		}
		w.done = frontier
	}
	return nil
}

// emit writes the text between stream offsets from and to.
func (w *Writer) emit(p []byte, base, from, to int64) error {
	if from >= to {
		return nil
	}
	if from < base {
		tailStart := base - int64(len(w.tail))
		if err := w.put(w.tail[from-tailStart : min(to, base)-tailStart]); err != nil {
			return err
		}
	}
	if to > base {
		return w.put(p[max(from, base)-base : to-base])
	}
	return nil
}

// put writes b to the underlying writer, remembering a failure.
func (w *Writer) put(b []byte) error {
	if len(b) == 0 {
		return nil
	}
	if _, err := w.w.Write(b); err != nil {
		w.err = err
		return err
	}
	return nil
}

// keep makes the undecided text, from w.done to the end of p, the new tail,
// zeroing what the old tail held beyond it.
func (w *Writer) keep(p []byte, base int64) {
	if w.done >= base {
		clear(w.tail)
		w.tail = append(w.tail[:0], p[w.done-base:]...)
		return
	}
	tailStart := base - int64(len(w.tail))
	n := copy(w.tail, w.tail[w.done-tailStart:])
	clear(w.tail[n:])
	w.tail = append(w.tail[:n], p...)
}
