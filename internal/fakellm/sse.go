package fakellm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"unicode/utf8"
)

// pieceRunes is the largest piece, in runes, that streamed text and tool
// arguments are cut into, so that clients must join deltas.
const pieceRunes = 8

// pieces cuts s into consecutive pieces of at most pieceRunes runes; an empty
// s gives no pieces.
func pieces(s string) []string {
	var out []string
	for s != "" {
		end, n := 0, 0
		for end < len(s) && n < pieceRunes {
			_, size := utf8.DecodeRuneInString(s[end:])
			end += size
			n++
		}
		out = append(out, s[:end])
		s = s[end:]
	}
	return out
}

// sseWriter writes server-sent events
// (https://html.spec.whatwg.org/multipage/server-sent-events.html), flushing
// each one. The first write error is kept and later events are dropped: the
// client has gone.
type sseWriter struct {
	w   http.ResponseWriter
	rc  *http.ResponseController
	err error
}

// newSSE writes the headers of a 200 event stream.
func newSSE(w http.ResponseWriter) *sseWriter {
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	return &sseWriter{w: w, rc: http.NewResponseController(w)}
}

// send writes one event: an "event:" line when name is non-empty, then data
// as one "data:" line.
func (s *sseWriter) send(name string, data []byte) {
	if s.err != nil {
		return
	}
	if name != "" {
		_, s.err = fmt.Fprintf(s.w, "event: %s\n", name)
	}
	if s.err == nil {
		_, s.err = fmt.Fprintf(s.w, "data: %s\n\n", data)
	}
	if s.err == nil {
		s.err = s.rc.Flush()
	}
}

// sendJSON writes one event whose data is v marshalled as JSON.
func (s *sseWriter) sendJSON(name string, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		s.err = fmt.Errorf("marshal event %s: %w", name, err)
		return
	}
	s.send(name, b)
}

// writeJSON writes v as a JSON response with the given status.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, fmt.Sprintf("fakellm: marshal response: %v", err), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}
