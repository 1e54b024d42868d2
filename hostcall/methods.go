package hostcall

import (
	"encoding/json"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// The methods of version 1. Each lists its payload and result types.
const (
	// MethodRunStart: payload {} → RunStart. The first call of an agent
	// guest: what to do and with which history.
	MethodRunStart = "run.start"
	// MethodLLMComplete: payload chat.Request → chat.Response. One model
	// turn, made by the host with credentials the guest never sees.
	MethodLLMComplete = "llm.complete"
	// MethodTranscriptAppend: payload Append → {}. Persists messages to the
	// session transcript (fsync'd before the call returns).
	MethodTranscriptAppend = "transcript.append"
	// MethodToolCall: payload ToolCall → ToolResult. Runs a tool served by
	// the host (bash, memory, custom host tools) by name.
	MethodToolCall = "tool.call"
	// MethodEventEmit: payload Event → {}. Reports progress of tools that
	// the guest runs itself.
	MethodEventEmit = "event.emit"
	// MethodRunFinish: payload Finish → {}. The guest's final answer; the
	// last call of an agent guest.
	MethodRunFinish = "run.finish"
)

// RunStart is the result of run.start.
//
// Messages is the whole conversation so far, ending with the new user
// message; Cursor is the number of leading messages already in the
// transcript (the guest appends everything after it). Together they are all
// the state the loop needs, so a guest can be released while it waits on the
// model and resumed from the transcript.
type RunStart struct {
	Model     string         `json:"model"`
	System    string         `json:"system"`
	Messages  []chat.Message `json:"messages"`
	Cursor    int            `json:"cursor"`
	MaxTurns  int            `json:"max_turns"`
	MaxTokens int            `json:"max_tokens,omitempty"`
	// HostTools are the tools served by tool.call, offered to the model
	// besides the guest's built-in tools.
	HostTools []chat.Tool `json:"host_tools"`
	// ToolBudgetMs is the wall-clock budget of one built-in tool call in
	// milliseconds (0: the guest's default); a call that reaches it
	// returns what it has with a notice, and the host stops a guest whose
	// call overruns it.
	ToolBudgetMs int64 `json:"tool_budget_ms,omitempty"`
}

// Append is the payload of transcript.append.
type Append struct {
	Messages []chat.Message `json:"messages"`
}

// EncodeAppend returns the JSON of an Append whose messages are already
// encoded, without decoding them again: {"messages":[m1,m2,…]}.
func EncodeAppend(msgs []json.RawMessage) []byte {
	b := append([]byte(nil), `{"messages":[`...)
	b = AppendJoined(b, msgs)
	return append(b, "]}"...)
}

// AppendJoined appends the encoded JSON values items to b, separated by
// commas, as the elements of a JSON array whose brackets the caller
// writes, and returns the extended slice.
func AppendJoined(b []byte, items []json.RawMessage) []byte {
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	return b
}

// ToolCall is the payload of tool.call: one tool_use block from the model.
type ToolCall struct {
	ID    string          `json:"id"`
	Name  string          `json:"name"`
	Input json.RawMessage `json:"input"`
}

// ToolResult is the result of tool.call, and what the guest reports for
// its built-in tools. Text is what the model sees.
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

// Finish is the payload of run.finish.
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
