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
	// BlockThinking and BlockRedactedThinking are a model's extended
	// thinking (Anthropic,
	// https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking).
	BlockThinking         BlockType = "thinking"
	BlockRedactedThinking BlockType = "redacted_thinking"
)

// Block is one piece of a message's content. Which fields are set depends on
// Type:
//   - BlockText: Text.
//   - BlockToolUse: ID (provider-assigned call id), Name (tool name) and
//     Input (a JSON object with the tool's arguments).
//   - BlockToolResult: ToolUseID (the ID of the tool_use it answers), Text
//     (the result shown to the model) and IsError.
//   - BlockThinking: Text (the model's reasoning) and Signature.
//   - BlockRedactedThinking: Data (encrypted reasoning).
//
// # Notes
//
//   - Signature is opaque and must be sent back unchanged. On a thinking
//     block it is Anthropic's signature; on a tool_use block it is the
//     thoughtSignature Gemini attached to that function call
//     (https://ai.google.dev/gemini-api/docs/thought-signatures). Each
//     provider sends back only the signatures of its own kind.
//   - Thinking blocks stay in the transcript so that a tool-use turn can be
//     continued as the Anthropic API requires; providers that have no use
//     for them leave them out of their requests.
type Block struct {
	Type      BlockType       `json:"type"`
	Text      string          `json:"text,omitempty"`
	ID        string          `json:"id,omitempty"`
	Name      string          `json:"name,omitempty"`
	Input     json.RawMessage `json:"input,omitempty"`
	ToolUseID string          `json:"tool_use_id,omitempty"`
	IsError   bool            `json:"is_error,omitempty"`
	Signature string          `json:"signature,omitempty"`
	Data      string          `json:"data,omitempty"`
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
//
// MaxTokens caps the output in tokens (0: the provider's default).
// Temperature, when set, is the sampling temperature (Anthropic accepts 0 to
// 1, OpenAI and Gemini 0 to 2). StopSequences end the output when generated.
// Thinking, when set, asks for extended thinking where the provider has it
// (Anthropic); other providers ignore it.
type Request struct {
	Model         string    `json:"model"`
	System        string    `json:"system,omitempty"`
	Messages      []Message `json:"messages"`
	Tools         []Tool    `json:"tools,omitempty"`
	MaxTokens     int       `json:"max_tokens,omitempty"`
	Temperature   *float64  `json:"temperature,omitempty"`
	StopSequences []string  `json:"stop_sequences,omitempty"`
	Thinking      *Thinking `json:"thinking,omitempty"`
}

// Thinking configures extended thinking. BudgetTokens is how many output
// tokens the model may spend thinking: at least 1024 and below the request's
// MaxTokens (https://docs.anthropic.com/en/docs/build-with-claude/extended-thinking).
type Thinking struct {
	BudgetTokens int `json:"budget_tokens"`
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

// Usage counts tokens as reported by the provider, split by how they are
// billed. The four counts are disjoint: the whole prompt is InputTokens +
// CacheReadTokens + CacheWriteTokens (see PromptTokens).
//
// JSON fields (stable): input_tokens, output_tokens, cache_read_tokens,
// cache_write_tokens; the cache fields are omitted when zero.
//
// # Notes
//
//   - InputTokens: prompt tokens billed at the base input rate, neither read
//     from nor written to a prompt cache (Anthropic input_tokens; OpenAI
//     prompt_tokens minus cached_tokens; Gemini promptTokenCount minus
//     cachedContentTokenCount).
//   - OutputTokens: generated tokens, thinking included (Gemini
//     candidatesTokenCount plus thoughtsTokenCount).
//   - CacheReadTokens: prompt tokens served from the cache (Anthropic
//     cache_read_input_tokens; OpenAI prompt_tokens_details.cached_tokens;
//     Gemini cachedContentTokenCount).
//   - CacheWriteTokens: prompt tokens written to the cache (Anthropic
//     cache_creation_input_tokens; the other APIs cache implicitly and
//     report none).
type Usage struct {
	InputTokens      int64 `json:"input_tokens"`
	OutputTokens     int64 `json:"output_tokens"`
	CacheReadTokens  int64 `json:"cache_read_tokens,omitempty"`
	CacheWriteTokens int64 `json:"cache_write_tokens,omitempty"`
}

// Add returns the field-by-field sum of two usages.
func (u Usage) Add(v Usage) Usage {
	return Usage{
		InputTokens:      u.InputTokens + v.InputTokens,
		OutputTokens:     u.OutputTokens + v.OutputTokens,
		CacheReadTokens:  u.CacheReadTokens + v.CacheReadTokens,
		CacheWriteTokens: u.CacheWriteTokens + v.CacheWriteTokens,
	}
}

// PromptTokens returns the size of the whole prompt: InputTokens +
// CacheReadTokens + CacheWriteTokens.
func (u Usage) PromptTokens() int64 {
	return u.InputTokens + u.CacheReadTokens + u.CacheWriteTokens
}

// Response is a model's answer to a Request: one assistant message.
// Provider names the provider that answered (e.g. "anthropic") and Model
// the model as the provider reported it; behind a fallback chain they say
// which entry of the chain answered.
type Response struct {
	Message    Message    `json:"message"`
	StopReason StopReason `json:"stop_reason"`
	Usage      Usage      `json:"usage"`
	Model      string     `json:"model,omitempty"`
	Provider   string     `json:"provider,omitempty"`
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
