package agentloop

import (
	"encoding/json"
	"fmt"
	"strconv"

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
// system prompt, token limit and tools (tools is a JSON array). The head is
// assembled around the already encoded tools, which encoding/json would
// otherwise scan again.
func newConversation(rs *hostcall.RunStart, tools json.RawMessage) (*conversation, error) {
	model, err := json.Marshal(rs.Model)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	head := append([]byte(`{"model":`), model...)
	if rs.System != "" {
		system, err := json.Marshal(rs.System)
		if err != nil {
			return nil, fmt.Errorf("encode request: %w", err)
		}
		head = append(append(head, `,"system":`...), system...)
	}
	if rs.MaxTokens > 0 {
		head = strconv.AppendInt(append(head, `,"max_tokens":`...), int64(rs.MaxTokens), 10)
	}
	head = append(append(head, `,"tools":`...), tools...)
	head = append(head, `,"messages":[`...)
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
	b = hostcall.AppendJoined(b, c.raw)
	return append(b, "]}"...)
}

// encodeTools encodes tool schemas as a JSON array.
func encodeTools(tools []chat.Tool) (json.RawMessage, error) {
	if tools == nil {
		tools = []chat.Tool{}
	}
	b, err := json.Marshal(tools)
	if err != nil {
		return nil, fmt.Errorf("encode tools: %w", err)
	}
	return b, nil
}

// joinArrays concatenates two encoded JSON arrays into one.
func joinArrays(a, b json.RawMessage) json.RawMessage {
	switch {
	case len(a) <= 2:
		return b
	case len(b) <= 2:
		return a
	}
	out := append([]byte(nil), a[:len(a)-1]...)
	out = append(append(out, ','), b[1:]...)
	return out
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
