// Package providers makes the host's LLM calls. The agent loop, running as a
// WebAssembly guest, asks the host for each model turn; the host turns the
// provider-neutral chat.Request into a provider API call, streams text
// deltas back, and returns a chat.Response. API keys stay in this package's
// Provider values and never reach the guest, errors, cassettes or logs.
//
// # Providers
//
// New builds a Provider from a Config. Two wire protocols are spoken, each
// through its official Go SDK with every option passed explicitly (neither
// SDK reads the environment; ResolveKey and ResolveBaseURL decide which
// variables count):
//
//   - anthropic: the Messages API (https://docs.anthropic.com/en/api/messages),
//     github.com/anthropics/anthropic-sdk-go. The system prompt is the
//     top-level system field; chat blocks map one to one onto content
//     blocks.
//   - openai and the OpenAI-compatible presets groq, cerebras, mistral, xai,
//     ollama, openrouter and gemini: Chat Completions
//     (https://platform.openai.com/docs/api-reference/chat),
//     github.com/openai/openai-go/v3. The system prompt is the first
//     message; tool_use blocks become tool_calls and tool_result blocks
//     become tool messages.
//
// Responses stream as server-sent events by default (Config.NoStream turns
// that off); the SDKs' accumulators rebuild the message, including tool
// calls streamed in pieces. Stop reasons and token usage are normalised onto
// chat.StopReason and chat.Usage. DefaultModel gives each provider's model
// for requests that name none.
//
// # Errors and retries
//
// Failures are *Error values carrying the provider, HTTP status and a Kind
// (auth, rate_limit, server, bad_request, bad_response, network). Rate
// limits, server errors and network failures are retried (once by default,
// with jittered exponential backoff from 500ms, or after the provider's
// Retry-After when it is at most 30s); the SDKs' own retries are off so the
// count is exact. A stream that already delivered text is not retried.
// Each attempt is bounded in time (Config.Timeout, 10 minutes) and in
// response size (Config.MaxResponseBytes, 32 MiB).
//
// # Cassettes
//
// Record wraps a Provider and writes each interaction to a cassette file;
// Replay serves a cassette back with no network, for deterministic tests and
// reproductions. A cassette is one JSON object, rewritten atomically after
// every interaction, with each interaction compact on a line of its own
// (shown indented here):
//
//	{
//	  "version": 1,
//	  "interactions": [
//	    {
//	      "request":  <chat.Request>,
//	      "deltas":   ["text", "pieces", ...],
//	      "response": <chat.Response>
//	    },
//	    {
//	      "request":  <chat.Request>,
//	      "deltas":   [],
//	      "error":    {"provider": "openai", "status": 429, "kind": "rate_limit", "message": "..."}
//	    }
//	  ]
//	}
//
// version is CassetteVersion (1); readers reject other versions. Each
// interaction holds the request as the caller sent it, the text deltas in
// the order onText received them, and exactly one of response and error.
// Requests are matched on their canonical JSON (sorted keys, no
// insignificant space) of system, messages and tools.
package providers
