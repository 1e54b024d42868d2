package fakellm

import (
	"net/http"
	"slices"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// The values of Request.Protocol.
const (
	ProtocolAnthropic = "anthropic" // POST /v1/messages
	ProtocolOpenAI    = "openai"    // POST /v1/chat/completions
	ProtocolGemini    = "gemini"    // POST /v1beta/models/MODEL:generateContent or :streamGenerateContent
)

// Request is one request the server accepted. Protocol is ProtocolAnthropic,
// ProtocolOpenAI or ProtocolGemini; Header is a copy of the request's headers; Body is the
// raw request body; Stream says whether the client asked for a stream.
//
// Its methods give the body decoded into the provider-neutral chat model,
// the same for both protocols.
type Request struct {
	Protocol string
	Header   http.Header
	Body     []byte
	Stream   bool

	parsed parsed
}

// parsed is a request body decoded into the chat model.
type parsed struct {
	model        string
	system       string
	messages     []chat.Message
	tools        []string
	stream       bool
	includeUsage bool
	// segments is the prompt in prefix order, for the cache simulation.
	segments []segment
}

// Model returns the model the request named.
func (r Request) Model() string { return r.parsed.model }

// System returns the system prompt: Anthropic's system field, or OpenAI's
// system and developer messages joined by newlines.
func (r Request) System() string { return r.parsed.system }

// ToolNames returns the names of the tools offered to the model, in order.
func (r Request) ToolNames() []string { return slices.Clone(r.parsed.tools) }

// Messages returns the conversation without the system prompt. OpenAI
// assistant tool_calls become tool_use blocks (arguments that are not valid
// JSON become a JSON string), and consecutive tool messages become one user
// message of tool_result blocks. Text of array content is joined by
// newlines.
func (r Request) Messages() []chat.Message { return slices.Clone(r.parsed.messages) }

// ToolResults returns every tool_result block in the conversation, in order.
func (r Request) ToolResults() []chat.Block {
	var out []chat.Block
	for _, m := range r.parsed.messages {
		out = append(out, results(m)...)
	}
	return out
}

// LastToolResults returns the tool_result blocks of the last message, in
// order: the results the client sends back for the model's previous tool
// calls. It is empty when the last message holds none.
func (r Request) LastToolResults() []chat.Block {
	if n := len(r.parsed.messages); n > 0 {
		return results(r.parsed.messages[n-1])
	}
	return nil
}

// LastUserText returns the text of the last user message that has text, such
// as the prompt of the run.
func (r Request) LastUserText() string {
	for _, m := range slices.Backward(r.parsed.messages) {
		if t := m.Text(); m.Role == chat.RoleUser && t != "" {
			return t
		}
	}
	return ""
}

func results(m chat.Message) []chat.Block {
	var out []chat.Block
	for _, b := range m.Content {
		if b.Type == chat.BlockToolResult {
			out = append(out, b)
		}
	}
	return out
}
