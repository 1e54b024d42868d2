package fakellm

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// Step is one scripted model turn: the answer to one request.
//
// Fields take effect in this order:
//   - RawBody non-empty: the body is written verbatim with status Status (200
//     when zero) and Content-Type text/event-stream for a streaming request,
//     application/json otherwise. Use it for malformed-response tests.
//   - Status non-zero (a 4xx or 5xx code): an HTTP error with a body shaped
//     like the provider's error object; its message is Text, or the status text when Text is
//     empty. The SDKs retry 408, 409, 429 and 5xx; each retry is a new
//     request and consumes the next step.
//   - Otherwise an assistant message: a text block holding Text (when
//     non-empty) followed by one tool call per ToolCalls entry. The stop
//     reason is tool_use (Anthropic) / tool_calls (OpenAI) when there are tool
//     calls, else end_turn / stop.
//
// Delay, when positive, is waited before answering; the wait ends early,
// without an answer, when the client gives up or the server is closed.
// Header, when set, is added to the response headers (Retry-After,
// rate-limit headers, x-should-retry).
type Step struct {
	Text      string
	ToolCalls []ToolCall
	Status    int
	RawBody   string
	Delay     time.Duration
	Header    http.Header
}

// ToolCall is one tool call in a Step. Input is marshalled with
// encoding/json and must give a JSON object; nil gives {}. The call's id is
// assigned by the server: toolu_01, toolu_02, … on the Anthropic endpoint and
// call_01, call_02, … on the OpenAI one, counted over the server's lifetime.
type ToolCall struct {
	Name  string
	Input any
}

// Handler computes the step answering req, for scripts that depend on what
// the client sent (for example on req.LastToolResults()). It is called once
// per accepted request, in arrival order, possibly from several goroutines
// when the client sends requests concurrently.
type Handler func(req Request) Step

// toolInput marshals a ToolCall's Input to a JSON object.
func toolInput(v any) ([]byte, error) {
	if v == nil {
		return []byte("{}"), nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("marshal input: %w", err)
	}
	if len(b) == 0 || b[0] != '{' {
		return nil, fmt.Errorf("input must be a JSON object, got %s", b)
	}
	return b, nil
}
