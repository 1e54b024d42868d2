package providers

// Class classifies a provider failure by what the caller should do about
// it: wait and retry, rotate the key, fall back to another model, shrink
// the conversation, or give up. Its string form is the stable name used in
// cassettes, events and logs.
type Class string

// The failure classes. See Retryable and FallsBack for what each allows.
const (
	// RateLimit: the key or organisation hit a rate limit (HTTP 429);
	// retried after the wait the provider asks for, and rotated to the next
	// key of the pool.
	RateLimit Class = "rate_limit"
	// Overloaded: the provider or model is short of capacity for everyone
	// (Anthropic 529, HTTP 503, Groq 498, Gemini UNAVAILABLE).
	Overloaded Class = "overloaded"
	// Timeout: no complete answer in time (HTTP 408, 504, 524, the
	// per-attempt timeout).
	Timeout Class = "timeout"
	// Network: the host could not be reached or the connection broke.
	Network Class = "network"
	// Auth: the key was rejected (HTTP 401, 403, Gemini API_KEY_INVALID);
	// the key cools down and the next one is tried.
	Auth Class = "auth"
	// AuthPermanent: the key or account is revoked, disabled, suspended or
	// expired; the key is dropped for the life of the process.
	AuthPermanent Class = "auth_permanent"
	// Billing: credits, quota or spending limit exhausted (HTTP 402,
	// OpenAI insufficient_quota, Anthropic spend limits); the key is
	// dropped for the life of the process.
	Billing Class = "billing"
	// ContextOverflow: the conversation does not fit the model's context
	// window (or the request size limit); shrinking or compacting it is
	// the cure.
	ContextOverflow Class = "context_overflow"
	// ModelNotFound: the model does not exist or the key has no access
	// to it.
	ModelNotFound Class = "model_not_found"
	// BadRequest: the provider refused the request as malformed, or it
	// cannot be expressed in the provider's API.
	BadRequest Class = "bad_request"
	// Server: the provider failed (HTTP 500, 502, other 5xx, an error
	// event inside a stream, an answer that cannot be understood).
	Server Class = "server"
	// Unknown: none of the above; not retried, but a fallback may help.
	Unknown Class = "unknown"
)

// Classes lists every class, in the order of the constants.
var Classes = []Class{RateLimit, Overloaded, Timeout, Network, Auth, AuthPermanent,
	Billing, ContextOverflow, ModelNotFound, BadRequest, Server, Unknown}

// Retryable reports whether the same request to the same model may succeed
// when sent again after a wait: rate_limit, overloaded, timeout, network
// and server.
func (c Class) Retryable() bool {
	switch c {
	case RateLimit, Overloaded, Timeout, Network, Server:
		return true
	}
	return false
}

// FallsBack reports whether another provider or model may succeed where
// this one failed: every class except bad_request and context_overflow,
// which the conversation itself causes (a fallback chain makes an
// exception for context_overflow when the next model's window is larger;
// see Fallback).
func (c Class) FallsBack() bool {
	return c != BadRequest && c != ContextOverflow
}

// keyScoped reports whether the failure belongs to the key rather than to
// the provider or model, so that another key of the pool may succeed.
func (c Class) keyScoped() bool {
	switch c {
	case RateLimit, Auth, AuthPermanent, Billing:
		return true
	}
	return false
}

// describe returns the phrase Error uses for a class.
func (c Class) describe() string {
	switch c {
	case RateLimit:
		return "rate limited"
	case Overloaded:
		return "overloaded"
	case Timeout:
		return "timed out"
	case Network:
		return "network error"
	case Auth:
		return "authentication failed"
	case AuthPermanent:
		return "key revoked or disabled"
	case Billing:
		return "billing limit reached"
	case ContextOverflow:
		return "context window exceeded"
	case ModelNotFound:
		return "model not found"
	case BadRequest:
		return "bad request"
	case Server:
		return "server error"
	}
	return "error"
}
