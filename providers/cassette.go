package providers

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"syscall"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// CassetteVersion is the cassette format version this package writes and
// reads; see the package documentation for the format.
const CassetteVersion = 1

// Errors a replaying Provider wraps, for errors.Is.
var (
	// ErrCassetteMismatch: the run sent a request other than the recorded one.
	ErrCassetteMismatch = errors.New("request differs from the recording")
	// ErrCassetteExhausted: the run asked for more turns than were recorded.
	ErrCassetteExhausted = errors.New("no more recorded interactions")
)

// cassette is the file format: a version and the interactions in call order.
type cassette struct {
	Version      int           `json:"version"`
	Interactions []interaction `json:"interactions"`
}

// interaction is one recorded Complete call: the request, the text deltas
// streamed to onText in order, and either the response or the error.
type interaction struct {
	Request  chat.Request   `json:"request"`
	Deltas   []string       `json:"deltas"`
	Response *chat.Response `json:"response,omitempty"`
	Error    *recordedError `json:"error,omitempty"`
}

// recordedError is an *Error as stored in a cassette; kind holds its
// Class (the field kept its version-1 name).
type recordedError struct {
	Provider string `json:"provider"`
	Status   int    `json:"status,omitempty"`
	Class    Class  `json:"kind"`
	Code     string `json:"code,omitempty"`
	Message  string `json:"message"`
}

// MaxCassetteBytes is the size of the largest cassette file Replay reads.
const MaxCassetteBytes = 64 << 20

// loadCassette reads and validates a cassette file: a regular file of at
// most MaxCassetteBytes (a device such as /dev/zero, a FIFO or a directory
// is refused before anything is read).
func loadCassette(path string) (*cassette, error) {
	data, err := readCassette(path)
	if err != nil {
		return nil, fmt.Errorf("cassette %s: %w", path, err)
	}
	var c cassette
	if err := json.Unmarshal(data, &c); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			return nil, fmt.Errorf("cassette %s: invalid or torn JSON at byte %d of %d: %w", path, se.Offset, len(data), err)
		}
		return nil, fmt.Errorf("cassette %s: invalid JSON: %w", path, err)
	}
	if c.Version != CassetteVersion {
		return nil, fmt.Errorf("cassette %s: version %d, want %d", path, c.Version, CassetteVersion)
	}
	for i, in := range c.Interactions {
		if (in.Response == nil) == (in.Error == nil) {
			return nil, fmt.Errorf("cassette %s: interactions[%d] must hold exactly one of response and error", path, i)
		}
	}
	return &c, nil
}

// readCassette returns the contents of the regular file at path, refusing
// other file types and files over MaxCassetteBytes. The file is opened
// with O_NONBLOCK so that a FIFO cannot block the open.
func readCassette(path string) ([]byte, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	if fi.Size() > MaxCassetteBytes {
		return nil, fmt.Errorf("%d bytes, over the limit of %d MiB", fi.Size(), MaxCassetteBytes>>20)
	}
	data, err := io.ReadAll(io.LimitReader(f, MaxCassetteBytes+1))
	if err != nil {
		return nil, err
	}
	if len(data) > MaxCassetteBytes {
		return nil, fmt.Errorf("grew past the limit of %d MiB while being read", MaxCassetteBytes>>20)
	}
	return data, nil
}
