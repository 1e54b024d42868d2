package fakellm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// anthropic is the Anthropic Messages API
// (https://docs.anthropic.com/en/api/messages).
type anthropic struct{}

func (anthropic) name() string { return ProtocolAnthropic }

func (anthropic) ids() (string, string) { return "msg_", "toolu_" }

// checkHeaders requires an x-api-key (or Authorization: Bearer) header, else
// 401, and the anthropic-version header, else 400, as the real API does.
func (anthropic) checkHeaders(h http.Header) (int, error) {
	if strings.TrimSpace(h.Get("X-Api-Key")) == "" && bearer(h) == "" {
		return http.StatusUnauthorized, errors.New("x-api-key header is required")
	}
	if h.Get("Anthropic-Version") == "" {
		return http.StatusBadRequest, errors.New("anthropic-version: header is required")
	}
	return 0, nil
}

// anthropicRequest is the part of a Messages API request body the server
// reads.
type anthropicRequest struct {
	Model     string          `json:"model"`
	MaxTokens *int            `json:"max_tokens"`
	System    json.RawMessage `json:"system"`
	Messages  []struct {
		Role    string          `json:"role"`
		Content json.RawMessage `json:"content"`
	} `json:"messages"`
	Tools  []json.RawMessage `json:"tools"`
	Stream bool              `json:"stream"`
}

// anthropicBlock is a request content block: text, tool_use, tool_result,
// thinking or redacted_thinking.
type anthropicBlock struct {
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	Thinking  string          `json:"thinking"`
	Signature string          `json:"signature"`
	Data      string          `json:"data"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Input     json.RawMessage `json:"input"`
	ToolUseID string          `json:"tool_use_id"`
	Content   json.RawMessage `json:"content"`
	IsError   bool            `json:"is_error"`
}

func (anthropic) parse(body []byte) (parsed, error) {
	var req anthropicRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return parsed{}, fmt.Errorf("request body is not valid JSON: %w", err)
	}
	switch {
	case req.Model == "":
		return parsed{}, errors.New("model: field required")
	case req.MaxTokens == nil:
		return parsed{}, errors.New("max_tokens: field required")
	case len(req.Messages) == 0:
		return parsed{}, errors.New("messages: at least one message is required")
	}
	p := parsed{model: req.Model, stream: req.Stream}
	system, err := anthropicText(req.System)
	if err != nil {
		return parsed{}, fmt.Errorf("system: %w", err)
	}
	p.system = system
	for _, raw := range req.Tools {
		var t struct {
			Name string `json:"name"`
		}
		if err := json.Unmarshal(raw, &t); err != nil {
			return parsed{}, fmt.Errorf("tools: %w", err)
		}
		p.tools = append(p.tools, t.Name)
		p.segments = append(p.segments, canonicalSegment(raw))
	}
	p.segments = append(p.segments, arraySegments(req.System)...)
	for i, m := range req.Messages {
		if m.Role != string(chat.RoleUser) && m.Role != string(chat.RoleAssistant) {
			return parsed{}, fmt.Errorf("messages.%d.role: want user or assistant, got %q", i, m.Role)
		}
		blocks, err := anthropicBlocks(m.Content)
		if err != nil {
			return parsed{}, fmt.Errorf("messages.%d.content: %w", i, err)
		}
		p.messages = append(p.messages, chat.Message{Role: chat.Role(m.Role), Content: blocks})
		p.segments = append(p.segments, arraySegments(m.Content)...)
	}
	return p, nil
}

// anthropicBlocks decodes message content: a string or an array of blocks.
func anthropicBlocks(raw json.RawMessage) ([]chat.Block, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return []chat.Block{{Type: chat.BlockText, Text: s}}, nil
	}
	var in []anthropicBlock
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, errors.New("want a string or an array of content blocks")
	}
	out := make([]chat.Block, 0, len(in))
	for i, b := range in {
		switch b.Type {
		case "text":
			out = append(out, chat.Block{Type: chat.BlockText, Text: b.Text})
		case "tool_use":
			out = append(out, chat.Block{Type: chat.BlockToolUse, ID: b.ID, Name: b.Name, Input: b.Input})
		case "tool_result":
			text, err := anthropicText(b.Content)
			if err != nil {
				return nil, fmt.Errorf("%d.content: %w", i, err)
			}
			out = append(out, chat.Block{Type: chat.BlockToolResult, ToolUseID: b.ToolUseID, Text: text, IsError: b.IsError})
		case "thinking":
			if b.Signature == "" {
				return nil, fmt.Errorf("%d.signature: field required", i)
			}
			out = append(out, chat.Block{Type: chat.BlockThinking, Text: b.Thinking, Signature: b.Signature})
		case "redacted_thinking":
			out = append(out, chat.Block{Type: chat.BlockRedactedThinking, Data: b.Data})
		default:
			return nil, fmt.Errorf("%d.type: unsupported content block type %q", i, b.Type)
		}
	}
	return out, nil
}

// anthropicText decodes a system prompt or tool_result content: absent, a
// string, or an array of blocks whose text blocks are joined by newlines.
func anthropicText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var blocks []anthropicBlock
	if err := json.Unmarshal(raw, &blocks); err != nil {
		return "", errors.New("want a string or an array of text blocks")
	}
	var parts []string
	for _, b := range blocks {
		if b.Type == "text" {
			parts = append(parts, b.Text)
		}
	}
	return strings.Join(parts, "\n"), nil
}
