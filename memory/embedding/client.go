package embedding

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/clip"
)

// httpDoer sends one HTTP request; *http.Client satisfies it.
type httpDoer interface {
	Do(*http.Request) (*http.Response, error)
}

// errRedirect is returned for any redirect: embedding APIs answer directly,
// and following a redirect would let a server steer the request elsewhere.
var errRedirect = errors.New("redirects are not followed")

// newHTTPClient returns a client whose every connection goes through g,
// which ignores proxy variables and refuses redirects.
func newHTTPClient(g *Guard) *http.Client {
	return &http.Client{
		Transport: &http.Transport{
			Proxy:                 nil,
			DialContext:           g.DialContext,
			ForceAttemptHTTP2:     true,
			MaxIdleConns:          16,
			IdleConnTimeout:       90 * time.Second,
			TLSHandshakeTimeout:   10 * time.Second,
			ExpectContinueTimeout: time.Second,
		},
		CheckRedirect: func(*http.Request, []*http.Request) error { return errRedirect },
	}
}

// StatusError is a non-2xx answer from a provider.
type StatusError struct {
	Code       int           // HTTP status code
	Body       string        // the response body with the API key removed, clipped to 300 bytes
	RetryAfter time.Duration // from the Retry-After header; 0 when absent
}

// Error implements error.
func (e *StatusError) Error() string {
	return fmt.Sprintf("HTTP %d: %s", e.Code, e.Body)
}

// Temporary reports whether the request may succeed when retried: 429 and
// 5xx answers.
func (e *StatusError) Temporary() bool {
	return e.Code == http.StatusTooManyRequests || e.Code >= 500
}

// post sends body as JSON to path below the base URL and returns the response
// body, retrying temporary failures as the package documentation describes.
func (c *client) post(ctx context.Context, path string, body any, header map[string]string) ([]byte, error) {
	payload, err := json.Marshal(body)
	if err != nil {
		return nil, fmt.Errorf("encode request: %w", err)
	}
	url := c.base.String() + "/" + path
	for attempt := 0; ; attempt++ {
		out, err := c.once(ctx, url, payload, header)
		if err == nil {
			return out, nil
		}
		if attempt >= c.cfg.MaxRetries || !retryable(ctx, err) {
			return nil, err
		}
		t := time.NewTimer(c.backoff(attempt, err))
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, fmt.Errorf("%w (after: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// once sends one attempt, bounded by the per-attempt timeout.
func (c *client) once(ctx context.Context, url string, payload []byte, header map[string]string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, c.cfg.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(payload))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, c.cfg.MaxResponseBytes+1))
	if err != nil {
		return nil, fmt.Errorf("read response: %w", err)
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, &StatusError{
			Code:       resp.StatusCode,
			Body:       c.redact(data),
			RetryAfter: parseRetryAfter(resp.Header.Get("Retry-After"), time.Now()),
		}
	}
	if int64(len(data)) > c.cfg.MaxResponseBytes {
		return nil, fmt.Errorf("%w: response exceeds %d bytes", ErrBadResponse, c.cfg.MaxResponseBytes)
	}
	return data, nil
}

// maxErrorBody bounds the bytes of an error body kept in a StatusError.
const maxErrorBody = 300

// redact returns the start of an error body with the API key removed: it
// replaces the key first and clips the result to maxErrorBody bytes after,
// so that a key straddling the cut leaves no fragment behind.
func (c *client) redact(body []byte) string {
	s := string(body)
	if c.cfg.APIKey != "" {
		s = strings.ReplaceAll(s, c.cfg.APIKey, "[redacted]")
	}
	return strings.TrimSpace(clip.String(s, maxErrorBody))
}

// retryable reports whether err is worth another attempt: a temporary
// status, a per-attempt timeout, or a transport failure other than a refused
// address or redirect, while ctx is still live.
func retryable(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	var se *StatusError
	if errors.As(err, &se) {
		return se.Temporary()
	}
	return !errors.Is(err, ErrForbiddenAddress) && !errors.Is(err, errRedirect) && !errors.Is(err, ErrBadResponse)
}

// backoff returns the wait before retry attempt+1: a uniformly random
// duration up to min(RetryMax, RetryBase·2^attempt) ("full jitter"), but at
// least the server's Retry-After when it sent one, and never above RetryMax.
func (c *client) backoff(attempt int, err error) time.Duration {
	ceiling := c.cfg.RetryMax
	if attempt < 30 {
		ceiling = min(c.cfg.RetryMax, c.cfg.RetryBase<<attempt)
	}
	wait := time.Duration(rand.Int64N(int64(ceiling) + 1))
	var se *StatusError
	if errors.As(err, &se) && se.RetryAfter > wait {
		wait = min(se.RetryAfter, c.cfg.RetryMax)
	}
	return wait
}

// parseRetryAfter decodes a Retry-After header: delay-seconds or an
// HTTP-date (RFC 9110, section 10.2.3). It returns 0 when absent or invalid.
func parseRetryAfter(v string, now time.Time) time.Duration {
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}
