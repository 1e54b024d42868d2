package hostcall

import (
	"encoding/json"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// MethodEventEmit: payload Event → {}. Reports progress of the tools a
// guest runs itself.
const MethodEventEmit = "event.emit"

// ToolCall is one tool_use block from the model, as a step hands it to the
// host (StepOutput.HostCalls).
type ToolCall struct {
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

// ToolResult is what a tool call returned, as Event reports it. Text is
// what the model sees.
type ToolResult struct {
	Text    string `json:"text"`
	IsError bool   `json:"is_error,omitempty"`
}

// EventType names the kind of an Event.
type EventType string

// The events a guest may emit.
const (
	EventToolStart EventType = "tool_start"
	EventToolEnd   EventType = "tool_end"
)

// Event is the payload of event.emit. Result is set for EventToolEnd.
type Event struct {
	Type   EventType       `json:"type"`
	ID     string          `json:"id"`
	Name   string          `json:"name"`
	Input  json.RawMessage `json:"input,omitempty"`
	Result *ToolResult     `json:"result,omitempty"`
}

// FinishReason says why the loop ended.
type FinishReason string

// The reasons a run finishes.
const (
	FinishEndTurn  FinishReason = "end_turn"
	FinishMaxTurns FinishReason = "max_turns"
)

// Finish is a run's final answer (StepOutput.Finish).
type Finish struct {
	Response string       `json:"response"`
	Reason   FinishReason `json:"reason"`
	Turns    int          `json:"turns"`
}

// The methods of version 1 that a WASM skill may call (SkillMethods). An
// agent guest is granted none of them, and a skill none of the agent's.
const (
	// MethodLog: payload Log → {}. Writes one line to the host's log,
	// with every credential value given to the skill masked.
	MethodLog = "log"
	// MethodParamsRead: payload {} → the skill's params: the JSON value
	// also given on its standard input ({} when the call had none).
	MethodParamsRead = "params.read"
)

// SkillMethods are the methods granted to a WASM skill; every other
// method answers UnknownMethod.
var SkillMethods = []string{MethodLog, MethodParamsRead}

// LogLevel is the severity of a Log line.
type LogLevel string

// The levels of a Log line; empty means LogInfo.
const (
	LogDebug LogLevel = "debug"
	LogInfo  LogLevel = "info"
	LogWarn  LogLevel = "warn"
	LogError LogLevel = "error"
)

// MaxLogMessage is the longest Log message kept, in bytes; the host cuts
// longer ones and marks the cut.
const MaxLogMessage = 8 << 10

// Log is the payload of log.
type Log struct {
	Level   LogLevel `json:"level,omitempty"`
	Message string   `json:"message"`
}

// The methods of step-wise agent guests (docs/hostcall.md, "Step-wise agent
// guests"): one instance runs one step of a run.
const (
	// MethodStepBegin: payload {} → StepInput. The first call of a step.
	MethodStepBegin = "step.begin"
	// MethodStepEnd: payload StepOutput → {}. The last call of a step.
	MethodStepEnd = "step.end"
)

// StepInput is the result of step.begin: everything one step needs.
// Response is set when the step follows a model turn, HostResults when it
// follows the host tools the previous step asked for; neither in the first
// step. State is the previous step's StepOutput.State, verbatim.
type StepInput struct {
	Model        string                  `json:"model"`
	System       string                  `json:"system"`
	MaxTurns     int                     `json:"max_turns"`
	ToolBudgetMs int64                   `json:"tool_budget_ms,omitempty"`
	HostTools    []chat.Tool             `json:"host_tools"`
	Messages     []chat.Message          `json:"messages"`
	Turn         int                     `json:"turn"`
	Response     *chat.Response          `json:"response"`
	HostResults  []HostResult            `json:"host_results"`
	Decisions    map[string]ToolDecision `json:"decisions,omitempty"`
	State        json.RawMessage         `json:"state"`
}

// HostResult is the result of a tool call the host served, for the step
// that asked for it.
type HostResult struct {
	ToolUseID string `json:"tool_use_id"`
	Text      string `json:"text"`
	IsError   bool   `json:"is_error,omitempty"`
}

// ToolDecision is the host's verdict on one tool call, decided before the
// step runs (its before_tool_call hooks): Deny refuses the call with that
// reason; Input replaces the call's arguments.
type ToolDecision struct {
	Deny  string          `json:"deny,omitempty"`
	Input json.RawMessage `json:"input,omitempty"`
}

// StepAction is what the host does after a step.
type StepAction string

// The actions of a StepOutput.
const (
	ActionComplete  StepAction = "complete"
	ActionHostTools StepAction = "host_tools"
	ActionFinish    StepAction = "finish"
)

// StepOutput is the payload of step.end: the messages the step appends to
// the conversation and what comes next (Request for ActionComplete,
// HostCalls for ActionHostTools, Finish for ActionFinish); State comes back
// in the next step's input.
type StepOutput struct {
	Append    []chat.Message  `json:"append"`
	Action    StepAction      `json:"action"`
	Request   *chat.Request   `json:"request,omitempty"`
	HostCalls []ToolCall      `json:"host_calls,omitempty"`
	Finish    *Finish         `json:"finish,omitempty"`
	State     json.RawMessage `json:"state,omitempty"`
}
