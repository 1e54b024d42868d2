package runtime

import (
	"encoding/json"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// EventType names the kind of an Event.
type EventType string

// The events of a run, in the order they can occur.
const (
	EventRunStart  EventType = "run_start"  // SessionID set
	EventWarning   EventType = "warning"    // Text: what the run goes without, and why
	EventTextDelta EventType = "text_delta" // Text: a piece of the model's answer
	EventToolStart EventType = "tool_start" // Tool: ID, Name, Input
	EventToolEnd   EventType = "tool_end"   // Tool: all fields
	EventUsage     EventType = "usage"      // Usage of one model turn
	EventError     EventType = "error"      // Error: the run failed
	EventDone      EventType = "done"       // Result: the run finished
)

// Event is one step of a run's progress. It marshals to one JSON object, as
// printed by `bulkhead run --json`.
type Event struct {
	Type      EventType   `json:"type"`
	SessionID string      `json:"session_id,omitempty"`
	Text      string      `json:"text,omitempty"`
	Tool      *ToolCall   `json:"tool,omitempty"`
	Usage     *chat.Usage `json:"usage,omitempty"`
	Error     string      `json:"error,omitempty"`
	Result    *RunResult  `json:"result,omitempty"`
}

// String returns the event as JSON.
func (e Event) String() string {
	b, _ := json.Marshal(e)
	return string(b)
}
