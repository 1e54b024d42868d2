package providers

import (
	"cmp"
	"context"
	"crypto/sha256"
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
	DefaultMaxRetries = 2
	// DefaultRetryBackoff is the base of the exponential backoff.
	DefaultRetryBackoff = 500 * time.Millisecond
	// DefaultMaxRetryDelay is the longest single wait before a retry or for
	// a cooldown; a provider asking for longer gets its error returned.
	DefaultMaxRetryDelay = 30 * time.Second
	// DefaultTimeout bounds one attempt, from connecting to the end of the stream.
	DefaultTimeout = 10 * time.Minute
	// DefaultMaxResponseBytes caps one response body: 32 MiB.
	DefaultMaxResponseBytes = 32 << 20
	// DefaultIdleTimeout fails an attempt during which no byte arrived
	// for this long, from the request to the end of the response.
	DefaultIdleTimeout = 120 * time.Second
)

// Config selects and tunes a provider. Only Name is required, plus a key
// for providers that need one (see ResolveKeys).
type Config struct {
	// Name is the provider: anthropic, openai, groq, cerebras, mistral, xai,
	// ollama, openrouter, gemini or gemini-native (see Names).
	Name string
	// APIKey authenticates every call. It is sent only to BaseURL and never
	// appears in errors, cassettes or logs.
	APIKey string
	// APIKeys is a pool of keys tried in order: a key that hits a rate
	// limit or is rejected rests while the next one is used, and a key
	// that is revoked or out of credit is dropped for the life of the
	// process (see Health). APIKey, when set, comes first.
	APIKeys []string
	// BaseURL overrides the provider's API root (see ResolveBaseURL); an
	// http or https URL.
	BaseURL string
	// HTTPClient carries the calls; nil means a new http.Client, whose
	// default transport honours the standard proxy variables (HTTPS_PROXY,
	// NO_PROXY).
	HTTPClient *http.Client
	// Health is the cooldown and key state shared by every Provider of a
	// platform; nil means a private one.
	Health *Health
	// NoStream asks for whole responses instead of the default server-sent
	// event streams; onText then receives the full text once.
	NoStream bool
	// NoPromptCache turns off Anthropic cache_control breakpoints (see
	// the package documentation).
	NoPromptCache bool
	// MaxTokens caps the output of a request that sets no MaxTokens of its
	// own. 0 means DefaultMaxTokens.
	MaxTokens int
	// MaxRetries is how many times a call failing with a retryable class
	// is retried. 0 means DefaultMaxRetries; negative means no retries.
	MaxRetries int
	// RetryBackoff is the base of the jittered exponential backoff. 0
	// means DefaultRetryBackoff.
	RetryBackoff time.Duration
	// MaxRetryDelay is the longest wait honoured before a retry or for a
	// cooldown to end. 0 means DefaultMaxRetryDelay.
	MaxRetryDelay time.Duration
	// Timeout bounds one attempt, streaming included. 0 means
	// DefaultTimeout.
	Timeout time.Duration
	// MaxResponseBytes caps the size of one response body, stream
	// included; a larger one fails with class unknown. 0 means
	// DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// IdleTimeout fails an attempt as a Network error (retryable) when
	// no byte of the response arrives for this long: a provider that sends
	// headers, an event or keep-alive comments and then nothing would
	// otherwise hold the run (and its session lock) for Timeout. It counts
	// from the request, so a whole (NoStream) answer that takes longer to
	// start needs a larger value. 0 means DefaultIdleTimeout.
	IdleTimeout time.Duration
}

// adapter speaks one wire protocol. complete makes a single attempt with
// key ("" for none), reporting its HTTP traffic to ex.
type adapter interface {
	complete(ctx context.Context, req chat.Request, key string, onText func(string), ex *exchange) (*chat.Response, error)
}

// poolKey is one key of a client's pool.
type poolKey struct {
	value string
	ref   keyRef
	fp    string
}

// client is the Provider New returns: an adapter plus defaults, a key
// pool, cooldowns and retries.
type client struct {
	name      string
	keys      []poolKey
	secrets   []string // the key values, for redaction
	health    *Health
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
	secrets := dedupe(append([]string{cfg.APIKey}, cfg.APIKeys...))
	if len(secrets) == 0 && p.keyEnv != "" {
		return nil, fmt.Errorf("%s: no API key: set %s or pass an explicit key", cfg.Name, p.keyEnv)
	}
	base := cmp.Or(cfg.BaseURL, p.baseURL)
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
	health := cfg.Health
	if health == nil {
		health = NewHealth(HealthConfig{})
	}
	c := &client{
		name:      cfg.Name,
		secrets:   secrets,
		health:    health,
		host:      u.Host,
		model:     p.model,
		maxTokens: cmp.Or(cfg.MaxTokens, DefaultMaxTokens),
		timeout:   cmp.Or(cfg.Timeout, DefaultTimeout),
		idle:      cmp.Or(cfg.IdleTimeout, DefaultIdleTimeout),
		maxBody:   cmp.Or(cfg.MaxResponseBytes, DefaultMaxResponseBytes),
		retry: retryPolicy{
			maxRetries: max(cmp.Or(cfg.MaxRetries, DefaultMaxRetries), 0),
			backoff:    cmp.Or(cfg.RetryBackoff, DefaultRetryBackoff),
			maxDelay:   cmp.Or(cfg.MaxRetryDelay, DefaultMaxRetryDelay),
		},
	}
	if len(secrets) == 0 {
		secrets = []string{""}
	}
	for _, k := range secrets {
		c.keys = append(c.keys, poolKey{value: k, ref: keyRef{cfg.Name, sha256.Sum256([]byte(k))}, fp: Fingerprint(k)})
	}
	stream := !cfg.NoStream
	switch p.protocol {
	case protocolAnthropic:
		c.proto = newAnthropic(base, hc, stream, !cfg.NoPromptCache)
	case protocolOpenAI:
		c.proto = newOpenAI(base, hc, stream, p.maxCompletionTokens)
	case protocolGemini:
		c.proto = newGemini(base, hc, stream)
	}
	return c, nil
}
