package providers

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/packages/ssestream"
	"github.com/openai/openai-go/v3/shared"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// openaiAdapter calls the OpenAI Chat Completions API
// (https://platform.openai.com/docs/api-reference/chat) through the official
// SDK; the OpenAI-compatible presets use it with their own base URL.
type openaiAdapter struct {
	completions openai.ChatCompletionService
	stream      bool
	// maxCompletionTokens sends the cap as max_completion_tokens rather
	// than max_tokens.
	maxCompletionTokens bool
}

// newOpenAI builds the SDK service directly rather than through
// openai.NewClient, whose defaults read OPENAI_API_KEY, OPENAI_BASE_URL,
// OPENAI_ORG_ID, OPENAI_PROJECT_ID, OPENAI_ADMIN_KEY, OPENAI_WEBHOOK_SECRET
// and OPENAI_CUSTOM_HEADERS; SDK retries are off (Complete retries). The
// key is given per call.
func newOpenAI(base string, hc *http.Client, stream, maxCompletionTokens bool) *openaiAdapter {
	opts := []option.RequestOption{
		option.WithBaseURL(base),
		option.WithHTTPClient(hc),
		option.WithMaxRetries(0),
	}
	return &openaiAdapter{
		completions:         openai.NewChatCompletionService(opts...),
		stream:              stream,
		maxCompletionTokens: maxCompletionTokens,
	}
}

func (a *openaiAdapter) complete(ctx context.Context, req chat.Request, key string, onText func(string), ex *exchange) (*chat.Response, error) {
	params, err := a.params(req)
	if err != nil {
		return nil, err
	}
	observe := []option.RequestOption{option.WithMiddleware(func(r *http.Request, next option.MiddlewareNext) (*http.Response, error) {
		return ex.observe(r, next)
	})}
	if key != "" {
		observe = append(observe, option.WithAPIKey(key))
	}
	var cc *openai.ChatCompletion
	if a.stream {
		params.StreamOptions.IncludeUsage = openai.Bool(true)
		cc, err = a.streamCompletion(ctx, params, onText, observe...)
	} else {
		cc, err = a.completions.New(ctx, params, observe...)
		if err == nil && onText != nil && len(cc.Choices) > 0 && cc.Choices[0].Message.Content != "" {
			onText(cc.Choices[0].Message.Content)
		}
	}
	if err != nil {
		return nil, err
	}
	return openaiResponse(cc)
}

// streamCompletion reads a chunk stream, forwarding content deltas and
// accumulating the completion with the SDK's ChatCompletionAccumulator,
// which joins tool calls streamed in pieces by their index.
func (a *openaiAdapter) streamCompletion(ctx context.Context, params openai.ChatCompletionNewParams, onText func(string), opts ...option.RequestOption) (*openai.ChatCompletion, error) {
	stream := a.completions.NewStreaming(ctx, params, opts...)
	defer stream.Close()
	var acc openai.ChatCompletionAccumulator
	for stream.Next() {
		chunk := stream.Current()
		if !acc.AddChunk(chunk) {
			return nil, badResponse("stream: chunk could not be accumulated")
		}
		for _, ch := range chunk.Choices {
			if ch.Index == 0 && ch.Delta.Content != "" && onText != nil {
				onText(ch.Delta.Content)
			}
		}
	}
	if err := stream.Err(); err != nil {
		var se *ssestream.StreamError
		if errors.As(err, &se) {
			return nil, streamError(se.Event.Data)
		}
		return nil, err
	}
	if len(acc.Choices) == 0 || acc.Choices[0].FinishReason == "" {
		return nil, streamCut("stream ended before finish_reason")
	}
	return &acc.ChatCompletion, nil
}

// params maps a chat.Request onto Chat Completions: the system prompt is the
// first message (role system); an assistant message's text becomes its
// content and its tool_use blocks its tool_calls, in order; a user message's
// tool_result blocks become tool messages, in order, followed by a user
// message with its text, since tool messages must directly follow the
// assistant message that called them. Chat Completions has no is_error
// flag: an error result is sent as its text alone. Thinking blocks are
// Anthropic's and are left out; temperature and stop sequences are passed
// on (Chat Completions takes at most 4 stop sequences; more is a
// bad_request).
func (a *openaiAdapter) params(req chat.Request) (openai.ChatCompletionNewParams, error) {
	params := openai.ChatCompletionNewParams{Model: shared.ChatModel(req.Model)}
	if a.maxCompletionTokens {
		params.MaxCompletionTokens = openai.Int(int64(req.MaxTokens))
	} else {
		params.MaxTokens = openai.Int(int64(req.MaxTokens))
	}
	if req.Temperature != nil {
		params.Temperature = openai.Float(*req.Temperature)
	}
	switch n := len(req.StopSequences); {
	case n > 4:
		return params, badRequest("stop_sequences: %d given, Chat Completions takes at most 4", n)
	case n > 0:
		params.Stop.OfStringArray = req.StopSequences
	}
	if req.System != "" {
		params.Messages = append(params.Messages, openai.SystemMessage(req.System))
	}
	for i, m := range req.Messages {
		var texts []string
		switch m.Role {
		case chat.RoleUser:
			for j, b := range m.Content {
				switch b.Type {
				case chat.BlockText:
					texts = append(texts, b.Text)
				case chat.BlockToolResult:
					params.Messages = append(params.Messages, openai.ToolMessage(b.Text, b.ToolUseID))
				case chat.BlockThinking, chat.BlockRedactedThinking:
				default:
					return params, badRequest("messages[%d].content[%d]: block type %q in a user message", i, j, b.Type)
				}
			}
			if len(texts) > 0 {
				params.Messages = append(params.Messages, openai.UserMessage(strings.Join(texts, "\n")))
			}
		case chat.RoleAssistant:
			var am openai.ChatCompletionAssistantMessageParam
			for j, b := range m.Content {
				switch b.Type {
				case chat.BlockText:
					texts = append(texts, b.Text)
				case chat.BlockToolUse:
					input, err := objectJSON(b.Input)
					if err != nil {
						return params, badRequest("messages[%d].content[%d]: tool_use input: %v", i, j, err)
					}
					am.ToolCalls = append(am.ToolCalls, openai.ChatCompletionMessageToolCallUnionParam{
						OfFunction: &openai.ChatCompletionMessageFunctionToolCallParam{
							ID:       b.ID,
							Function: openai.ChatCompletionMessageFunctionToolCallFunctionParam{Name: b.Name, Arguments: string(input)},
						},
					})
				case chat.BlockThinking, chat.BlockRedactedThinking:
				default:
					return params, badRequest("messages[%d].content[%d]: block type %q in an assistant message", i, j, b.Type)
				}
			}
			if text := strings.Join(texts, "\n"); text != "" || len(am.ToolCalls) == 0 {
				am.Content.OfString = openai.String(text)
			}
			params.Messages = append(params.Messages, openai.ChatCompletionMessageParamUnion{OfAssistant: &am})
		default:
			return params, badRequest("messages[%d]: unknown role %q", i, m.Role)
		}
	}
	for i, t := range req.Tools {
		fields, err := schemaFields(t.Parameters)
		if err != nil {
			return params, badRequest("tools[%d] %q: %v", i, t.Name, err)
		}
		fn := shared.FunctionDefinitionParam{Name: t.Name, Parameters: shared.FunctionParameters{}}
		for k, v := range fields {
			fn.Parameters[k] = v
		}
		if t.Description != "" {
			fn.Description = openai.String(t.Description)
		}
		params.Tools = append(params.Tools, openai.ChatCompletionFunctionTool(fn))
	}
	return params, nil
}

// openaiResponse maps the first choice of a completion onto a
// chat.Response: its content becomes a text block, then each tool call a
// tool_use block in order. A tool call whose arguments are not a JSON object
// (a model mistake, or output cut off) gets {} as input. Because several
// compatible servers report finish_reason "stop" even when the message calls
// tools, a message with tool calls stops with tool_use unless it was cut off
// by the token limit. Cached prompt tokens
// (prompt_tokens_details.cached_tokens, OpenAI's automatic prompt caching,
// https://platform.openai.com/docs/guides/prompt-caching) are counted as
// cache reads and taken out of the input tokens.
func openaiResponse(cc *openai.ChatCompletion) (*chat.Response, error) {
	if len(cc.Choices) == 0 {
		return nil, badResponse("response has no choices")
	}
	choice := cc.Choices[0]
	cached := min(max(cc.Usage.PromptTokensDetails.CachedTokens, 0), cc.Usage.PromptTokens)
	resp := &chat.Response{
		Message: chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{}},
		Usage: chat.Usage{
			InputTokens:     cc.Usage.PromptTokens - cached,
			OutputTokens:    cc.Usage.CompletionTokens,
			CacheReadTokens: cached,
		},
		Model: cc.Model,
	}
	if choice.Message.Content != "" {
		resp.Message.Content = append(resp.Message.Content, chat.Block{Type: chat.BlockText, Text: choice.Message.Content})
	}
	for _, tc := range choice.Message.ToolCalls {
		if tc.Type != "" && tc.Type != "function" {
			continue
		}
		input, err := objectJSON(json.RawMessage(tc.Function.Arguments))
		if err != nil {
			input = emptyObject
		}
		resp.Message.Content = append(resp.Message.Content, chat.Block{Type: chat.BlockToolUse, ID: tc.ID, Name: tc.Function.Name, Input: input})
	}
	resp.StopReason = openaiStop(choice.FinishReason, len(resp.Message.ToolUses()) > 0)
	return resp, nil
}

// openaiStop maps a finish_reason: stop → end_turn, tool_calls and
// function_call → tool_use, length → max_tokens, anything else (such as
// content_filter) → other; see openaiResponse for messages with tool calls.
func openaiStop(reason string, hasToolCalls bool) chat.StopReason {
	switch {
	case reason == "length":
		return chat.StopMaxTokens
	case hasToolCalls || reason == "tool_calls" || reason == "function_call":
		return chat.StopToolUse
	case reason == "stop":
		return chat.StopEndTurn
	}
	return chat.StopOther
}
