package chat

import (
	"encoding/json"
	"strings"
)

// Role is the author of a message: RoleUser or RoleAssistant. Tool results
// travel in user messages, as in the Anthropic Messages API.
type Role string

// The roles a Message can have.
const (
	RoleUser      Role = "user"
	RoleAssistant Role = "assistant"
)

// BlockType names the kind of a content Block.
type BlockType string

// The content block kinds.
const (
	BlockText       BlockType = "text"
	BlockToolUse    BlockType = "tool_use"
	BlockToolResult BlockType = "tool_result"
)

// Block is one piece of a message's content. Which fields are set depends on
// Type:
//   - BlockText: Text.
//   - BlockToolUse: ID (provider-assigned call id), Name (tool name) and
//     Input (a JSON object with the tool's arguments).
//   - BlockToolResult: ToolUseID (the ID of the tool_use it answers), Text
//     (the result shown to the model) and IsError.
type Block struct {
	Type      BlockType       `json:"type"`
	Text      string          `json:"text,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	IsError   bool            `json:"is_error,omitempty"`
}

// Message is one turn of a transcript.
type Message struct {
	Role    Role    `json:"role"`
	Content []Block `json:"content"`
}

// Text returns the concatenation of the message's text blocks, joined by
// newlines.
func (m Message) Text() string {
	var parts []string
	for _, b := range m.Content {
		if b.Type == BlockText && b.Text != "" {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n")
}

// ToolUses returns the message's tool_use blocks in order.
func (m Message) ToolUses() []Block {
	var uses []Block
	for _, b := range m.Content {
		if b.Type == BlockToolUse {
			uses = append(uses, b)
		}
	}
	return uses
}

// UserText returns a user message holding one text block.
func UserText(text string) Message {
	return Message{Role: RoleUser, Content: []Block{{Type: BlockText, Text: text}}}
}

// Tool describes a tool the model may call. Parameters is a JSON Schema
// object (https://json-schema.org/) describing the tool's input.
type Tool struct {
	Name        string          `json:"name"`
	Description string          `json:"description"`
	Parameters  json.RawMessage `json:"parameters"`
}

// Request is one model turn: everything a provider needs except credentials
// and endpoints, which stay with the host.
type Request struct {
	Model     string    `json:"model"`
	System    string    `json:"system,omitempty"`
	Messages  []Message `json:"messages"`
	Tools     []Tool    `json:"tools,omitempty"`
	MaxTokens int       `json:"max_tokens,omitempty"`
}

// StopReason says why the model ended its turn.
type StopReason string

// The normalised stop reasons. Providers map their own values onto these.
const (
	StopEndTurn   StopReason = "end_turn"
	StopToolUse   StopReason = "tool_use"
	StopMaxTokens StopReason = "max_tokens"
	StopOther     StopReason = "other"
)

// Usage counts tokens, as reported by the provider.
type Usage struct {
	InputTokens  int64 `json:"input_tokens"`
	OutputTokens int64 `json:"output_tokens"`
}

// Add returns the sum of two usages.
func (u Usage) Add(v Usage) Usage {
	return Usage{InputTokens: u.InputTokens + v.InputTokens, OutputTokens: u.OutputTokens + v.OutputTokens}
}

// Response is a model's answer to a Request: one assistant message.
type Response struct {
	Message    Message    `json:"message"`
	StopReason StopReason `json:"stop_reason"`
	Usage      Usage      `json:"usage"`
	Model      string     `json:"model,omitempty"`
}

// Coalesce returns msgs with adjacent messages of the same role merged into
// one (their content blocks concatenated in order). Providers require
// alternating roles; a transcript can hold two user messages in a row when
// a run stopped after tool results and the next run adds a new question.
// The input is not modified.
func Coalesce(msgs []Message) []Message {
	out := make([]Message, 0, len(msgs))
	for _, m := range msgs {
		if n := len(out); n > 0 && out[n-1].Role == m.Role {
			merged := append(append([]Block(nil), out[n-1].Content...), m.Content...)
			out[n-1] = Message{Role: m.Role, Content: merged}
			continue
		}
		out = append(out, m)
	}
	return out
}
