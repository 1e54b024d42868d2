package providers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Kind classifies a provider failure.
type Kind string

// The failure kinds. Retryable reports which of them are worth another try.
const (
	// KindAuth: the key was rejected (HTTP 401, 403).
	KindAuth Kind = "auth"
	// KindRateLimit: the provider throttled the call (HTTP 429).
	KindRateLimit Kind = "rate_limit"
	// KindServer: the provider failed (HTTP 5xx, 408, or an overloaded or
	// api error event inside a stream).
	KindServer Kind = "server"
	// KindBadRequest: the provider refused the request (other HTTP 4xx), or
	// the request cannot be expressed in the provider's API.
	KindBadRequest Kind = "bad_request"
	// KindBadResponse: the answer could not be understood: invalid JSON, a
	// stream cut short, a missing choice.
	KindBadResponse Kind = "bad_response"
	// KindNetwork: the host could not be reached or did not answer in time.
	KindNetwork Kind = "network"
)

// describe returns the phrase Error uses for a kind.
func (k Kind) describe() string {
	switch k {
	case KindAuth:
		return "authentication failed"
	case KindRateLimit:
		return "rate limited"
	case KindServer:
		return "server error"
	case KindBadRequest:
		return "bad request"
	case KindBadResponse:
		return "bad response"
	case KindNetwork:
		return "network error"
	}
	return string(k)
}

// Error is a failed provider call. Use errors.As to get it from an error
// returned by a Provider. Message never contains the API key.
type Error struct {
	// Provider is the provider name, e.g. "anthropic".
	Provider string
	// Status is the HTTP status code, or 0 when there was no HTTP error
	// response (network failures, broken streams, errors inside a stream).
	Status int
	// Kind classifies the failure.
	Kind Kind
	// Message is the provider's own error message when it sent one, else a
	// description of what went wrong.
	Message string

	// retryAfter is the wait the provider asked for (Retry-After), 0 if none.
	retryAfter time.Duration
}

// Error returns a one-line description, e.g.
// "anthropic: 401 authentication failed: invalid x-api-key" or
// "openai: network error: cannot reach api.openai.com: connection refused".
func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s: %d %s: %s", e.Provider, e.Status, e.Kind.describe(), e.Message)
	}
	return fmt.Sprintf("%s: %s: %s", e.Provider, e.Kind.describe(), e.Message)
}

// Retryable reports whether the same request may succeed when sent again:
// rate limits, server errors and network failures.
func (e *Error) Retryable() bool {
	return e.Kind == KindRateLimit || e.Kind == KindServer || e.Kind == KindNetwork
}

// kindForStatus maps an HTTP error status to a Kind.
func kindForStatus(status int) Kind {
	switch {
	case status == http.StatusUnauthorized || status == http.StatusForbidden:
		return KindAuth
	case status == http.StatusTooManyRequests:
		return KindRateLimit
	case status == http.StatusRequestTimeout || status >= 500:
		return KindServer
	default:
		return KindBadRequest
	}
}

// kindForErrorType maps the error type names both APIs use in error bodies
// and stream error events (Anthropic: https://docs.anthropic.com/en/api/errors;
// OpenAI uses similar names) to a Kind. Unknown types are server errors: the
// provider reported a failure of its own.
func kindForErrorType(t string) Kind {
	switch t {
	case "authentication_error", "permission_error", "invalid_api_key":
		return KindAuth
	case "rate_limit_error", "rate_limit_exceeded", "insufficient_quota":
		return KindRateLimit
	case "invalid_request_error", "not_found_error", "request_too_large":
		return KindBadRequest
	}
	return KindServer
}

// maxErrorBody caps how much of an error response body is read.
const maxErrorBody = 64 << 10

// maxMessage caps the length of an Error's Message taken from a body.
const maxMessage = 500

// errorBody extracts the error type and message from a provider error body.
// It understands {"error":{"type","message"}} (Anthropic, OpenAI and most
// compatible APIs), {"message"} and a one-element array of either (Gemini);
// anything else yields the body text itself, shortened.
func errorBody(body []byte) (typ, msg string) {
	var obj struct {
		Type    string          `json:"type"`
		Message string          `json:"message"`
		Error   json.RawMessage `json:"error"`
	}
	trimmed := strings.TrimSpace(string(body))
	if strings.HasPrefix(trimmed, "[") {
		var list []json.RawMessage
		if json.Unmarshal(body, &list) == nil && len(list) > 0 {
			return errorBody(list[0])
		}
	}
	if json.Unmarshal(body, &obj) != nil {
		return "", shorten(trimmed)
	}
	if len(obj.Error) > 0 {
		var inner struct {
			Type    string `json:"type"`
			Code    any    `json:"code"`
			Message string `json:"message"`
		}
		if json.Unmarshal(obj.Error, &inner) == nil && inner.Message != "" {
			return inner.Type, shorten(inner.Message)
		}
		var s string
		if json.Unmarshal(obj.Error, &s) == nil && s != "" {
			return obj.Type, shorten(s)
		}
	}
	if obj.Message != "" {
		return obj.Type, shorten(obj.Message)
	}
	return obj.Type, shorten(trimmed)
}

// shorten returns s on one line, cut to maxMessage bytes.
func shorten(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > maxMessage {
		s = s[:maxMessage] + "…"
	}
	if s == "" {
		return "(no message)"
	}
	return s
}

// statusError builds the Error for an HTTP error response.
func statusError(status int, header http.Header, body []byte) *Error {
	_, msg := errorBody(body)
	if msg == "(no message)" {
		msg = http.StatusText(status)
	}
	return &Error{Status: status, Kind: kindForStatus(status), Message: msg, retryAfter: retryAfter(header)}
}

// streamError builds the Error for an error event inside a stream whose
// HTTP status was 200; data is the event's JSON.
func streamError(data []byte) *Error {
	typ, msg := errorBody(data)
	return &Error{Kind: kindForErrorType(typ), Message: "error event in stream: " + msg}
}

// badResponse builds a KindBadResponse error.
func badResponse(format string, args ...any) *Error {
	return &Error{Kind: KindBadResponse, Message: fmt.Sprintf(format, args...)}
}

// badRequest builds a KindBadRequest error for a request that cannot be
// expressed in a provider's API; it is never sent.
func badRequest(format string, args ...any) *Error {
	return &Error{Kind: KindBadRequest, Message: fmt.Sprintf(format, args...)}
}
