package providers

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// errorFixtures are error responses shaped as each provider documents
// them (status, body); the texts are ours, written to the documented
// shapes and messages.
var errorFixtures = []struct {
	provider string
	status   int
	body     string
	want     Class
}{
	// Anthropic: {"type":"error","error":{"type","message"}}.
	{"anthropic", 400, `{"type":"error","error":{"type":"invalid_request_error","message":"messages.0.content.0.text: text content blocks must be non-empty"},"request_id":"req_1"}`, BadRequest},
	{"anthropic", 400, `{"type":"error","error":{"type":"invalid_request_error","message":"prompt is too long: 210345 tokens > 200000 maximum"}}`, ContextOverflow},
	{"anthropic", 400, `{"type":"error","error":{"type":"invalid_request_error","message":"input length and ` + "`max_tokens`" + ` exceed context limit: 180000 + 64000 > 200000, decrease input length or ` + "`max_tokens`" + ` and try again"}}`, ContextOverflow},
	{"anthropic", 400, `{"type":"error","error":{"type":"invalid_request_error","message":"Your credit balance is too low to access the Anthropic API. Please go to Plans & Billing to upgrade or purchase credits."}}`, Billing},
	{"anthropic", 401, `{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}`, Auth},
	{"anthropic", 402, `{"type":"error","error":{"type":"billing_error","message":"Billing issue with your account."}}`, Billing},
	{"anthropic", 403, `{"type":"error","error":{"type":"permission_error","message":"Your API key does not have permission to use the specified resource."}}`, Auth},
	{"anthropic", 403, `{"type":"error","error":{"type":"permission_error","message":"This organization has been disabled."}}`, AuthPermanent},
	{"anthropic", 404, `{"type":"error","error":{"type":"not_found_error","message":"model: claude-sonnet-9"}}`, ModelNotFound},
	{"anthropic", 413, `{"type":"error","error":{"type":"request_too_large","message":"Request exceeds the maximum allowed number of bytes."}}`, ContextOverflow},
	{"anthropic", 429, `{"type":"error","error":{"type":"rate_limit_error","message":"This request would exceed the rate limit for your organization of 30,000 input tokens per minute."}}`, RateLimit},
	{"anthropic", 429, `{"type":"error","error":{"type":"rate_limit_error","message":"You have reached your specified API usage limits.","details":{"error_code":"enforced_spend_limit_reached"}}}`, Billing},
	{"anthropic", 500, `{"type":"error","error":{"type":"api_error","message":"Internal server error"}}`, Server},
	{"anthropic", 504, `{"type":"error","error":{"type":"timeout_error","message":"Request timeout"}}`, Timeout},
	{"anthropic", 529, `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}`, Overloaded},

	// OpenAI: {"error":{"message","type","param","code"}}.
	{"openai", 400, `{"error":{"message":"Invalid value for 'temperature': expected a number.","type":"invalid_request_error","param":"temperature","code":null}}`, BadRequest},
	{"openai", 400, `{"error":{"message":"This model's maximum context length is 128000 tokens. However, your messages resulted in 130512 tokens. Please reduce the length of the messages.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`, ContextOverflow},
	{"openai", 401, `{"error":{"message":"Incorrect API key provided: sk-proj-********************abcd. You can find your API key at https://platform.openai.com/account/api-keys.","type":"invalid_request_error","param":null,"code":"invalid_api_key"}}`, Auth},
	{"openai", 401, `{"error":{"message":"Your OpenAI account has been deactivated, please check your email for more information.","type":"invalid_request_error","param":null,"code":"account_deactivated"}}`, AuthPermanent},
	{"openai", 403, `{"error":{"message":"Country, region, or territory not supported","type":"request_forbidden","param":null,"code":"unsupported_country_region_territory"}}`, Auth},
	{"openai", 404, `{"error":{"message":"The model ` + "`gpt-9`" + ` does not exist or you do not have access to it.","type":"invalid_request_error","param":null,"code":"model_not_found"}}`, ModelNotFound},
	{"openai", 429, `{"error":{"message":"Rate limit reached for gpt-4.1 in organization org-abc on tokens per min (TPM): Limit 30000, Used 29000, Requested 2000. Please try again in 2s.","type":"tokens","param":null,"code":"rate_limit_exceeded"}}`, RateLimit},
	{"openai", 429, `{"error":{"message":"You exceeded your current quota, please check your plan and billing details.","type":"insufficient_quota","param":null,"code":"insufficient_quota"}}`, Billing},
	{"openai", 500, `{"error":{"message":"The server had an error while processing your request. Sorry about that!","type":"server_error","param":null,"code":null}}`, Server},
	{"openai", 503, `{"error":{"message":"The engine is currently overloaded, please try again later.","type":"server_error","param":null,"code":null}}`, Overloaded},

	// Gemini, native: {"error":{"code","message","status","details"}}.
	{"gemini-native", 400, `{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"API_KEY_INVALID","domain":"googleapis.com","metadata":{"service":"generativelanguage.googleapis.com"}}]}}`, Auth},
	{"gemini-native", 400, `{"error":{"code":400,"message":"The input token count (1200000) exceeds the maximum number of tokens allowed (1048576).","status":"INVALID_ARGUMENT"}}`, ContextOverflow},
	{"gemini-native", 400, `{"error":{"code":400,"message":"Gemini API free tier is not available in your country. Please enable billing on your project in Google AI Studio.","status":"FAILED_PRECONDITION"}}`, Billing},
	{"gemini-native", 400, `{"error":{"code":400,"message":"* GenerateContentRequest.contents: contents is not specified","status":"INVALID_ARGUMENT"}}`, BadRequest},
	{"gemini-native", 402, `{"error":{"code":402,"message":"Your prepayment credits are depleted.","status":"RESOURCE_EXHAUSTED"}}`, Billing},
	{"gemini-native", 403, `{"error":{"code":403,"message":"Permission denied: Consumer 'api_key:AIzaSyA-exampleexampleexample' has been suspended.","status":"PERMISSION_DENIED","details":[{"@type":"type.googleapis.com/google.rpc.ErrorInfo","reason":"CONSUMER_SUSPENDED"}]}}`, AuthPermanent},
	{"gemini-native", 404, `{"error":{"code":404,"message":"models/gemini-9.0-pro is not found for API version v1beta, or is not supported for generateContent. Call ListModels to see the list of available models and their supported methods.","status":"NOT_FOUND"}}`, ModelNotFound},
	{"gemini-native", 429, `{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details. Quota exceeded for metric: generativelanguage.googleapis.com/generate_content_free_tier_requests, limit: 10","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}`, RateLimit},
	{"gemini-native", 429, `{"error":{"code":429,"message":"You exceeded your current quota, please check your plan and billing details.","status":"RESOURCE_EXHAUSTED"}}`, Billing},
	{"gemini-native", 429, `{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37s"}]}}`, RateLimit},
	{"gemini-native", 500, `{"error":{"code":500,"message":"An internal error has occurred. Please retry or report in https://developers.generativeai.google/guide/troubleshooting","status":"INTERNAL"}}`, Server},
	{"gemini-native", 503, `{"error":{"code":503,"message":"The model is overloaded. Please try again later.","status":"UNAVAILABLE"}}`, Overloaded},
	{"gemini-native", 504, `{"error":{"code":504,"message":"Deadline expired before operation could complete.","status":"DEADLINE_EXCEEDED"}}`, Timeout},

	// Gemini, OpenAI-compatible endpoint: the same objects in a list.
	{"gemini", 400, `[{"error":{"code":400,"message":"API key not valid. Please pass a valid API key.","status":"INVALID_ARGUMENT"}}]`, Auth},
	{"gemini", 429, `[{"error":{"code":429,"message":"Resource has been exhausted (e.g. check quota).","status":"RESOURCE_EXHAUSTED"}}]`, RateLimit},

	// Groq: OpenAI's shape, with its own codes and status 498.
	{"groq", 400, `{"error":{"message":"Please reduce the length of the messages or completion.","type":"invalid_request_error","param":"messages","code":"context_length_exceeded"}}`, ContextOverflow},
	{"groq", 400, `{"error":{"message":"Organization has been restricted. Please reach out to support if you believe this was in error.","type":"invalid_request_error","code":"organization_restricted"}}`, AuthPermanent},
	{"groq", 401, `{"error":{"message":"Invalid API Key","type":"invalid_request_error","code":"invalid_api_key"}}`, Auth},
	{"groq", 404, `{"error":{"message":"The model ` + "`llama-9-70b`" + ` does not exist or you do not have access to it.","type":"invalid_request_error","code":"model_not_found"}}`, ModelNotFound},
	{"groq", 429, `{"error":{"message":"Rate limit reached for model ` + "`llama-3.3-70b-versatile`" + ` in organization ` + "`org_01`" + ` service tier ` + "`on_demand`" + ` on tokens per minute (TPM): Limit 6000, Used 5000, Requested 2000. Please try again in 10s.","type":"tokens","code":"rate_limit_exceeded"}}`, RateLimit},
	{"groq", 498, `{"error":{"message":"Flex tier capacity exceeded. Please try again later.","type":"invalid_request_error","code":"capacity_exceeded"}}`, Overloaded},
	{"groq", 503, `{"error":{"message":"Service Unavailable","type":"internal_server_error"}}`, Overloaded},

	// Mistral: {"object":"error","message","type","param","code"}.
	{"mistral", 400, `{"object":"error","message":"Invalid model: mistral-huge-latest","type":"invalid_request_error","param":null,"code":"1500"}`, ModelNotFound},
	{"mistral", 400, `{"object":"error","message":"Prompt contains 140000 tokens and 0 draft tokens, too large for model with 131072 maximum context length","type":"invalid_request_error","param":null,"code":null}`, ContextOverflow},
	{"mistral", 401, `{"message":"Unauthorized","request_id":"abc"}`, Auth},
	{"mistral", 422, `{"object":"error","message":{"detail":[{"type":"missing","loc":["body","messages"],"msg":"Field required"}]},"type":"invalid_request_error"}`, BadRequest},
	{"mistral", 429, `{"object":"error","message":"Requests rate limit exceeded","type":"rate_limited","param":null,"code":"1300"}`, RateLimit},

	// xAI: {"code": description, "error": message}.
	{"xai", 400, `{"code":"Client specified an invalid argument","error":"Incorrect API key provided: xa***yz. You can obtain an API key from https://console.x.ai."}`, Auth},
	{"xai", 400, `{"code":"Client specified an invalid argument","error":"This model's maximum prompt length is 131072 but the request contains 150000 tokens."}`, ContextOverflow},
	{"xai", 403, `{"code":"The caller does not have permission to execute the specified operation","error":"Your newly created team doesn't have any credits yet. You can purchase credits on https://console.x.ai."}`, Billing},
	{"xai", 404, `{"code":"Some requested entity was not found","error":"The model grok-9 does not exist or your team does not have access to it."}`, ModelNotFound},
	{"xai", 429, `{"code":"Too many requests","error":"Your team has either used all available credits or reached its monthly spending limit. To continue making API requests, please purchase more credits or raise your spending limit."}`, Billing},

	// OpenRouter: {"error":{"code": status, "message", "metadata"}}.
	{"openrouter", 400, `{"error":{"code":400,"message":"anthropic/claude-9 is not a valid model ID"}}`, ModelNotFound},
	{"openrouter", 401, `{"error":{"code":401,"message":"No auth credentials found"}}`, Auth},
	{"openrouter", 401, `{"error":{"code":401,"message":"API key is disabled"}}`, AuthPermanent},
	{"openrouter", 402, `{"error":{"code":402,"message":"Insufficient credits. Add more using https://openrouter.ai/settings/credits","metadata":{"limit_source":"openrouter_credits"}}}`, Billing},
	{"openrouter", 408, `{"error":{"code":408,"message":"Timed out"}}`, Timeout},
	{"openrouter", 429, `{"error":{"code":429,"message":"Rate limit exceeded: free-models-per-day."}}`, RateLimit},
	{"openrouter", 502, `{"error":{"code":502,"message":"Provider returned error","metadata":{"provider_name":"Example"}}}`, Server},
	{"openrouter", 503, `{"error":{"code":503,"message":"No instances available"}}`, Overloaded},

	// Ollama: OpenAI's shape on /v1, {"error": text} natively.
	{"ollama", 404, `{"error":{"message":"model \"llama9\" not found, try pulling it first","type":"api_error","param":null,"code":null}}`, ModelNotFound},
	{"ollama", 404, `{"error":"model 'llama9' not found"}`, ModelNotFound},
	{"ollama", 500, `{"error":"llama runner process has terminated: exit status 2"}`, Server},
	{"ollama", 404, `404 page not found`, Unknown},
}

func TestClassifyFixtures(t *testing.T) {
	for _, f := range errorFixtures {
		e := statusError(f.status, http.Header{}, []byte(f.body))
		if e.Class != f.want {
			t.Errorf("%s %d %s\n  class %q, want %q (message %q, code %q)", f.provider, f.status, f.body, e.Class, f.want, e.Message, e.Code)
		}
		if e.Message == "" || strings.HasPrefix(e.Message, "{") && !strings.Contains(f.body, `"detail"`) {
			t.Errorf("%s %d: message %q not extracted", f.provider, f.status, e.Message)
		}
	}
	// Every class but network (no HTTP response) is reached by a fixture.
	seen := map[Class]bool{}
	for _, f := range errorFixtures {
		seen[f.want] = true
	}
	for _, c := range Classes {
		if !seen[c] && c != Network {
			t.Errorf("no fixture for class %s", c)
		}
	}
}

func TestErrorBodyDetails(t *testing.T) {
	e := statusError(429, http.Header{}, []byte(`{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"37.5s"}]}}`))
	if e.RetryAfter != 37500*time.Millisecond || e.Code != "RESOURCE_EXHAUSTED" {
		t.Errorf("RetryAfter %v code %q, want Gemini's RetryInfo 37.5s", e.RetryAfter, e.Code)
	}
	e = statusError(503, http.Header{"X-Should-Retry": {"false"}}, []byte(`{}`))
	if e.Retryable() || e.Class != Overloaded || e.Message != "{}" {
		t.Errorf("x-should-retry false: retryable %v class %s message %q", e.Retryable(), e.Class, e.Message)
	}
	e = statusError(502, nil, nil)
	if e.Message != "Bad Gateway" || e.Class != Server {
		t.Errorf("empty body: %+v", e)
	}
	// A numeric code inside a stream error event is its status (OpenRouter).
	if se := streamError([]byte(`{"error":{"code":502,"message":"Provider disconnected"}}`)); se.Class != Server {
		t.Errorf("stream error 502: %s", se.Class)
	}
	if se := streamError([]byte(`{"error":{"code":429,"message":"slow"}}`)); se.Class != RateLimit {
		t.Errorf("stream error 429: %s", se.Class)
	}
	if se := streamError([]byte(`{"weird":true}`)); se.Class != Server {
		t.Errorf("unclassifiable stream error: %s", se.Class)
	}
}
