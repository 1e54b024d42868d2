package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/clip"
)

// replayer is the Provider Replay returns.
type replayer struct {
	path string
	tape *cassette

	mu   sync.Mutex
	next int
}

// Replay returns a Provider that answers from the cassette at path (written
// by Record) without any network access. The n-th call gets the n-th
// interaction: its text deltas are passed to onText again, then its
// response (or its *Error) is returned. A call whose model-visible request
// (system prompt, messages, tools; not model or max_tokens) differs from the
// recorded one fails with an error wrapping ErrCassetteMismatch that names
// the interaction and the first differing field; a call beyond the last
// interaction fails with an error wrapping ErrCassetteExhausted. Either
// failure does not consume an interaction. Replay fails when the file cannot
// be read, is not valid JSON (for instance torn), or has another version.
func Replay(path string) (Provider, error) {
	tape, err := loadCassette(path)
	if err != nil {
		return nil, fmt.Errorf("replay: %w", err)
	}
	return &replayer{path: path, tape: tape}, nil
}

func (r *replayer) Complete(ctx context.Context, req chat.Request, onText func(string)) (*chat.Response, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.next >= len(r.tape.Interactions) {
		return nil, fmt.Errorf("replay %s: turn %d asked for, but the cassette holds only %d interactions: %w",
			r.path, r.next+1, len(r.tape.Interactions), ErrCassetteExhausted)
	}
	in := r.tape.Interactions[r.next]
	if diff := diffRequests(in.Request, req); diff != "" {
		return nil, fmt.Errorf("replay %s: interactions[%d]: %w: %s", r.path, r.next, ErrCassetteMismatch, diff)
	}
	r.next++
	if onText != nil {
		for _, d := range in.Deltas {
			onText(d)
		}
	}
	if in.Error != nil {
		e := in.Error
		return nil, &Error{Provider: e.Provider, Status: e.Status, Class: e.Class, Code: e.Code, Message: e.Message}
	}
	resp := *in.Response
	resp.Message.Content = append([]chat.Block(nil), in.Response.Message.Content...)
	return &resp, nil
}

// diffRequests returns "" when two requests show the model the same thing,
// else a description of the first difference, comparing canonical JSON
// (object keys sorted, insignificant space removed).
func diffRequests(rec, got chat.Request) string {
	if rec.System != got.System {
		return fmt.Sprintf("system: recorded %s, got %s", show(canonical(rec.System)), show(canonical(got.System)))
	}
	for i := range min(len(rec.Messages), len(got.Messages)) {
		if d := diffMessage(rec.Messages[i], got.Messages[i]); d != "" {
			return fmt.Sprintf("messages[%d]%s", i, d)
		}
	}
	if len(rec.Messages) != len(got.Messages) {
		return fmt.Sprintf("messages: recorded %d, got %d", len(rec.Messages), len(got.Messages))
	}
	for i := range min(len(rec.Tools), len(got.Tools)) {
		if a, b := canonical(rec.Tools[i]), canonical(got.Tools[i]); a != b {
			return fmt.Sprintf("tools[%d]: recorded %s, got %s", i, show(a), show(b))
		}
	}
	if len(rec.Tools) != len(got.Tools) {
		return fmt.Sprintf("tools: recorded %d, got %d", len(rec.Tools), len(got.Tools))
	}
	return ""
}

// diffMessage describes the first difference between two messages as a
// path suffix and values, or returns "".
func diffMessage(rec, got chat.Message) string {
	if rec.Role != got.Role {
		return fmt.Sprintf(".role: recorded %q, got %q", rec.Role, got.Role)
	}
	for j := range min(len(rec.Content), len(got.Content)) {
		if a, b := canonical(rec.Content[j]), canonical(got.Content[j]); a != b {
			return fmt.Sprintf(".content[%d]: recorded %s, got %s", j, show(a), show(b))
		}
	}
	if len(rec.Content) != len(got.Content) {
		return fmt.Sprintf(".content: recorded %d blocks, got %d", len(rec.Content), len(got.Content))
	}
	return ""
}

// maxShown caps each value quoted in a mismatch error.
const maxShown = 200

// show cuts s to maxShown bytes for an error message.
func show(s string) string { return clip.String(s, maxShown) }

// canonical returns v as canonical JSON: encoded, decoded into generic
// values, then encoded again, so that key order and spacing inside raw JSON
// (tool inputs, schemas) do not count.
func canonical(v any) string {
	data, err := json.Marshal(v)
	if err != nil {
		return fmt.Sprintf("(unencodable: %v)", err)
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var generic any
	if dec.Decode(&generic) == nil {
		if again, err := json.Marshal(generic); err == nil {
			data = again
		}
	}
	return string(data)
}
