// Package chat defines the provider-neutral conversation model shared by the
// host and the WebAssembly agent guest: messages made of content blocks
// (text, tool_use, tool_result, thinking), tool schemas, model requests with
// their settings, responses and token usage.
//
// The shapes follow the content-block model of the Anthropic Messages API
// (https://docs.anthropic.com/en/api/messages); the OpenAI Chat Completions
// adapter in package providers maps them onto that API's messages and
// tool_calls. The package has no dependencies outside the standard library so
// it compiles for GOOS=wasip1 as well as for the host.
package chat
