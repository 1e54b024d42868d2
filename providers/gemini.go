package providers

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// geminiAdapter calls the Gemini API's own protocol
// (https://ai.google.dev/api/generate-content): models.generateContent, or
// models.streamGenerateContent with alt=sse, over net/http (no Gemini SDK is
// among our dependencies). The key travels in the x-goog-api-key header,
// never in the URL.
type geminiAdapter struct {
	base   string // ends with "/"
	hc     *http.Client
	stream bool
}

func newGemini(base string, hc *http.Client, stream bool) *geminiAdapter {
	return &geminiAdapter{base: base, hc: hc, stream: stream}
}

func (a *geminiAdapter) complete(ctx context.Context, req chat.Request, key string, onText func(string), ex *exchange) (*chat.Response, error) {
	body, err := geminiParams(req)
	if err != nil {
		return nil, err
	}
	raw, err := json.Marshal(body)
	if err != nil {
		return nil, badRequest("encode request: %v", err)
	}
	method := "generateContent"
	if a.stream {
		method = "streamGenerateContent?alt=sse"
	}
	u := a.base + "v1beta/models/" + url.PathEscape(req.Model) + ":" + method
	hr, err := http.NewRequestWithContext(ctx, http.MethodPost, u, bytes.NewReader(raw))
	if err != nil {
		return nil, badRequest("build request: %v", err)
	}
	hr.Header.Set("Content-Type", "application/json")
	if key != "" {
		hr.Header.Set("X-Goog-Api-Key", key)
	}
	resp, err := ex.observe(hr, a.hc.Do)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return nil, fmt.Errorf("HTTP status %d", resp.StatusCode)
	}
	acc := &geminiAccumulator{onText: onText}
	if a.stream {
		err = readSSE(resp.Body, acc.add)
	} else {
		var gr geminiResponse
		if err = json.NewDecoder(resp.Body).Decode(&gr); err == nil {
			err = acc.add(gr)
		} else if _, ok := errors.AsType[*errBodyLimit](err); !ok {
			err = badResponse("invalid JSON: %v", err)
		}
	}
	if err != nil {
		return nil, err
	}
	return acc.response(req.Model)
}

// geminiParams maps a chat.Request onto a GenerateContentRequest: the system
// prompt is the systemInstruction; roles user and assistant become user and
// model; tool_use blocks become functionCall parts (with Gemini's thought
// signature when the block carries one) and tool_result blocks
// functionResponse parts named after the call they answer, with the result
// as {"output": text} or {"error": text}. Thinking blocks are Anthropic's
// and are left out. Extended thinking maps onto thinkingConfig's budget.
func geminiParams(req chat.Request) (*geminiRequest, error) {
	out := &geminiRequest{Contents: []geminiContent{}}
	if req.System != "" {
		out.SystemInstruction = &geminiContent{Parts: []geminiPart{{Text: req.System}}}
	}
	names := map[string]string{} // tool_use id → tool name
	for i, m := range req.Messages {
		c := geminiContent{}
		switch m.Role {
		case chat.RoleUser:
			c.Role = "user"
		case chat.RoleAssistant:
			c.Role = "model"
		default:
			return nil, badRequest("messages[%d]: unknown role %q", i, m.Role)
		}
		for j, b := range m.Content {
			switch b.Type {
			case chat.BlockText:
				if b.Text != "" {
					c.Parts = append(c.Parts, geminiPart{Text: b.Text, ThoughtSignature: b.Signature})
				}
			case chat.BlockToolUse:
				input, err := objectJSON(b.Input)
				if err != nil {
					return nil, badRequest("messages[%d].content[%d]: tool_use input: %v", i, j, err)
				}
				names[b.ID] = b.Name
				c.Parts = append(c.Parts, geminiPart{
					FunctionCall:     &geminiFunctionCall{ID: b.ID, Name: b.Name, Args: input},
					ThoughtSignature: b.Signature,
				})
			case chat.BlockToolResult:
				name, ok := names[b.ToolUseID]
				if !ok {
					return nil, badRequest("messages[%d].content[%d]: tool_result for %q answers no earlier tool_use", i, j, b.ToolUseID)
				}
				result := map[string]any{"output": b.Text}
				if b.IsError {
					result = map[string]any{"error": b.Text}
				}
				c.Parts = append(c.Parts, geminiPart{FunctionResponse: &geminiFunctionResponse{ID: b.ToolUseID, Name: name, Response: result}})
			case chat.BlockThinking, chat.BlockRedactedThinking:
			default:
				return nil, badRequest("messages[%d].content[%d]: unknown block type %q", i, j, b.Type)
			}
		}
		if len(c.Parts) > 0 {
			out.Contents = append(out.Contents, c)
		}
	}
	if len(req.Tools) > 0 {
		var decls []geminiFunctionDeclaration
		for i, t := range req.Tools {
			schema, err := objectJSON(t.Parameters)
			if err != nil {
				return nil, badRequest("tools[%d] %q: parameters: schema is %v", i, t.Name, err)
			}
			decls = append(decls, geminiFunctionDeclaration{Name: t.Name, Description: t.Description, ParametersJSONSchema: schema})
		}
		out.Tools = []geminiTool{{FunctionDeclarations: decls}}
	}
	gc := &geminiGenerateConfig{MaxOutputTokens: req.MaxTokens, Temperature: req.Temperature, StopSequences: req.StopSequences}
	if req.Thinking != nil {
		gc.ThinkingConfig = &geminiThinkingConfig{ThinkingBudget: req.Thinking.BudgetTokens}
	}
	out.GenerationConfig = gc
	return out, nil
}

// geminiAccumulator joins the chunks of a response (one chunk when not
// streaming) into one message.
type geminiAccumulator struct {
	onText   func(string)
	blocks   []chat.Block
	finish   string
	usage    chat.Usage
	model    string
	blocked  string
	received bool
}

// add folds one GenerateContentResponse into the message, passing new text
// to onText. An error object inside the stream fails.
func (g *geminiAccumulator) add(r geminiResponse) error {
	if len(r.Error) > 0 && string(r.Error) != "null" {
		return streamError(append(append([]byte(`{"error":`), r.Error...), '}'))
	}
	g.received = true
	if r.ModelVersion != "" {
		g.model = r.ModelVersion
	}
	if u := r.UsageMetadata; u != nil {
		cached := min(u.CachedContentTokenCount, u.PromptTokenCount)
		g.usage = chat.Usage{
			InputTokens:     u.PromptTokenCount - cached,
			OutputTokens:    u.CandidatesTokenCount + u.ThoughtsTokenCount,
			CacheReadTokens: cached,
		}
	}
	if r.PromptFeedback != nil && r.PromptFeedback.BlockReason != "" {
		g.blocked = r.PromptFeedback.BlockReason
	}
	if len(r.Candidates) == 0 {
		return nil
	}
	cand := r.Candidates[0]
	if cand.FinishReason != "" {
		g.finish = cand.FinishReason
	}
	for _, p := range cand.Content.Parts {
		switch {
		case p.Thought:
		case p.FunctionCall != nil:
			input, err := objectJSON(p.FunctionCall.Args)
			if err != nil {
				input = emptyObject
			}
			id := p.FunctionCall.ID
			if id == "" {
				id = newCallID()
			}
			g.blocks = append(g.blocks, chat.Block{Type: chat.BlockToolUse, ID: id, Name: p.FunctionCall.Name, Input: input, Signature: p.ThoughtSignature})
		case p.Text != "" || p.ThoughtSignature != "":
			if p.Text != "" && g.onText != nil {
				g.onText(p.Text)
			}
			if n := len(g.blocks); n > 0 && g.blocks[n-1].Type == chat.BlockText {
				g.blocks[n-1].Text += p.Text
				if p.ThoughtSignature != "" {
					g.blocks[n-1].Signature = p.ThoughtSignature
				}
				continue
			}
			g.blocks = append(g.blocks, chat.Block{Type: chat.BlockText, Text: p.Text, Signature: p.ThoughtSignature})
		}
	}
	return nil
}

// response returns the accumulated message. finishReason STOP ends the
// turn (tool_use when the message calls functions), MAX_TOKENS is
// max_tokens, any other reason (SAFETY, RECITATION, …) is other.
func (g *geminiAccumulator) response(model string) (*chat.Response, error) {
	if g.blocked != "" && len(g.blocks) == 0 {
		return nil, badRequest("prompt blocked by the provider (%s)", g.blocked)
	}
	if !g.received || g.finish == "" {
		return nil, streamCut("stream ended before finishReason")
	}
	resp := &chat.Response{
		Message: chat.Message{Role: chat.RoleAssistant, Content: append([]chat.Block{}, g.blocks...)},
		Usage:   g.usage,
		Model:   g.model,
	}
	switch {
	case g.finish == "MAX_TOKENS":
		resp.StopReason = chat.StopMaxTokens
	case len(resp.Message.ToolUses()) > 0:
		resp.StopReason = chat.StopToolUse
	case g.finish == "STOP":
		resp.StopReason = chat.StopEndTurn
	default:
		resp.StopReason = chat.StopOther
	}
	if resp.Model == "" {
		resp.Model = model
	}
	return resp, nil
}

// newCallID returns an id for a function call Gemini sent without one.
func newCallID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "gemini_call_" + hex.EncodeToString(b[:])
}

// readSSE reads server-sent events
// (https://html.spec.whatwg.org/multipage/server-sent-events.html) whose
// data are GenerateContentResponse objects, passing each to fn.
func readSSE(r io.Reader, fn func(geminiResponse) error) error {
	br := bufio.NewReader(r)
	var data []byte
	dispatch := func() error {
		if len(bytes.TrimSpace(data)) == 0 {
			data = data[:0]
			return nil
		}
		var gr geminiResponse
		if err := json.Unmarshal(data, &gr); err != nil {
			return badResponse("stream: invalid JSON event: %v", err)
		}
		data = data[:0]
		return fn(gr)
	}
	for {
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			line = strings.TrimRight(line, "\r\n")
			switch {
			case line == "":
				if derr := dispatch(); derr != nil {
					return derr
				}
			case strings.HasPrefix(line, "data:"):
				if len(data) > 0 {
					data = append(data, '\n')
				}
				data = append(data, strings.TrimPrefix(strings.TrimPrefix(line, "data:"), " ")...)
			}
		}
		if err == io.EOF {
			return dispatch()
		}
		if err != nil {
			return err
		}
	}
}
