package runtime

import (
	"encoding/json"
	"github.com/bulkhead-dev/bulkhead/egress"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/providers"
	"github.com/bulkhead-dev/bulkhead/sessions"
)

// EventType names the kind of an Event.
type EventType string

// The events of a run, in the order they can occur.
const (
	// EventQueued: the run waits for its session, which another run holds
	// (SessionID set); EventRunStart follows once it has it.
	EventQueued EventType = "queued"
	// EventRunStart: the run has its session and starts (SessionID,
	// Model and Tools set).
	EventRunStart EventType = "run_start"
	// EventWarning: Text says what the run goes without, and why.
	EventWarning EventType = "warning"
	// EventTurnStart: a model call begins (Turn, Model set).
	EventTurnStart EventType = "turn_start"
	// EventTextDelta: Text is a piece of the model's answer (Turn set).
	EventTextDelta EventType = "text_delta"
	// EventProvider: Notice is a decision of the provider layer during
	// the turn (Turn set): a retry, a key rotation, a cooldown, a key
	// dropped for the platform's lifetime, a fallback to the next model
	// of the chain, or a restart. It names keys by fingerprint only.
	EventProvider EventType = "provider"
	// EventTextReset: the text streamed so far for the turn (Turn set) is
	// void: the turn is retried or continues on a fallback model, whose
	// answer streams anew. A client drops the turn's text shown so far.
	EventTextReset EventType = "text_reset"
	// EventUsage: Usage of one model turn (Turn set; Provider and Model:
	// the provider and model that answered; CostUSD, when the model has a
	// price, its cost).
	EventUsage EventType = "usage"
	// EventCompaction: the session neared the model's context window
	// and was compacted before the turn's model call (see
	// WorkspaceConfig.ContextWindow): Compaction holds the record kept in
	// the transcript, Text a summary of it.
	EventCompaction EventType = "compaction"
	// EventToolStart: Tool holds ID, Name and Input (Turn set).
	EventToolStart EventType = "tool_start"
	// EventToolEnd: Tool holds every field, DurationMs included.
	EventToolEnd EventType = "tool_end"
	// EventNetwork: Network is one connection of the run's jails through
	// the egress proxy: its destination, bytes, and whether it was allowed
	// or why not.
	EventNetwork EventType = "network"
	// EventError: Error says why the run failed.
	EventError EventType = "error"
	// EventDone: Result holds the run's result.
	EventDone EventType = "done"
)

// Event is one step of a run's progress. It marshals to one JSON object, as
// printed by `bulkhead run --output-format stream-json`.
type Event struct {
	Type EventType `json:"type"`
	// Time is when the event happened.
	Time time.Time `json:"time"`
	// Turn is the 1-based index of the model turn the event belongs to;
	// 0 before the first.
	Turn      int    `json:"turn,omitempty"`
	SessionID string `json:"session_id,omitempty"`
	Provider  string `json:"provider,omitempty"`
	Model     string `json:"model,omitempty"`
	// Tools names the tools the model is offered, built-in ones first
	// (EventRunStart only).
	Tools   []string      `json:"tools,omitempty"`
	Text    string        `json:"text,omitempty"`
	Tool    *ToolCall     `json:"tool,omitempty"`
	Usage   *chat.Usage   `json:"usage,omitempty"`
	CostUSD *float64      `json:"cost_usd,omitempty"`
	Network *egress.Event `json:"network,omitempty"`
	Error   string        `json:"error,omitempty"`
	Result  *RunResult    `json:"result,omitempty"`

	// Notice is a provider notice (EventProvider); its delay is in
	// nanoseconds.
	Notice *providers.Notice `json:"notice,omitempty"`
	// Compaction is the compaction record (EventCompaction).
	Compaction *sessions.Compaction `json:"compaction,omitempty"`
}

// String returns the event as JSON.
func (e Event) String() string {
	b, _ := json.Marshal(e)
	return string(b)
}
