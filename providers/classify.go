package providers

import (
	"net/http"
	"strings"
	"time"
)

// billingCodes are the error codes that always mean billing.
var billingCodes = []string{"insufficient_quota", "billing_error", "billing_not_active", "payment_required",
	"enforced_spend_limit_reached", "credit_balance_exhausted", "organization_spend_limit_exceeded",
	"project_spend_limit_exceeded", "organization_usage_limit_exceeded", "insufficient_credits"}

// quotaResets turns a billing class found by message alone on a 429 that
// says when to retry into a rate limit: Gemini's free-tier quotas say
// "exceeded your current quota" but reset within the delay they give.
func quotaResets(c Class, status int, codes []string, retryAfter time.Duration) Class {
	if c != Billing || status != http.StatusTooManyRequests || retryAfter <= 0 {
		return c
	}
	for _, code := range codes {
		for _, b := range billingCodes {
			if strings.EqualFold(code, b) {
				return c
			}
		}
	}
	return RateLimit
}

// classify maps a failure to a Class from its HTTP status (0 when there was
// none), the provider's error types and codes, and its message. Patterns
// that ride on a misleading status win over the status: a context overflow
// or an exhausted credit balance sent as 400, a spend limit sent as 429, an
// invalid key sent as 400 (Gemini, xAI). Sources of the shapes:
//
//   - Anthropic https://docs.anthropic.com/en/api/errors
//   - OpenAI https://platform.openai.com/docs/guides/error-codes
//   - Gemini https://ai.google.dev/gemini-api/docs/troubleshooting
//   - Groq https://console.groq.com/docs/errors
//   - Mistral https://docs.mistral.ai/resources/error-glossary
//   - OpenRouter https://openrouter.ai/docs/api-reference/errors
//   - xAI and Ollama: the bodies their APIs send (see the tests).
func classify(status int, codes []string, message string) Class {
	msg := strings.ToLower(message)
	code := func(names ...string) bool {
		for _, c := range codes {
			for _, n := range names {
				if strings.EqualFold(c, n) {
					return true
				}
			}
		}
		return false
	}
	says := func(phrases ...string) bool {
		for _, p := range phrases {
			if strings.Contains(msg, p) {
				return true
			}
		}
		return false
	}
	authish := status == http.StatusUnauthorized || status == http.StatusForbidden ||
		code("authentication_error", "permission_error", "permission_denied", "unauthenticated",
			"invalid_api_key", "api_key_invalid", "invalid_authentication") ||
		says("api key", "api_key", "x-api-key", "account", "organization", "organisation")
	switch {
	case code("context_length_exceeded", "request_too_large", "string_above_max_length") ||
		status == http.StatusRequestEntityTooLarge ||
		says("prompt is too long", "maximum context length", "context length", "context window",
			"context limit", "maximum prompt length", "exceeds the maximum number of tokens",
			"input token count", "reduce the length of the messages", "too many tokens in the prompt"):
		return ContextOverflow
	case status == http.StatusPaymentRequired || code(billingCodes...) ||
		says("credit balance", "insufficient credits", "insufficient balance", "exceeded your current quota",
			"used all available credits", "doesn't have any credits", "spending limit", "spend limit",
			"billing", "prepayment", "purchase more credits", "add more credits"):
		return Billing
	case authish && (code("account_deactivated", "organization_restricted", "api_key_expired", "key_revoked") ||
		says("revoked", "deactivated", "disabled", "suspended", "expired", "has been restricted", "banned")):
		return AuthPermanent
	case code("invalid_api_key", "api_key_invalid", "authentication_error", "unauthenticated", "invalid_authentication") ||
		says("api key not valid", "invalid api key", "incorrect api key", "invalid x-api-key", "invalid authentication",
			"no api key", "missing api key", "api key is missing"):
		return Auth
	case code("model_not_found", "unknown_model", "invalid_model") ||
		(status == http.StatusNotFound || code("not_found_error", "not_found")) && says("model") ||
		(status == 0 || status == http.StatusBadRequest || status == http.StatusUnprocessableEntity) && says("model") &&
			says("not found", "does not exist", "not a valid model", "invalid model", "unknown model",
				"is not supported for", "no such model", "try pulling it"):
		return ModelNotFound
	case code("overloaded_error", "unavailable", "service_unavailable", "capacity_exceeded", "overloaded") ||
		status == 529 || status == http.StatusServiceUnavailable || status == 498 ||
		says("overloaded", "over capacity", "no available model provider"):
		return Overloaded
	case status == http.StatusTooManyRequests ||
		code("rate_limit_error", "rate_limit_exceeded", "resource_exhausted", "too_many_requests", "requests", "tokens") ||
		says("rate limit"):
		return RateLimit
	case status == http.StatusRequestTimeout || status == http.StatusGatewayTimeout || status == 524 ||
		code("timeout_error", "deadline_exceeded", "timeout") ||
		(status == 0 || status >= 500) && says("timed out", "timeout"):
		return Timeout
	case status == http.StatusUnauthorized || status == http.StatusForbidden ||
		code("permission_error", "permission_denied"):
		return Auth
	case status >= 500 || code("api_error", "server_error", "internal", "internal_error", "internal_server_error"):
		return Server
	case status == http.StatusNotFound:
		return Unknown // an endpoint that is not there: a wrong base URL
	case status >= 400 || code("invalid_request_error", "invalid_argument", "invalid_request",
		"failed_precondition", "validation_error", "bad_request"):
		return BadRequest
	}
	return Unknown
}
