package providers

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/atomicfile"
)

// recorder is the Provider Record returns.
type recorder struct {
	inner Provider
	path  string

	mu sync.Mutex
	// done holds the interactions so far, each encoded when it ended so
	// that later changes to the caller's slices cannot alter it.
	done [][]byte
}

// Record returns a Provider that forwards every call to inner and writes
// each interaction (request, streamed text deltas, and response or *Error)
// to a new cassette at path. The whole file is rewritten atomically
// (internal/atomicfile) after every interaction, so a crash keeps the
// interactions before it; the first write replaces any existing file. Calls
// are serialised so the cassette order is the call order. A call failing
// with an error other than *Error (such as a cancelled context) is not
// recorded. When the cassette cannot be written, Complete returns that
// error instead of the response.
//
// A cassette holds only what the model sees and says: the API key and base
// URL stay with inner.
func Record(inner Provider, path string) Provider {
	return &recorder{inner: inner, path: path}
}

func (r *recorder) Complete(ctx context.Context, req chat.Request, onText func(string)) (*chat.Response, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	in := interaction{Request: req, Deltas: []string{}}
	resp, err := r.inner.Complete(ctx, req, func(delta string) {
		in.Deltas = append(in.Deltas, delta)
		if onText != nil {
			onText(delta)
		}
	})
	var pe *Error
	switch {
	case err == nil:
		in.Response = resp
	case errors.As(err, &pe):
		in.Error = &recordedError{Provider: pe.Provider, Status: pe.Status, Class: pe.Class, Code: pe.Code, Message: pe.Message}
	default:
		return nil, err
	}
	enc, merr := json.Marshal(in)
	if merr != nil {
		return nil, fmt.Errorf("record cassette %s: %w", r.path, merr)
	}
	r.done = append(r.done, enc)
	data := []byte(fmt.Sprintf("{\"version\": %d, \"interactions\": [\n", CassetteVersion))
	data = append(data, bytes.Join(r.done, []byte(",\n"))...)
	data = append(data, "\n]}\n"...)
	if werr := atomicfile.WriteFile(r.path, data, 0o600); werr != nil {
		return nil, fmt.Errorf("record cassette: %w", werr)
	}
	return resp, err
}
