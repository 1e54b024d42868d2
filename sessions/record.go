package sessions

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// formatVersion is the transcript record version this package writes and
// reads; see the package documentation, "Transcript format".
const formatVersion = 1

// errVersion marks a record with a format version newer than formatVersion.
// Unlike other invalid lines it is never treated as a torn tail.
var errVersion = errors.New("unsupported transcript format version")

// record is one decoded transcript line.
type record struct {
	Time    time.Time
	Model   string
	Parent  string // the parent session of a subagent's, on its lines
	Message chat.Message
}

// encodedRecord is the JSON shape of a transcript line as written. The
// message is encoded beforehand so that its size can be checked.
type encodedRecord struct {
	V       int             `json:"v"`
	Time    time.Time       `json:"time"`
	Model   string          `json:"model,omitempty"`
	Parent  string          `json:"parent,omitempty"`
	Message json.RawMessage `json:"message"`
}

// decodedRecord is the JSON shape of a transcript line as read.
type decodedRecord struct {
	V       int           `json:"v"`
	Time    time.Time     `json:"time"`
	Model   string        `json:"model"`
	Parent  string        `json:"parent"`
	Message *chat.Message `json:"message"`
}

// encodeLine returns the transcript line for r, newline included. It fails
// with ErrMessageTooLarge when the message encodes to more than maxMessage
// bytes or the line to more than maxLine bytes, and when the message is not
// valid (see validMessage).
func encodeLine(r record, maxMessage, maxLine int) ([]byte, error) {
	if err := validMessage(r.Message); err != nil {
		return nil, err
	}
	msg, err := json.Marshal(r.Message)
	if err != nil {
		return nil, fmt.Errorf("encode message: %w", err)
	}
	if len(msg) > maxMessage {
		return nil, fmt.Errorf("%w: %d bytes encoded, limit %d", ErrMessageTooLarge, len(msg), maxMessage)
	}
	line, err := json.Marshal(encodedRecord{V: formatVersion, Time: r.Time, Model: r.Model, Parent: r.Parent, Message: msg})
	if err != nil {
		return nil, fmt.Errorf("encode transcript line: %w", err)
	}
	if len(line) > maxLine {
		return nil, fmt.Errorf("%w: transcript line of %d bytes, limit %d", ErrMessageTooLarge, len(line), maxLine)
	}
	return append(line, '\n'), nil
}

// decodeLine decodes one transcript line without its newline. Errors wrap
// errVersion for a record from a newer format version.
func decodeLine(b []byte) (record, error) {
	var probe struct {
		V int `json:"v"`
	}
	if err := json.Unmarshal(b, &probe); err != nil {
		return record{}, fmt.Errorf("invalid JSON record: %w", err)
	}
	switch {
	case probe.V > formatVersion:
		return record{}, fmt.Errorf("%w %d (this build reads %d)", errVersion, probe.V, formatVersion)
	case probe.V != formatVersion:
		return record{}, fmt.Errorf("record has format version %d, want %d", probe.V, formatVersion)
	}
	var d decodedRecord
	if err := json.Unmarshal(b, &d); err != nil {
		return record{}, fmt.Errorf("invalid JSON record: %w", err)
	}
	if d.Time.IsZero() {
		return record{}, errors.New("record has no time")
	}
	if d.Message == nil {
		return record{}, errors.New("record has no message")
	}
	if err := validMessage(*d.Message); err != nil {
		return record{}, err
	}
	if d.Parent != "" && ids.Validate("session", d.Parent) != nil {
		return record{}, fmt.Errorf("record names an invalid parent session %q", d.Parent)
	}
	return record{Time: d.Time, Model: d.Model, Parent: d.Parent, Message: *d.Message}, nil
}

// validMessage checks what the transcript format requires of a message: a
// known role.
func validMessage(m chat.Message) error {
	if m.Role != chat.RoleUser && m.Role != chat.RoleAssistant {
		return fmt.Errorf("message has role %q, want %q or %q", m.Role, chat.RoleUser, chat.RoleAssistant)
	}
	return nil
}
