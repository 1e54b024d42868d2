package fakellm

import (
	"net/http"
)

// writeError writes {"error":{"message":…,"type":…,"param":null,"code":…}}
// (https://platform.openai.com/docs/guides/error-codes).
func (openai) writeError(w http.ResponseWriter, status int, message string) {
	typ, code := "invalid_request_error", any(nil)
	switch {
	case status == http.StatusUnauthorized:
		code = "invalid_api_key"
	case status == http.StatusTooManyRequests:
		typ, code = "requests", "rate_limit_exceeded"
	case status >= 500:
		typ = "server_error"
	}
	writeJSON(w, status, map[string]any{
		"error": map[string]any{"message": message, "type": typ, "param": nil, "code": code},
	})
}

func openaiFinish(r reply) string {
	if len(r.calls) > 0 {
		return "tool_calls"
	}
	return "stop"
}

// openaiUsage reports the whole prompt as prompt_tokens, of which
// prompt_tokens_details.cached_tokens were read from the cache.
func openaiUsage(r reply) map[string]any {
	prompt := r.inputTokens + r.cacheRead
	return map[string]any{
		"prompt_tokens":         prompt,
		"completion_tokens":     r.outputTokens,
		"total_tokens":          prompt + r.outputTokens,
		"prompt_tokens_details": map[string]any{"cached_tokens": r.cacheRead},
	}
}

func (openai) writeReply(w http.ResponseWriter, r reply, p parsed) {
	if p.stream {
		openaiStream(w, r, p.includeUsage)
		return
	}
	msg := map[string]any{"role": "assistant", "content": r.text, "refusal": nil}
	if len(r.calls) > 0 {
		if r.text == "" {
			msg["content"] = nil
		}
		calls := make([]any, len(r.calls))
		for i, c := range r.calls {
			calls[i] = map[string]any{"id": c.id, "type": "function", "function": map[string]any{"name": c.name, "arguments": string(c.input)}}
		}
		msg["tool_calls"] = calls
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id":      r.id,
		"object":  "chat.completion",
		"created": created,
		"model":   r.model,
		"choices": []any{map[string]any{"index": 0, "message": msg, "logprobs": nil, "finish_reason": openaiFinish(r)}},
		"usage":   openaiUsage(r),
	})
}

// openaiStream writes chat.completion.chunk objects as data-only events: a
// role chunk, text pieces, per tool call a chunk with index, id and name
// followed by argument pieces, a chunk with the finish reason, with
// includeUsage a usage chunk with empty choices (every other chunk then has
// "usage": null), and finally "data: [DONE]".
func openaiStream(w http.ResponseWriter, r reply, includeUsage bool) {
	s := newSSE(w)
	chunk := func(delta map[string]any, finish any) {
		c := map[string]any{
			"id":      r.id,
			"object":  "chat.completion.chunk",
			"created": created,
			"model":   r.model,
			"choices": []any{map[string]any{"index": 0, "delta": delta, "logprobs": nil, "finish_reason": finish}},
		}
		if includeUsage {
			c["usage"] = nil
		}
		s.sendJSON("", c)
	}
	chunk(map[string]any{"role": "assistant", "content": ""}, nil)
	for _, part := range pieces(r.text) {
		chunk(map[string]any{"content": part}, nil)
	}
	for i, c := range r.calls {
		first := map[string]any{"index": i, "id": c.id, "type": "function", "function": map[string]any{"name": c.name, "arguments": ""}}
		chunk(map[string]any{"tool_calls": []any{first}}, nil)
		for _, part := range pieces(string(c.input)) {
			chunk(map[string]any{"tool_calls": []any{map[string]any{"index": i, "function": map[string]any{"arguments": part}}}}, nil)
		}
	}
	chunk(map[string]any{}, openaiFinish(r))
	if includeUsage {
		s.sendJSON("", map[string]any{
			"id":      r.id,
			"object":  "chat.completion.chunk",
			"created": created,
			"model":   r.model,
			"choices": []any{},
			"usage":   openaiUsage(r),
		})
	}
	s.send("", []byte("[DONE]"))
}
