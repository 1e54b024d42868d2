package fakellm

import (
	"encoding/json"
	"net/http"
)

// anthropicErrorTypes maps HTTP statuses to the Messages API's error types
// (https://docs.anthropic.com/en/api/errors).
var anthropicErrorTypes = map[int]string{
	http.StatusBadRequest:            "invalid_request_error",
	http.StatusUnauthorized:          "authentication_error",
	http.StatusPaymentRequired:       "billing_error",
	http.StatusForbidden:             "permission_error",
	http.StatusNotFound:              "not_found_error",
	http.StatusRequestEntityTooLarge: "request_too_large",
	http.StatusTooManyRequests:       "rate_limit_error",
	http.StatusInternalServerError:   "api_error",
	http.StatusGatewayTimeout:        "timeout_error",
	529:                              "overloaded_error",
}

// writeError writes {"type":"error","error":{"type":…,"message":…}}.
func (anthropic) writeError(w http.ResponseWriter, status int, message string) {
	typ, ok := anthropicErrorTypes[status]
	switch {
	case ok:
	case status >= 500:
		typ = "api_error"
	default:
		typ = "invalid_request_error"
	}
	writeJSON(w, status, map[string]any{
		"type":  "error",
		"error": map[string]any{"type": typ, "message": message},
	})
}

func (anthropic) writeReply(w http.ResponseWriter, r reply, p parsed) {
	if p.stream {
		anthropicStream(w, r)
		return
	}
	content := []any{}
	if r.text != "" {
		content = append(content, map[string]any{"type": "text", "text": r.text})
	}
	for _, c := range r.calls {
		content = append(content, map[string]any{"type": "tool_use", "id": c.id, "name": c.name, "input": json.RawMessage(c.input)})
	}
	writeJSON(w, http.StatusOK, anthropicMessage(r, content, anthropicStop(r), r.outputTokens))
}

// anthropicMessage is a Message object; stop is nil in a message_start event.
func anthropicMessage(r reply, content []any, stop any, outputTokens int) map[string]any {
	return map[string]any{
		"id":            r.id,
		"type":          "message",
		"role":          "assistant",
		"model":         r.model,
		"content":       content,
		"stop_reason":   stop,
		"stop_sequence": nil,
		"usage": map[string]any{
			"input_tokens":                r.inputTokens,
			"cache_creation_input_tokens": r.cacheWrite,
			"cache_read_input_tokens":     r.cacheRead,
			"output_tokens":               outputTokens,
		},
	}
}

func anthropicStop(r reply) string {
	if len(r.calls) > 0 {
		return "tool_use"
	}
	return "end_turn"
}

// anthropicStream writes the event sequence of
// https://docs.anthropic.com/en/api/messages-streaming: message_start, ping,
// per block content_block_start / content_block_delta… / content_block_stop,
// message_delta with the stop reason and usage, message_stop.
func anthropicStream(w http.ResponseWriter, r reply) {
	s := newSSE(w)
	s.sendJSON("message_start", map[string]any{"type": "message_start", "message": anthropicMessage(r, []any{}, nil, 1)})
	s.sendJSON("ping", map[string]any{"type": "ping"})
	index := 0
	block := func(start map[string]any, deltaType, field string, parts []string) {
		s.sendJSON("content_block_start", map[string]any{"type": "content_block_start", "index": index, "content_block": start})
		for _, part := range parts {
			s.sendJSON("content_block_delta", map[string]any{"type": "content_block_delta", "index": index, "delta": map[string]any{"type": deltaType, field: part}})
		}
		s.sendJSON("content_block_stop", map[string]any{"type": "content_block_stop", "index": index})
		index++
	}
	if r.text != "" {
		block(map[string]any{"type": "text", "text": ""}, "text_delta", "text", pieces(r.text))
	}
	for _, c := range r.calls {
		start := map[string]any{"type": "tool_use", "id": c.id, "name": c.name, "input": map[string]any{}}
		block(start, "input_json_delta", "partial_json", pieces(string(c.input)))
	}
	s.sendJSON("message_delta", map[string]any{
		"type":  "message_delta",
		"delta": map[string]any{"stop_reason": anthropicStop(r), "stop_sequence": nil},
		"usage": map[string]any{"output_tokens": r.outputTokens},
	})
	s.sendJSON("message_stop", map[string]any{"type": "message_stop"})
}
