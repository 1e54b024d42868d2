// Package fakellm is a scripted LLM provider on loopback for end-to-end tests
// of bulkhead. One httptest server speaks two real wire protocols:
//
//   - the Anthropic Messages API, POST /v1/messages, non-streaming JSON and
//     streaming server-sent events
//     (https://docs.anthropic.com/en/api/messages,
//     https://docs.anthropic.com/en/api/messages-streaming); its SDK base URL
//     is Server.URL;
//   - the OpenAI Chat Completions API, POST /v1/chat/completions,
//     non-streaming JSON and streaming chunks ending with "data: [DONE]"
//     (https://platform.openai.com/docs/api-reference/chat); its SDK base URL
//     is Server.URL + "/v1";
//   - the Gemini API, POST /v1beta/models/MODEL:generateContent and
//     :streamGenerateContent?alt=sse (https://ai.google.dev/api/generate-content);
//     its API root is Server.URL + "/". Function calls carry no id, as
//     from the real API.
//
// A test scripts the model's turns as Steps (text, tool calls, HTTP errors or
// a literal body) with New, or computes each turn from the request with
// NewHandler, then points the provider SDKs at the server and inspects the
// Requests the client made: the decoded conversation, the tool results it
// sent back, its headers.
//
// Everything is deterministic: message ids (msg_01, chatcmpl-01), tool call
// ids (toolu_01, call_01), timestamps, the way streamed text is cut into
// pieces, and token usage: the prompt is len(request body)/4 tokens.
//
// Prompt caching is simulated as each API reports it, so that cache savings
// can be measured: a prompt prefix (up to a cache_control breakpoint on the
// Anthropic endpoint, up to any message boundary on the others) that an
// earlier request sent is reported as cache reads (Anthropic
// cache_read_input_tokens, OpenAI prompt_tokens_details.cached_tokens in
// 128-token steps, Gemini cachedContentTokenCount), a new Anthropic prefix
// up to the last breakpoint as cache_creation_input_tokens; prefixes under
// MinCacheTokens are never cached.
//
// The server checks what the real APIs check and a host could get wrong: an
// API key header, the anthropic-version header, the required fields, and that
// every tool call is answered by a tool result in the next message. A request
// failing a check gets a 400/401 error shaped like the provider's and does not
// consume a step.
package fakellm
