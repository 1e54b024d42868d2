package providers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"

	"github.com/anthropics/anthropic-sdk-go"
	"github.com/anthropics/anthropic-sdk-go/option"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// anthropicAdapter calls the Anthropic Messages API
// (https://docs.anthropic.com/en/api/messages) through the official SDK.
type anthropicAdapter struct {
	messages anthropic.MessageService
	stream   bool
	// cache places cache_control breakpoints (see cacheBreakpoints).
	cache bool
}

// newAnthropic builds the SDK service with every option explicit: no
// environment defaults (ANTHROPIC_API_KEY, ANTHROPIC_AUTH_TOKEN, profiles,
// federation, ANTHROPIC_BASE_URL, ANTHROPIC_CUSTOM_HEADERS), no SDK retries
// (Complete retries), and no OpenTelemetry spans or trace headers (whose
// ANTHROPIC_OPEN_TELEMETRY* variables would otherwise be read). The key is
// given per call.
func newAnthropic(base string, hc *http.Client, stream, cache bool) *anthropicAdapter {
	opts := []option.RequestOption{
		option.WithoutEnvironmentDefaults(),
		option.WithBaseURL(base),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0),
		option.WithoutOpenTelemetry(),
		option.WithOpenTelemetryPropagation(false),
	}
	return &anthropicAdapter{messages: anthropic.NewClient(opts...).Messages, stream: stream, cache: cache}
}

func (a *anthropicAdapter) complete(ctx context.Context, req chat.Request, key string, onText func(string), ex *exchange) (*chat.Response, error) {
	params, err := anthropicParams(req)
	if err != nil {
		return nil, err
	}
	if a.cache {
		cacheBreakpoints(&params)
	}
	observe := []option.RequestOption{option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		return ex.observe(r, next)
	})}
	if key != "" {
		observe = append(observe, option.WithAPIKey(key))
	}
	var msg *anthropic.Message
	if a.stream {
		msg, err = a.streamMessage(ctx, params, onText, observe...)
	} else {
		msg, err = a.messages.New(ctx, params, observe...)
		if err == nil && onText != nil {
			for _, b := range msg.Content {
				if b.Type == "text" && b.Text != "" {
					onText(b.Text)
				}
			}
		}
	}
	if err != nil {
		return nil, err
	}
	return anthropicResponse(msg)
}

// streamMessage reads a message stream, forwarding text deltas and
// accumulating the message with the SDK's Message.Accumulate.
func (a *anthropicAdapter) streamMessage(ctx context.Context, params anthropic.MessageNewParams, onText func(string), opts ...option.RequestOption) (*anthropic.Message, error) {
	stream := a.messages.NewStreaming(ctx, params, opts...)
	defer stream.Close()
	var msg anthropic.Message
	stopped := false
	for stream.Next() {
		ev := stream.Current()
		if err := msg.Accumulate(ev); err != nil {
			return nil, badResponse("stream: %v", err)
		}
		switch ev.Type {
		case "content_block_delta":
			if ev.Delta.Type == "text_delta" && ev.Delta.Text != "" && onText != nil {
				onText(ev.Delta.Text)
			}
		case "message_stop":
			stopped = true
		}
	}
	if err := stream.Err(); err != nil {
		var ae *anthropic.Error
		if errors.As(err, &ae) && ae.StatusCode < 400 {
			return nil, streamError([]byte(ae.RawJSON()))
		}
		return nil, err
	}
	if !stopped {
		return nil, streamCut("stream ended before message_stop")
	}
	return &msg, nil
}

// anthropicParams maps a chat.Request onto the Messages API: the system
// prompt goes in the top-level system field, each block keeps its order
// (thinking blocks with their signatures, as the API requires them back),
// tool schemas are sent as input_schema unchanged, and the settings
// (temperature, stop sequences, thinking) are passed on.
//
// # Notes
//
//   - Extended thinking is sent only when the conversation allows it: the
//     API rejects thinking when the last assistant turn called tools
//     without a thinking block (a turn answered by another provider after
//     a fallback), so such a request is sent without thinking.
//   - Temperature is left out with thinking, which the API requires.
func anthropicParams(req chat.Request) (anthropic.MessageNewParams, error) {
	params := anthropic.MessageNewParams{
		Model:         anthropic.Model(req.Model),
		MaxTokens:     int64(req.MaxTokens),
		StopSequences: req.StopSequences,
	}
	if req.System != "" {
		params.System = []anthropic.TextBlockParam{{Text: req.System}}
	}
	if t := req.Thinking; t != nil && thinkingAllowed(req.Messages) {
		if t.BudgetTokens < 1024 || t.BudgetTokens >= req.MaxTokens {
			return params, badRequest("thinking.budget_tokens %d: must be at least 1024 and below max_tokens (%d)", t.BudgetTokens, req.MaxTokens)
		}
		params.Thinking = anthropic.ThinkingConfigParamOfEnabled(int64(t.BudgetTokens))
	} else if req.Temperature != nil {
		params.Temperature = anthropic.Float(*req.Temperature)
	}
	for i, m := range req.Messages {
		var role anthropic.MessageParamRole
		switch m.Role {
		case chat.RoleUser:
			role = anthropic.MessageParamRoleUser
		case chat.RoleAssistant:
			role = anthropic.MessageParamRoleAssistant
		default:
			return params, badRequest("messages[%d]: unknown role %q", i, m.Role)
		}
		blocks := make([]anthropic.ContentBlockParamUnion, 0, len(m.Content))
		for j, b := range m.Content {
			switch b.Type {
			case chat.BlockText:
				if b.Text != "" { // the API rejects empty text blocks
					blocks = append(blocks, anthropic.NewTextBlock(b.Text))
				}
			case chat.BlockToolUse:
				input, err := objectJSON(b.Input)
				if err != nil {
					return params, badRequest("messages[%d].content[%d]: tool_use input: %v", i, j, err)
				}
				blocks = append(blocks, anthropic.NewToolUseBlock(b.ID, input, b.Name))
			case chat.BlockThinking:
				if m.Role == chat.RoleAssistant && b.Signature != "" {
					blocks = append(blocks, anthropic.NewThinkingBlock(b.Signature, b.Text))
				}
			case chat.BlockRedactedThinking:
				if m.Role == chat.RoleAssistant && b.Data != "" {
					blocks = append(blocks, anthropic.NewRedactedThinkingBlock(b.Data))
				}
			case chat.BlockToolResult:
				r := anthropic.ToolResultBlockParam{ToolUseID: b.ToolUseID}
				if b.Text != "" {
					r.Content = []anthropic.ToolResultBlockParamContentUnion{{OfText: &anthropic.TextBlockParam{Text: b.Text}}}
				}
				if b.IsError {
					r.IsError = anthropic.Bool(true)
				}
				blocks = append(blocks, anthropic.ContentBlockParamUnion{OfToolResult: &r})
			default:
				return params, badRequest("messages[%d].content[%d]: unknown block type %q", i, j, b.Type)
			}
		}
		params.Messages = append(params.Messages, anthropic.MessageParam{Role: role, Content: blocks})
	}
	for i, t := range req.Tools {
		schema, err := anthropicSchema(t.Parameters)
		if err != nil {
			return params, badRequest("tools[%d] %q: %v", i, t.Name, err)
		}
		tool := anthropic.ToolParam{Name: t.Name, InputSchema: schema}
		if t.Description != "" {
			tool.Description = anthropic.String(t.Description)
		}
		params.Tools = append(params.Tools, anthropic.ToolUnionParam{OfTool: &tool})
	}
	return params, nil
}

// anthropicSchema splits a JSON Schema object into the SDK's input_schema
// shape (properties, required, and every other keyword as an extra field),
// keeping each value's JSON as written.
func anthropicSchema(raw json.RawMessage) (anthropic.ToolInputSchemaParam, error) {
	var s anthropic.ToolInputSchemaParam
	fields, err := schemaFields(raw)
	if err != nil {
		return s, err
	}
	for k, v := range fields {
		switch k {
		case "type":
		case "properties":
			s.Properties = v
		case "required":
			if err := json.Unmarshal(v, &s.Required); err != nil {
				return s, errors.New("schema: required is not a list of strings")
			}
		default:
			if s.ExtraFields == nil {
				s.ExtraFields = map[string]any{}
			}
			s.ExtraFields[k] = v
		}
	}
	return s, nil
}

// thinkingAllowed reports whether extended thinking may be enabled for
// msgs: false when the last assistant message calls tools but holds no
// thinking block.
func thinkingAllowed(msgs []chat.Message) bool {
	for i := len(msgs) - 1; i >= 0; i-- {
		m := msgs[i]
		if m.Role != chat.RoleAssistant {
			continue
		}
		if len(m.ToolUses()) == 0 {
			return true
		}
		for _, b := range m.Content {
			if b.Type == chat.BlockThinking || b.Type == chat.BlockRedactedThinking {
				return true
			}
		}
		return false
	}
	return true
}

// anthropicResponse maps a Messages API message onto a chat.Response.
// Text, tool_use, thinking and redacted_thinking blocks are kept in order;
// other block kinds (server tools) are not part of the chat model and are
// dropped. Usage keeps cache reads and writes apart from input tokens, as
// the API reports them.
func anthropicResponse(msg *anthropic.Message) (*chat.Response, error) {
	if string(msg.Type) != "message" {
		return nil, badResponse("response is not a message")
	}
	resp := &chat.Response{
		Message:    chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{}},
		StopReason: anthropicStop(msg.StopReason),
		Usage: chat.Usage{
			InputTokens:      msg.Usage.InputTokens,
			OutputTokens:     msg.Usage.OutputTokens,
			CacheReadTokens:  msg.Usage.CacheReadInputTokens,
			CacheWriteTokens: msg.Usage.CacheCreationInputTokens,
		},
		Model: string(msg.Model),
	}
	for i, b := range msg.Content {
		switch b.Type {
		case "thinking":
			resp.Message.Content = append(resp.Message.Content, chat.Block{Type: chat.BlockThinking, Text: b.Thinking, Signature: b.Signature})
		case "redacted_thinking":
			resp.Message.Content = append(resp.Message.Content, chat.Block{Type: chat.BlockRedactedThinking, Data: b.Data})
		case "text":
			resp.Message.Content = append(resp.Message.Content, chat.Block{Type: chat.BlockText, Text: b.Text})
		case "tool_use":
			input, err := objectJSON(b.Input)
			if err != nil {
				return nil, badResponse("content[%d]: tool_use input: %v", i, err)
			}
			resp.Message.Content = append(resp.Message.Content, chat.Block{Type: chat.BlockToolUse, ID: b.ID, Name: b.Name, Input: input})
		}
	}
	return resp, nil
}

// anthropicStop maps Anthropic stop reasons; stop_sequence is a normal end.
func anthropicStop(r anthropic.StopReason) chat.StopReason {
	switch r {
	case anthropic.StopReasonEndTurn, anthropic.StopReasonStopSequence:
		return chat.StopEndTurn
	case anthropic.StopReasonToolUse:
		return chat.StopToolUse
	case anthropic.StopReasonMaxTokens:
		return chat.StopMaxTokens
	}
	return chat.StopOther
}
