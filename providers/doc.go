// Package providers makes the host's LLM calls. The agent loop, running as a
// WebAssembly guest, asks the host for each model turn; the host turns the
// provider-neutral chat.Request into a provider API call, streams text
// deltas back, and returns a chat.Response. API keys stay in this package's
// Provider values and never reach the guest, errors, cassettes or logs.
//
// # Providers
//
// New builds a Provider from a Config. Three wire protocols are spoken; the
// first two through their official Go SDKs with every option passed
// explicitly (neither SDK reads the environment; ResolveKeys and
// ResolveBaseURL decide which variables count):
//
//   - anthropic: the Messages API (https://docs.anthropic.com/en/api/messages),
//     github.com/anthropics/anthropic-sdk-go. The system prompt is the
//     top-level system field; chat blocks map one to one onto content
//     blocks, thinking blocks included.
//   - openai and the OpenAI-compatible presets groq, cerebras, mistral, xai,
//     ollama, openrouter and gemini: Chat Completions
//     (https://platform.openai.com/docs/api-reference/chat),
//     github.com/openai/openai-go/v3. The system prompt is the first
//     message; tool_use blocks become tool_calls and tool_result blocks
//     become tool messages.
//   - gemini-native: the Gemini API's generateContent and
//     streamGenerateContent (https://ai.google.dev/api/generate-content)
//     over net/http, with function calling, thought signatures and
//     implicit-cache usage, which the OpenAI-compatible endpoint drops.
//
// Responses stream as server-sent events by default (Config.NoStream turns
// that off). Stop reasons and token usage are normalised onto
// chat.StopReason and chat.Usage, cache reads and writes kept apart.
// DefaultModel gives each provider's model for requests that name none.
//
// # Failures
//
// Failures are *Error values carrying the provider, model, HTTP status,
// a Class (rate_limit, overloaded, timeout, network, auth, auth_permanent,
// billing, context_overflow, model_not_found, bad_request, server,
// unknown), the provider's error code, the wait it asked for, the failing
// key's Fingerprint, and a message with every key redacted before it is
// clipped. Classes come from the status, the error type and code, and
// message patterns of nine providers' documented errors.
//
// One Complete call makes attempts until one succeeds or the failure is
// final: a key-scoped failure (rate_limit, auth, auth_permanent, billing)
// moves to the next key of the pool at once; a retryable class is retried
// (twice by default) after full-jitter exponential backoff or the wait the
// provider asked for (Retry-After, retry-after-ms, rate-limit reset
// headers, Gemini RetryInfo), never past MaxRetryDelay or ctx's deadline.
// The SDKs' own retries are off. A turn that has streamed text is retried
// only when the caller's Observer (WithObserver) has a Restart function,
// told first that the text so far is void; tool calls run only after a
// whole answer, so a retry never re-runs a tool.
//
// # Keys, cooldowns, fallbacks
//
// A Health, shared by every Provider of a platform, remembers failures:
// a rate-limited key rests for that model, a rejected key for every model,
// a revoked or unpaid key is dropped for the life of the process (one
// NoticeKeyDropped naming it by Fingerprint), a model failing on the
// provider's side rests for every key; when a rest ends, one caller probes
// while the others wait for its verdict. Fallback chains Routes (provider
// and model): a failure another model may not have moves the same
// conversation to the next route, across protocols; the Response says
// which provider and model answered.
//
// # Prompt caching, context, cost
//
// Anthropic requests carry cache_control breakpoints on the system prompt
// (or the last tool), the last message and the previous turn's last
// message; OpenAI and Gemini cache on their own and report it. The context
// helpers (ContextWindows, EstimateTokens, ShrinkToolResults,
// PrepareCompaction and Compaction) let the runtime keep a session inside
// its model's window; Prices turns usage into USD.
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
//	      "error":    {"provider": "openai", "status": 429, "kind": "rate_limit", "code": "rate_limit_exceeded", "message": "..."}
//	    }
//	  ]
//	}
//
// version is CassetteVersion (1); readers reject other versions. Each
// interaction holds the request as the caller sent it, the text deltas in
// the order onText received them, and exactly one of response and error;
// an error's kind holds its Class.
// Requests are matched on their canonical JSON (sorted keys, no
// insignificant space) of system, messages and tools.
package providers
