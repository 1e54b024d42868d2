package fakellm

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// openai is the OpenAI Chat Completions API
// (https://platform.openai.com/docs/api-reference/chat/create).
type openai struct{}

func (openai) name() string { return ProtocolOpenAI }

func (openai) ids() (string, string) { return "chatcmpl-", "call_" }

// checkHeaders requires an Authorization: Bearer header, else 401, as the
// real API does.
func (openai) checkHeaders(h http.Header) (int, error) {
	if bearer(h) == "" {
		return http.StatusUnauthorized, errors.New("you didn't provide an API key: send Authorization: Bearer <key>")
	}
	return 0, nil
}

// openaiRequest is the part of a Chat Completions request body the server
// reads.
type openaiRequest struct {
	Model    string `json:"model"`
	Messages []struct {
		Role       string          `json:"role"`
		Content    json.RawMessage `json:"content"`
		ToolCallID string          `json:"tool_call_id"`
		ToolCalls  []struct {
			ID       string `json:"id"`
			Function struct {
				Name      string `json:"name"`
				Arguments string `json:"arguments"`
			} `json:"function"`
		} `json:"tool_calls"`
	} `json:"messages"`
	Tools         []json.RawMessage `json:"tools"`
	Stream        bool              `json:"stream"`
	StreamOptions *struct {
		IncludeUsage bool `json:"include_usage"`
	} `json:"stream_options"`
}

// parse decodes a request into the chat model: system and developer
// messages form the system prompt; consecutive tool messages become one user
// message of tool_result blocks, as in the Anthropic model.
func (openai) parse(body []byte) (parsed, error) {
	var req openaiRequest
	if err := json.Unmarshal(body, &req); err != nil {
		return parsed{}, fmt.Errorf("request body is not valid JSON: %w", err)
	}
	switch {
	case req.Model == "":
		return parsed{}, errors.New("you must provide a model parameter")
	case len(req.Messages) == 0:
		return parsed{}, errors.New("messages: must contain at least 1 message")
	}
	p := parsed{model: req.Model, stream: req.Stream}
	p.includeUsage = req.Stream && req.StreamOptions != nil && req.StreamOptions.IncludeUsage
	for _, raw := range req.Tools {
		var t struct {
			Function struct {
				Name string `json:"name"`
			} `json:"function"`
		}
		if err := json.Unmarshal(raw, &t); err != nil {
			return parsed{}, fmt.Errorf("tools: %w", err)
		}
		p.tools = append(p.tools, t.Function.Name)
		p.segments = append(p.segments, canonicalSegment(raw))
	}
	var raw struct {
		Messages []json.RawMessage `json:"messages"`
	}
	_ = json.Unmarshal(body, &raw)
	for _, m := range raw.Messages {
		p.segments = append(p.segments, canonicalSegment(m))
	}
	var system []string
	for i, m := range req.Messages {
		text, err := openaiText(m.Content)
		if err != nil {
			return parsed{}, fmt.Errorf("messages[%d].content: %w", i, err)
		}
		switch m.Role {
		case "system", "developer":
			system = append(system, text)
		case "user":
			p.messages = append(p.messages, chat.UserText(text))
		case "assistant":
			msg := chat.Message{Role: chat.RoleAssistant}
			if text != "" {
				msg.Content = append(msg.Content, chat.Block{Type: chat.BlockText, Text: text})
			}
			for _, tc := range m.ToolCalls {
				msg.Content = append(msg.Content, chat.Block{Type: chat.BlockToolUse, ID: tc.ID, Name: tc.Function.Name, Input: argumentsJSON(tc.Function.Arguments)})
			}
			p.messages = append(p.messages, msg)
		case "tool":
			result := chat.Block{Type: chat.BlockToolResult, ToolUseID: m.ToolCallID, Text: text}
			if n := len(p.messages); n > 0 && i > 0 && req.Messages[i-1].Role == "tool" {
				p.messages[n-1].Content = append(p.messages[n-1].Content, result)
			} else {
				p.messages = append(p.messages, chat.Message{Role: chat.RoleUser, Content: []chat.Block{result}})
			}
		default:
			return parsed{}, fmt.Errorf("messages[%d].role: unsupported role %q", i, m.Role)
		}
	}
	p.system = strings.Join(system, "\n")
	return p, nil
}

// argumentsJSON returns tool call arguments as JSON: verbatim when valid,
// else as a JSON string holding them.
func argumentsJSON(args string) json.RawMessage {
	if json.Valid([]byte(args)) {
		return json.RawMessage(args)
	}
	b, _ := json.Marshal(args)
	return b
}

// openaiText decodes message content: null, a string, or an array of parts
// whose text parts are joined by newlines.
func openaiText(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var parts []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	}
	if err := json.Unmarshal(raw, &parts); err != nil {
		return "", errors.New("want null, a string or an array of content parts")
	}
	var texts []string
	for _, part := range parts {
		if part.Type == "text" {
			texts = append(texts, part.Text)
		}
	}
	return strings.Join(texts, "\n"), nil
}
