package providers

import (
	"context"
	"math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// retryPolicy decides whether and when a failed attempt is tried again.
type retryPolicy struct {
	// maxRetries is how many retries follow the first attempt.
	maxRetries int
	// backoff is the base delay before the first retry; it doubles per retry.
	backoff time.Duration
	// maxRetryAfter is the longest Retry-After wait honoured; a provider
	// asking for longer gets no retry.
	maxRetryAfter time.Duration
}

// delay returns how long to wait before retry number retry (0 for the first)
// after err, and false when err must not be retried. A Retry-After from the
// provider wins over the backoff when it is no longer than maxRetryAfter;
// otherwise the backoff is jittered over [d/2, d) with d = backoff·2^retry.
func (p retryPolicy) delay(retry int, err *Error) (time.Duration, bool) {
	if retry >= p.maxRetries || !err.Retryable() {
		return 0, false
	}
	if err.retryAfter > 0 {
		if err.retryAfter > p.maxRetryAfter {
			return 0, false
		}
		return err.retryAfter, true
	}
	d := p.backoff << retry
	if d <= 0 {
		return 0, true
	}
	half := d / 2
	return half + rand.N(d-half), true
}

// sleep waits for d or until ctx is done, returning ctx's error then.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}

// retryAfter reads the wait a provider asks for: the retry-after-ms header
// (milliseconds; sent by Anthropic and OpenAI) or Retry-After (seconds or an
// HTTP date, RFC 9110 section 10.2.3). It returns 0 when there is none.
func retryAfter(h http.Header) time.Duration {
	if h == nil {
		return 0
	}
	if v := h.Get("Retry-After-Ms"); v != "" {
		if ms, err := strconv.ParseFloat(v, 64); err == nil && ms > 0 {
			return time.Duration(ms * float64(time.Millisecond))
		}
	}
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.ParseFloat(v, 64); err == nil {
		if s <= 0 {
			return 0
		}
		return time.Duration(s * float64(time.Second))
	}
	if t, err := http.ParseTime(v); err == nil {
		return time.Until(t)
	}
	return 0
}
