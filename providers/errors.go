package providers

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Error is a failed provider call. Use errors.As to get it from an error
// returned by a Provider.
//
// # Notes
//
//   - Message never holds an API key: every key of the provider's pool and
//     every key-shaped token is replaced by "[redacted]" before the message
//     is clipped to MaxMessageRunes (see cleanMessage).
//   - Key is a fingerprint (see Fingerprint), never the key.
type Error struct {
	// Provider is the provider name, e.g. "anthropic".
	Provider string
	// Model is the model the request named, when known.
	Model string
	// Status is the HTTP status code, or 0 when there was no HTTP error
	// response (network failures, broken streams, errors inside a stream).
	Status int
	// Class classifies the failure.
	Class Class
	// Code is the provider's own error type or code when it sent one, such
	// as "overloaded_error", "insufficient_quota" or "RESOURCE_EXHAUSTED".
	Code string
	// Message is the provider's own error message when it sent one, else a
	// description of what went wrong; one line, redacted, clipped.
	Message string
	// RetryAfter is the wait the provider asked for (Retry-After,
	// retry-after-ms, a rate-limit reset header, Gemini RetryInfo), or the
	// time left on a cooldown; 0 when none.
	RetryAfter time.Duration
	// Key is the fingerprint of the key the failed attempt used, "" when
	// none.
	Key string

	// noRetry is set when the provider said x-should-retry: false.
	noRetry bool
}

// Error returns a one-line description, e.g.
// "anthropic: 401 authentication failed: invalid x-api-key" or
// "openai: network error: cannot reach api.openai.com: connection refused".
func (e *Error) Error() string {
	if e.Status != 0 {
		return fmt.Sprintf("%s: %d %s: %s", e.Provider, e.Status, e.Class.describe(), e.Message)
	}
	return fmt.Sprintf("%s: %s: %s", e.Provider, e.Class.describe(), e.Message)
}

// Retryable reports whether the same request may succeed when sent again:
// the class is retryable and the provider did not say x-should-retry: false.
func (e *Error) Retryable() bool {
	return e.Class.Retryable() && !e.noRetry
}

// maxErrorBody caps how much of an error response body is read.
const maxErrorBody = 64 << 10

// providerError is what an error body says, in the shapes the providers use.
type providerError struct {
	// codes are the error type and code strings found, in the order type,
	// code, status, detail reasons; empty strings are left out.
	codes []string
	// message is the error message, or the body itself when it has none.
	message string
	// status is a numeric error code in the body (OpenRouter, Gemini), 0
	// when none.
	status int
	// retryDelay is Gemini's RetryInfo.retryDelay, 0 when none.
	retryDelay time.Duration
}

// errorObject is the union of the error objects of the supported APIs:
//
//	Anthropic  {"type":"error","error":{"type","message"}}
//	OpenAI     {"error":{"message","type","param","code"}} (Groq, Ollama alike)
//	Mistral    {"object":"error","message","type","param","code"}
//	xAI        {"code":"…","error":"…"}
//	OpenRouter {"error":{"code":402,"message","metadata"}}
//	Gemini     {"error":{"code":429,"message","status","details":[…]}}
//	Ollama     {"error":"…"}
type errorObject struct {
	Type    string          `json:"type"`
	Code    json.RawMessage `json:"code"`
	Status  string          `json:"status"`
	Message string          `json:"message"`
	Error   json.RawMessage `json:"error"`
	// Details is a list (Gemini's google.rpc details) or one object
	// (Anthropic's {"error_code": …}).
	Details json.RawMessage `json:"details"`
}

// errorDetail is one entry of an error's details.
type errorDetail struct {
	Reason     string `json:"reason"`
	RetryDelay string `json:"retryDelay"`
	ErrorCode  string `json:"error_code"`
}

// parseErrorBody extracts codes and message from an error body. Anything
// it cannot read yields the body text itself as the message.
func parseErrorBody(body []byte) providerError {
	trimmed := strings.TrimSpace(string(body))
	if strings.HasPrefix(trimmed, "[") { // Gemini wraps errors in a list at times
		var list []json.RawMessage
		if json.Unmarshal(body, &list) == nil && len(list) > 0 {
			return parseErrorBody(list[0])
		}
	}
	var obj errorObject
	if json.Unmarshal(body, &obj) != nil {
		return providerError{message: trimmed}
	}
	var pe providerError
	if len(obj.Error) > 0 && obj.Error[0] == '{' {
		var inner errorObject
		if json.Unmarshal(obj.Error, &inner) == nil {
			pe = inner.fields()
			pe.codes = append(pe.codes, obj.fields().codes...)
			if pe.message == "" {
				pe.message = trimmed
			}
			return pe
		}
	}
	pe = obj.fields()
	var s string
	if json.Unmarshal(obj.Error, &s) == nil && s != "" {
		pe.message = s
	}
	if pe.message == "" {
		pe.message = trimmed
	}
	return pe
}

// fields collects one object's codes, message, numeric status and retry
// delay.
func (o errorObject) fields() providerError {
	pe := providerError{message: o.Message}
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" && s != "error" {
			pe.codes = append(pe.codes, s)
		}
	}
	add(o.Type)
	var code string
	var num int
	switch {
	case json.Unmarshal(o.Code, &code) == nil:
		add(code)
	case json.Unmarshal(o.Code, &num) == nil:
		pe.status = num
	}
	add(o.Status)
	var details []errorDetail
	if json.Unmarshal(o.Details, &details) != nil {
		var one errorDetail
		if json.Unmarshal(o.Details, &one) == nil {
			details = []errorDetail{one}
		}
	}
	for _, d := range details {
		add(d.Reason)
		add(d.ErrorCode)
		if d.RetryDelay != "" {
			if dur, err := time.ParseDuration(d.RetryDelay); err == nil && dur > 0 {
				pe.retryDelay = dur
			}
		}
	}
	return pe
}

// statusError builds the Error for an HTTP error response.
func statusError(status int, header http.Header, body []byte) *Error {
	pe := parseErrorBody(body)
	if pe.message == "" {
		pe.message = http.StatusText(status)
	}
	e := &Error{
		Status:     status,
		Class:      classify(status, pe.codes, pe.message),
		Message:    pe.message,
		RetryAfter: max(retryAfter(header, time.Now()), pe.retryDelay),
		noRetry:    strings.EqualFold(header.Get("X-Should-Retry"), "false"),
	}
	e.Class = quotaResets(e.Class, status, pe.codes, e.RetryAfter)
	if len(pe.codes) > 0 {
		e.Code = pe.codes[0]
	}
	return e
}

// streamError builds the Error for an error event inside a stream whose
// HTTP status was 200; data is the event's JSON. A numeric code in the
// event (OpenRouter) is classified as an HTTP status; an event that says
// nothing classifiable is a server error, since the provider reported a
// failure of its own.
func streamError(data []byte) *Error {
	pe := parseErrorBody(data)
	class := classify(pe.status, pe.codes, pe.message)
	if class == Unknown {
		class = Server
	}
	e := &Error{Class: class, Message: "error event in stream: " + pe.message, RetryAfter: pe.retryDelay}
	if len(pe.codes) > 0 {
		e.Code = pe.codes[0]
	}
	return e
}

// badResponse builds the Error for an answer that could not be understood
// (invalid JSON, a missing choice): a server error, since a new attempt
// gets a new answer.
func badResponse(format string, args ...any) *Error {
	return &Error{Class: Server, Message: "bad response: " + fmt.Sprintf(format, args...)}
}

// streamCut builds the Error for a stream that ended before its final
// event: the connection broke, a network failure.
func streamCut(format string, args ...any) *Error {
	return &Error{Class: Network, Message: fmt.Sprintf(format, args...)}
}

// badRequest builds a bad_request Error for a request that cannot be
// expressed in a provider's API; it is never sent.
func badRequest(format string, args ...any) *Error {
	return &Error{Class: BadRequest, Message: fmt.Sprintf(format, args...)}
}
