package fakellm

import (
	"encoding/json"
	"net/http"
)

// geminiStatuses maps HTTP statuses to the google.rpc status names the
// Gemini API reports (https://ai.google.dev/gemini-api/docs/troubleshooting).
var geminiStatuses = map[int]string{
	http.StatusBadRequest:          "INVALID_ARGUMENT",
	http.StatusUnauthorized:        "UNAUTHENTICATED",
	http.StatusForbidden:           "PERMISSION_DENIED",
	http.StatusNotFound:            "NOT_FOUND",
	http.StatusTooManyRequests:     "RESOURCE_EXHAUSTED",
	http.StatusInternalServerError: "INTERNAL",
	http.StatusServiceUnavailable:  "UNAVAILABLE",
	http.StatusGatewayTimeout:      "DEADLINE_EXCEEDED",
}

// writeError writes {"error":{"code":…,"message":…,"status":…}}.
func (gemini) writeError(w http.ResponseWriter, status int, message string) {
	name, ok := geminiStatuses[status]
	if !ok {
		name = "UNKNOWN"
	}
	writeJSON(w, status, map[string]any{
		"error": map[string]any{"code": status, "message": message, "status": name},
	})
}

// geminiUsage reports the whole prompt as promptTokenCount, of which
// cachedContentTokenCount were read from the (implicit) cache.
func geminiUsage(r reply) map[string]any {
	prompt := r.inputTokens + r.cacheRead
	u := map[string]any{
		"promptTokenCount":     prompt,
		"candidatesTokenCount": r.outputTokens,
		"totalTokenCount":      prompt + r.outputTokens,
	}
	if r.cacheRead > 0 {
		u["cachedContentTokenCount"] = r.cacheRead
	}
	return u
}

// geminiChunk is one GenerateContentResponse holding parts; finish and
// usage are added to the last one.
func geminiChunk(r reply, parts []any, finish bool) map[string]any {
	cand := map[string]any{"content": map[string]any{"role": "model", "parts": parts}, "index": 0}
	c := map[string]any{"candidates": []any{cand}, "modelVersion": r.model, "responseId": r.id}
	if finish {
		cand["finishReason"] = "STOP"
		c["usageMetadata"] = geminiUsage(r)
	}
	return c
}

// callParts returns the functionCall parts of r, without ids as the
// Gemini API sends them.
func callParts(r reply) []any {
	var parts []any
	for _, c := range r.calls {
		parts = append(parts, map[string]any{"functionCall": map[string]any{"name": c.name, "args": json.RawMessage(c.input)}})
	}
	return parts
}

func (gemini) writeReply(w http.ResponseWriter, r reply, p parsed) {
	if !p.stream {
		var parts []any
		if r.text != "" {
			parts = append(parts, map[string]any{"text": r.text})
		}
		parts = append(parts, callParts(r)...)
		writeJSON(w, http.StatusOK, geminiChunk(r, parts, true))
		return
	}
	// streamGenerateContent?alt=sse: data-only events, text in pieces,
	// function calls whole, finishReason and usage on the last chunk.
	s := newSSE(w)
	for _, part := range pieces(r.text) {
		s.sendJSON("", geminiChunk(r, []any{map[string]any{"text": part}}, false))
	}
	s.sendJSON("", geminiChunk(r, append([]any{}, callParts(r)...), true))
}
