package agentloop

import (
	"encoding/json"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
)

// conversation holds the JSON encoding of every message of the run, each
// made once: a model request is the run's constant head followed by these
// encodings, and transcript.append sends the same bytes. Encoding the
// whole request anew each turn costs milliseconds in a wasm guest, where
// encoding/json runs an order of magnitude slower than natively.
type conversation struct {
	head []byte // `{"model":…,"tools":[…],"messages":[`
	raw  []json.RawMessage
}

// newConversation encodes the constant part of every request: model,
// system prompt, token limit and tools (tools is a JSON array).
func newConversation(rs *hostcall.RunStart, tools json.RawMessage) (*conversation, error) {
	head, err := json.Marshal(struct {
		Model     string          `json:"model"`
		System    string          `json:"system,omitempty"`
		MaxTokens int             `json:"max_tokens,omitempty"`
		Tools     json.RawMessage `json:"tools"`
	}{rs.Model, rs.System, rs.MaxTokens, tools})
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	head = append(head[:len(head)-1], `,"messages":[`...)
	return &conversation{head: head}, nil
}

// add encodes msgs, keeps them, and returns their encodings.
func (c *conversation) add(msgs ...chat.Message) ([]json.RawMessage, error) {
	start := len(c.raw)
	for _, m := range msgs {
		b, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("encode message: %w", err)
		}
		c.raw = append(c.raw, b)
	}
	return c.raw[start:], nil
}

// request returns the JSON of a chat.Request holding every message so far.
func (c *conversation) request() []byte {
	n := len(c.head) + 2
	for _, m := range c.raw {
		n += len(m) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, c.head...)
	b = appendJoined(b, c.raw)
	return append(b, "]}"...)
}

// appendJoined appends items separated by commas.
func appendJoined(b []byte, items []json.RawMessage) []byte {
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	return b
}

// toolsJSON encodes the guest's and the host's tool schemas as one array.
func toolsJSON(guest, host []chat.Tool) (json.RawMessage, error) {
	b, err := json.Marshal(append(append([]chat.Tool(nil), guest...), host...))
	if err != nil {
		return nil, fmt.Errorf("encode tools: %w", err)
	}
	return b, nil
}

// warmCodecs runs encoding/json once over every type the loop encodes or
// decodes, so that its per-type caches are built while a warm guest waits
// for its run rather than on the run's clock.
func warmCodecs() {
	blocks := []chat.Block{
		{Type: chat.BlockText, Text: "t"},
		{Type: chat.BlockToolUse, ID: "i", Name: "n", Input: json.RawMessage(`{}`)},
		{Type: chat.BlockToolResult, ToolUseID: "i", Text: "t", IsError: true},
	}
	msg := chat.Message{Role: chat.RoleAssistant, Content: blocks}
	resp, _ := json.Marshal(chat.Response{Message: msg})
	json.Unmarshal(resp, &chat.Response{})
	start, _ := json.Marshal(hostcall.RunStart{Messages: []chat.Message{msg}, HostTools: []chat.Tool{{Name: "n", Parameters: json.RawMessage(`{}`)}}})
	json.Unmarshal(start, &hostcall.RunStart{})
	json.Marshal(hostcall.Event{Result: &hostcall.ToolResult{}})
	json.Marshal(hostcall.ToolCall{Input: json.RawMessage(`{}`)})
	json.Unmarshal([]byte(`{"text":"t"}`), &hostcall.ToolResult{})
	json.Marshal(hostcall.Finish{})
}
