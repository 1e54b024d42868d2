package sessions

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// The transcript record versions; see the package documentation,
// "Transcript format". Message records are written as version 1, which
// every build reads; compaction records as version 2, which builds before
// compaction refuse instead of misreading.
const (
	formatVersion     = 1
	compactionVersion = 2
	// maxVersion is the newest version this package reads.
	maxVersion = compactionVersion
)

// errVersion marks a record with a format version newer than maxVersion.
// Unlike other invalid lines it is never treated as a torn tail.
var errVersion = errors.New("unsupported transcript format version")

// record is one decoded transcript line: a message, or a compaction when
// Compaction is not nil.
type record struct {
	Time       time.Time
	Model      string
	Parent     string // the parent session of a subagent's, on its lines
	Message    chat.Message
	Compaction *Compaction
}

// encodedRecord is the JSON shape of a transcript line as written. The
// message or compaction is encoded beforehand so that its size can be
// checked.
type encodedRecord struct {
	V          int             `json:"v"`
	Time       time.Time       `json:"time"`
	Model      string          `json:"model,omitempty"`
	Parent     string          `json:"parent,omitempty"`
	Message    json.RawMessage `json:"message,omitempty"`
	Compaction json.RawMessage `json:"compaction,omitempty"`
}

// decodedRecord is the JSON shape of a transcript line as read.
type decodedRecord struct {
	V          int           `json:"v"`
	Time       time.Time     `json:"time"`
	Model      string        `json:"model"`
	Parent     string        `json:"parent"`
	Message    *chat.Message `json:"message"`
	Compaction *Compaction   `json:"compaction"`
}

// encodeLine returns the transcript line for r, newline included. It fails
// with ErrMessageTooLarge when the message encodes to more than maxMessage
// bytes or the line to more than maxLine bytes, and when the message is not
// valid (see validMessage).
func encodeLine(r record, maxMessage, maxLine int) ([]byte, error) {
	enc := encodedRecord{V: formatVersion, Time: r.Time, Model: r.Model, Parent: r.Parent}
	var what any = r.Message
	if r.Compaction != nil {
		if err := r.Compaction.validate(); err != nil {
			return nil, err
		}
		enc.V, what = compactionVersion, r.Compaction
	} else if err := validMessage(r.Message); err != nil {
		return nil, err
	}
	msg, err := json.Marshal(what)
	if err != nil {
		return nil, fmt.Errorf("encode message: %w", err)
	}
	if len(msg) > maxMessage {
		return nil, fmt.Errorf("%w: %d bytes encoded, limit %d", ErrMessageTooLarge, len(msg), maxMessage)
	}
	if r.Compaction != nil {
		enc.Compaction = msg
	} else {
		enc.Message = msg
	}
	line, err := json.Marshal(enc)
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
	case probe.V > maxVersion:
		return record{}, fmt.Errorf("%w %d (this build reads %d to %d)", errVersion, probe.V, formatVersion, maxVersion)
	case probe.V < formatVersion:
		return record{}, fmt.Errorf("record has format version %d, want %d to %d", probe.V, formatVersion, maxVersion)
	}
	var d decodedRecord
	if err := json.Unmarshal(b, &d); err != nil {
		return record{}, fmt.Errorf("invalid JSON record: %w", err)
	}
	if d.Time.IsZero() {
		return record{}, errors.New("record has no time")
	}
	if d.Parent != "" && ids.Validate("session", d.Parent) != nil {
		return record{}, fmt.Errorf("record names an invalid parent session %q", d.Parent)
	}
	rec := record{Time: d.Time, Model: d.Model, Parent: d.Parent}
	switch {
	case d.Message != nil && d.Compaction != nil:
		return record{}, errors.New("record holds both a message and a compaction")
	case d.Compaction != nil:
		if probe.V < compactionVersion {
			return record{}, fmt.Errorf("compaction record has format version %d, want %d", probe.V, compactionVersion)
		}
		if err := d.Compaction.validate(); err != nil {
			return record{}, err
		}
		rec.Compaction = d.Compaction
	case d.Message == nil:
		return record{}, errors.New("record has no message")
	default:
		if err := validMessage(*d.Message); err != nil {
			return record{}, err
		}
		rec.Message = *d.Message
	}
	return rec, nil
}

// validMessage checks what the transcript format requires of a message: a
// known role.
func validMessage(m chat.Message) error {
	if m.Role != chat.RoleUser && m.Role != chat.RoleAssistant {
		return fmt.Errorf("message has role %q, want %q or %q", m.Role, chat.RoleUser, chat.RoleAssistant)
	}
	return nil
}
