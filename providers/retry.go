package providers

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// retryPolicy decides whether and when a failed attempt is tried again.
type retryPolicy struct {
	// maxRetries is how many retries follow the first attempt.
	maxRetries int
	// backoff is the base delay; the cap doubles per retry.
	backoff time.Duration
	// maxDelay is the longest single wait; a provider asking for longer
	// gets no retry (a fallback or the caller decides instead).
	maxDelay time.Duration
}

// delay returns how long to wait before retry number retry (0 for the
// first) after err, and false when err must not be retried: the class is
// not retryable, retries are used up, the provider asked for a wait longer
// than maxDelay, or the wait would outlast ctx's deadline.
//
// Without a wait from the provider the delay is "full jitter" (uniform in
// [0, min(maxDelay, backoff·2^retry)); Brooker, "Exponential Backoff And
// Jitter", AWS Architecture Blog, 2015), which spreads the retries of many
// runs hit by the same failure. A wait from the provider (err.RetryAfter)
// is honoured as asked.
func (p retryPolicy) delay(ctx context.Context, retry int, err *Error) (time.Duration, bool) {
	if retry >= p.maxRetries || !err.Retryable() {
		return 0, false
	}
	var d time.Duration
	if err.RetryAfter > 0 {
		if err.RetryAfter > p.maxDelay {
			return 0, false
		}
		d = err.RetryAfter
	} else {
		ceiling := doubled(p.backoff, retry, p.maxDelay)
		if ceiling > 0 {
			d = rand.N(ceiling)
		}
	}
	if deadline, ok := ctx.Deadline(); ok && time.Until(deadline) <= d {
		return 0, false
	}
	return d, true
}

// doubled returns base doubled n times, capped at limit without overflow.
func doubled(base time.Duration, n int, limit time.Duration) time.Duration {
	for range n {
		if base >= limit/2 {
			return limit
		}
		base *= 2
	}
	return min(base, limit)
}

// sleep waits for d or until ctx is done, returning ctx's error then.
func sleep(ctx context.Context, d time.Duration) error {
	if d <= 0 {
		return ctx.Err()
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryAfter reads the wait a provider asks for in the headers of an error
// response, as of now, or 0 when there is none. In order of precedence:
//
//   - retry-after-ms: milliseconds (Anthropic, OpenAI);
//   - Retry-After: seconds or an HTTP date (RFC 9110 section 10.2.3);
//   - the reset of an exhausted rate limit: Anthropic's
//     anthropic-ratelimit-{requests,tokens,input-tokens,output-tokens}-reset
//     (RFC 3339 times) and OpenAI's x-ratelimit-reset-{requests,tokens}
//     (durations such as "1s", "6m0s", "20ms"; Groq, Cerebras and
//     OpenRouter send the same). The latest reset among the limits whose
//     remaining count is 0 is taken; when no remaining count says 0, the
//     earliest reset given.
func retryAfter(h http.Header, now time.Time) time.Duration {
	if h == nil {
		return 0
	}
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	if v := strings.TrimSpace(h.Get("Retry-After")); v != "" {
		if s, err := strconv.ParseFloat(v, 64); err == nil {
			return max(time.Duration(s*float64(time.Second)), 0)
		}
		if t, err := http.ParseTime(v); err == nil {
			return max(t.Sub(now), 0)
		}
	}
	return resetWait(h, now)
}

// rateLimits names each limit's remaining-count and reset headers.
var rateLimits = []struct{ remaining, reset string }{
	{"Anthropic-Ratelimit-Requests-Remaining", "Anthropic-Ratelimit-Requests-Reset"},
	{"Anthropic-Ratelimit-Tokens-Remaining", "Anthropic-Ratelimit-Tokens-Reset"},
	{"Anthropic-Ratelimit-Input-Tokens-Remaining", "Anthropic-Ratelimit-Input-Tokens-Reset"},
	{"Anthropic-Ratelimit-Output-Tokens-Remaining", "Anthropic-Ratelimit-Output-Tokens-Reset"},
	{"X-Ratelimit-Remaining-Requests", "X-Ratelimit-Reset-Requests"},
	{"X-Ratelimit-Remaining-Tokens", "X-Ratelimit-Reset-Tokens"},
}

// resetWait implements the rate-limit reset rule of retryAfter.
func resetWait(h http.Header, now time.Time) time.Duration {
	var exhausted, earliest time.Duration
	for _, l := range rateLimits {
		v := h.Get(l.reset)
		if v == "" {
			continue
		}
		d, ok := parseReset(v, now)
		if !ok {
			continue
		}
		if strings.TrimSpace(h.Get(l.remaining)) == "0" {
			exhausted = max(exhausted, d)
		} else if earliest == 0 || d < earliest {
			earliest = d
		}
	}
	if exhausted > 0 {
		return exhausted
	}
	return earliest
}

// parseReset reads a reset header: an RFC 3339 time or a Go-style
// duration, returning a positive wait.
func parseReset(v string, now time.Time) (time.Duration, bool) {
	v = strings.TrimSpace(v)
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		d := t.Sub(now)
		return d, d > 0
	}
	if d, err := time.ParseDuration(v); err == nil {
		return d, d > 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil && s > 0 {
		return time.Duration(s * float64(time.Second)), true
	}
	return 0, false
}
