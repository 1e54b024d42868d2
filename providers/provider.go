package providers

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// Provider answers one model turn.
type Provider interface {
	// Complete sends req to the model and returns its answer. While the
	// answer streams in, each piece of assistant text is passed to onText
	// (which may be nil) as it arrives; the returned Response holds the
	// whole message. Failures are *Error values (use errors.As), except for
	// ctx's own cancellation or deadline, which wrap ctx.Err().
	Complete(ctx context.Context, req chat.Request, onText func(delta string)) (*chat.Response, error)
}

// The defaults New applies to zero Config fields.
const (
	// DefaultMaxTokens is the output cap, in tokens, of a request that sets none.
	DefaultMaxTokens = 8192
	// DefaultMaxRetries is the number of retries after a retryable failure.
	DefaultMaxRetries = 1
	// DefaultRetryBackoff is the base delay before the first retry.
	DefaultRetryBackoff = 500 * time.Millisecond
	// DefaultMaxRetryAfter is the longest Retry-After wait honoured.
	DefaultMaxRetryAfter = 30 * time.Second
	// DefaultTimeout bounds one attempt, from connecting to the end of the stream.
	DefaultTimeout = 10 * time.Minute
	// DefaultMaxResponseBytes caps one response body: 32 MiB.
	DefaultMaxResponseBytes = 32 << 20
	// DefaultIdleTimeout fails an attempt during which no byte arrived
	// for this long, from the request to the end of the response.
	DefaultIdleTimeout = 120 * time.Second
)

// Config selects and tunes a provider. Only Name is required, plus APIKey
// for providers that need one (see ResolveKey).
type Config struct {
	// Name is the provider: anthropic, openai, groq, cerebras, mistral, xai,
	// ollama, openrouter or gemini (see Names).
	Name string
	// APIKey authenticates every call. It is sent only to BaseURL and never
	// appears in errors, cassettes or logs.
	APIKey string
	// BaseURL overrides the provider's API root (see ResolveBaseURL); an
	// http or https URL.
	BaseURL string
	// HTTPClient carries the calls; nil means a new http.Client, whose
	// default transport honours the standard proxy variables (HTTPS_PROXY,
	// NO_PROXY).
	HTTPClient *http.Client
	// NoStream asks for whole responses instead of the default server-sent
	// event streams; onText then receives the full text once.
	NoStream bool
	// MaxTokens caps the output of a request that sets no MaxTokens of its
	// own. 0 means DefaultMaxTokens.
	MaxTokens int
	// MaxRetries is how many times a call failing with a rate limit, server
	// or network error is retried. 0 means DefaultMaxRetries; negative
	// means no retries. A stream that already delivered text is never
	// retried.
	MaxRetries int
	// RetryBackoff is the base delay before a retry, doubled per retry and
	// jittered. 0 means DefaultRetryBackoff.
	RetryBackoff time.Duration
	// MaxRetryAfter is the longest Retry-After wait honoured; a provider
	// asking for longer gets its error returned at once. 0 means
	// DefaultMaxRetryAfter.
	MaxRetryAfter time.Duration
	// Timeout bounds one attempt, streaming included. 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxResponseBytes caps the size of one response body, stream
	// included; a larger one fails with KindBadResponse. 0 means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// IdleTimeout fails an attempt as a KindNetwork error (retryable) when
	// no byte of the response arrives for this long: a provider that sends
	// headers, an event or keep-alive comments and then nothing would
	// otherwise hold the run (and its session lock) for Timeout. It counts
	// from the request, so a whole (NoStream) answer that takes longer to
	// start needs a larger value. 0 means DefaultIdleTimeout.
	IdleTimeout time.Duration
}

// adapter speaks one wire protocol. complete makes a single attempt,
// reporting its HTTP traffic to ex.
type adapter interface {
	complete(ctx context.Context, req chat.Request, onText func(string), ex *exchange) (*chat.Response, error)
}

// client is the Provider New returns: an adapter plus defaults and retries.
type client struct {
	name      string
	key       string
	host      string
	model     string
	maxTokens int
	timeout   time.Duration
	idle      time.Duration
	maxBody   int64
	retry     retryPolicy
	proto     adapter
}

// New returns the Provider cfg describes, safe for concurrent use. It fails
// for an unknown name, a missing key (except for ollama) or an unusable
// BaseURL. The SDK clients it builds read no environment variables: every
// setting comes from cfg.
func New(cfg Config) (Provider, error) {
	p, err := lookup(cfg.Name)
	if err != nil {
		return nil, err
	}
	if cfg.APIKey == "" && p.keyEnv != "" {
		return nil, fmt.Errorf("%s: no API key: set %s or pass an explicit key", cfg.Name, p.keyEnv)
	}
	base := cfg.BaseURL
	if base == "" {
		base = p.baseURL
	}
	u, err := url.Parse(base)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("%s: base URL %q is not an http or https URL", cfg.Name, base)
	}
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	hc := cfg.HTTPClient
	if hc == nil {
		hc = &http.Client{}
	}
	c := &client{
		name:      cfg.Name,
		key:       cfg.APIKey,
		host:      u.Host,
		model:     p.model,
		maxTokens: cmp.Or(cfg.MaxTokens, DefaultMaxTokens),
		timeout:   cmp.Or(cfg.Timeout, DefaultTimeout),
		idle:      cmp.Or(cfg.IdleTimeout, DefaultIdleTimeout),
		maxBody:   cmp.Or(cfg.MaxResponseBytes, DefaultMaxResponseBytes),
		retry: retryPolicy{
			maxRetries:    max(cmp.Or(cfg.MaxRetries, DefaultMaxRetries), 0),
			backoff:       cmp.Or(cfg.RetryBackoff, DefaultRetryBackoff),
			maxRetryAfter: cmp.Or(cfg.MaxRetryAfter, DefaultMaxRetryAfter),
		},
	}
	stream := !cfg.NoStream
	switch p.protocol {
	case protocolAnthropic:
		c.proto = newAnthropic(cfg.APIKey, base, hc, stream)
	case protocolOpenAI:
		c.proto = newOpenAI(cfg.APIKey, base, hc, stream, p.maxCompletionTokens)
	}
	return c, nil
}

// Complete implements Provider: it fills in the default model and token
// cap, then makes attempts until one succeeds, the error is not retryable,
// retries run out, or text has already been streamed to onText.
func (c *client) Complete(ctx context.Context, req chat.Request, onText func(string)) (*chat.Response, error) {
	if req.Model == "" {
		req.Model = c.model
	}
	if req.MaxTokens <= 0 {
		req.MaxTokens = c.maxTokens
	}
	for retry := 0; ; retry++ {
		streamed := false
		emit := func(delta string) {
			streamed = true
			if onText != nil {
				onText(delta)
			}
		}
		resp, err := c.attempt(ctx, req, emit)
		if err == nil {
			return resp, nil
		}
		if ctx.Err() != nil {
			return nil, fmt.Errorf("%s: %w", c.name, ctx.Err())
		}
		var pe *Error
		if !errors.As(err, &pe) {
			return nil, err
		}
		wait, ok := c.retry.delay(retry, pe)
		if !ok || streamed {
			return nil, pe
		}
		if err := sleep(ctx, wait); err != nil {
			return nil, fmt.Errorf("%s: %w", c.name, err)
		}
	}
}

// attempt makes one call under the per-attempt timeout and returns either
// the response or an *Error naming this provider with the key redacted.
func (c *client) attempt(ctx context.Context, req chat.Request, onText func(string)) (*chat.Response, error) {
	actx, cancel := context.WithTimeout(ctx, c.timeout)
	defer cancel()
	ex := newExchange(actx, c.maxBody, c.idle)
	defer ex.stop()
	resp, err := c.proto.complete(ex.ctx, req, onText, ex)
	if err == nil {
		return resp, nil
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	pe := ex.failure(err, actx, c.host, c.timeout)
	pe.Provider = c.name
	pe.Message = redact(pe.Message, c.key)
	return nil, pe
}

// redact replaces every occurrence of key in s; providers sometimes echo
// the key they were sent.
func redact(s, key string) string {
	if key == "" {
		return s
	}
	return strings.ReplaceAll(s, key, "[redacted]")
}
