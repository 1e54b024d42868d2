package embedding

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"
)

// Kind says what a text will be used for. Some models embed queries and
// documents differently (Gemini task types, Voyage input types, Nomic task
// prefixes); the others ignore it.
type Kind int

// The kinds of text.
const (
	Document Kind = iota // a text to be stored and found
	Query                // a search query
)

// String returns "document" or "query".
func (k Kind) String() string {
	if k == Query {
		return "query"
	}
	return "document"
}

// Embedder turns texts into vectors.
type Embedder interface {
	// Model names the vector space: "<provider>/<model>", plus "@<dims>"
	// when Config.Dimensions was set. Vectors from embedders with different
	// Model values are never compared.
	Model() string
	// Embed returns one vector per text, in the order of texts, all of the
	// same length. It sends at most MaxBatch texts per request.
	Embed(ctx context.Context, texts []string, kind Kind) ([][]float32, error)
	// MaxBatch is the most texts one request may carry.
	MaxBatch() int
}

// The provider names Config.Provider accepts.
const (
	OpenAI  = "openai"
	Gemini  = "gemini"
	Voyage  = "voyage"
	Mistral = "mistral"
	Ollama  = "ollama"
)

// Providers lists the supported provider names.
func Providers() []string { return []string{OpenAI, Gemini, Voyage, Mistral, Ollama} }

// Default limits; see Config.
const (
	DefaultTimeout          = 60 * time.Second
	DefaultMaxRetries       = 4
	DefaultRetryBase        = 500 * time.Millisecond
	DefaultRetryMax         = 20 * time.Second
	DefaultMaxResponseBytes = 64 << 20
)

// Config selects and configures a provider. Zero fields take the provider's
// defaults (see the package documentation) or the Default* limits.
type Config struct {
	Provider string // one of Providers()
	Model    string // default: the provider's default model
	APIKey   string // required by all providers but ollama
	// BaseURL overrides the provider's API base, e.g.
	// "https://api.openai.com/v1". Only http and https are accepted.
	BaseURL string
	// Trusted says the operator configured BaseURL (a flag or an environment
	// variable, not a tenant's setting): connections to loopback, private
	// and link-local addresses are then allowed.
	Trusted bool
	// Dimensions asks openai, gemini and voyage for shorter vectors
	// (Matryoshka truncation); 0 keeps the model's default. It becomes part
	// of Model().
	Dimensions int

	Timeout          time.Duration // per HTTP attempt
	MaxRetries       int           // retries after the first attempt; negative means none
	RetryBase        time.Duration // first backoff ceiling
	RetryMax         time.Duration // largest backoff ceiling
	MaxResponseBytes int64         // largest response body read
	MaxBatch         int           // texts per request; default and cap per provider

	// Resolver and Dial replace DNS resolution and dialing, for tests; nil
	// means the net package's.
	Resolver Resolver
	Dial     DialFunc // see Resolver
}

// provider holds what differs between providers.
type provider struct {
	baseURL  string
	model    string
	maxBatch int
	needsKey bool
	// build returns the request path (relative to the base URL), the
	// request body and the headers for one batch.
	build func(c *client, texts []string, kind Kind) (path string, body any, header map[string]string)
	// parse decodes a response body into vectors.
	parse func(body []byte) ([][]float32, error)
}

var providers = map[string]provider{
	OpenAI:  openAIProvider(),
	Mistral: mistralProvider(),
	Voyage:  voyageProvider(),
	Gemini:  geminiProvider(),
	Ollama:  ollamaProvider(),
}

// ErrConfig marks an invalid Config.
var ErrConfig = errors.New("invalid embedding configuration")

// New returns the Embedder cfg describes. It fails with an error wrapping
// ErrConfig for an unknown provider, a missing key, a malformed base URL or a
// negative dimension.
func New(cfg Config) (Embedder, error) {
	p, ok := providers[cfg.Provider]
	if !ok {
		return nil, fmt.Errorf("%w: unknown provider %q (want one of %s)", ErrConfig, cfg.Provider, strings.Join(Providers(), ", "))
	}
	if p.needsKey && cfg.APIKey == "" {
		return nil, fmt.Errorf("%w: provider %s needs an API key", ErrConfig, cfg.Provider)
	}
	if cfg.Dimensions < 0 {
		return nil, fmt.Errorf("%w: negative dimensions %d", ErrConfig, cfg.Dimensions)
	}
	trusted := cfg.Trusted
	if cfg.BaseURL == "" {
		cfg.BaseURL = p.baseURL
		// The only private default is Ollama's localhost, which the operator
		// chose by choosing the provider.
		trusted = cfg.Provider == Ollama
	}
	base, err := url.Parse(strings.TrimRight(cfg.BaseURL, "/"))
	if err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "" {
		return nil, fmt.Errorf("%w: base URL %q: want http(s)://host[/path]", ErrConfig, cfg.BaseURL)
	}
	if cfg.Model == "" {
		cfg.Model = p.model
	}
	maxBatch := p.maxBatch
	if cfg.MaxBatch > 0 && cfg.MaxBatch < maxBatch {
		maxBatch = cfg.MaxBatch
	}
	c := &client{
		cfg:      cfg,
		p:        p,
		base:     base,
		maxBatch: maxBatch,
		http:     newHTTPClient(&Guard{AllowPrivate: trusted, Resolver: cfg.Resolver, Dial: cfg.Dial}),
	}
	c.applyDefaults()
	return c, nil
}

// client is the Embedder for every provider.
type client struct {
	cfg      Config
	p        provider
	base     *url.URL
	maxBatch int
	http     httpDoer
}

func (c *client) applyDefaults() {
	if c.cfg.Timeout <= 0 {
		c.cfg.Timeout = DefaultTimeout
	}
	if c.cfg.MaxRetries == 0 {
		c.cfg.MaxRetries = DefaultMaxRetries
	}
	if c.cfg.MaxRetries < 0 {
		c.cfg.MaxRetries = 0
	}
	if c.cfg.RetryBase <= 0 {
		c.cfg.RetryBase = DefaultRetryBase
	}
	if c.cfg.RetryMax <= 0 {
		c.cfg.RetryMax = DefaultRetryMax
	}
	if c.cfg.MaxResponseBytes <= 0 {
		c.cfg.MaxResponseBytes = DefaultMaxResponseBytes
	}
}

// Model implements Embedder.
func (c *client) Model() string {
	m := c.cfg.Provider + "/" + c.cfg.Model
	if c.cfg.Dimensions > 0 {
		m += fmt.Sprintf("@%d", c.cfg.Dimensions)
	}
	return m
}

// MaxBatch implements Embedder.
func (c *client) MaxBatch() int { return c.maxBatch }

// Embed implements Embedder. Errors: a *StatusError for a non-2xx answer
// after the retries, an error wrapping ErrForbiddenAddress when the guard
// refused the address, ErrBadResponse when the answer does not hold one
// vector per text of one common, non-zero length.
func (c *client) Embed(ctx context.Context, texts []string, kind Kind) ([][]float32, error) {
	out := make([][]float32, 0, len(texts))
	for start := 0; start < len(texts); start += c.maxBatch {
		batch := texts[start:min(start+c.maxBatch, len(texts))]
		path, body, header := c.p.build(c, batch, kind)
		raw, err := c.post(ctx, path, body, header)
		if err != nil {
			return nil, fmt.Errorf("%s embeddings: %w", c.cfg.Provider, err)
		}
		vecs, err := c.p.parse(raw)
		if err != nil {
			return nil, fmt.Errorf("%s embeddings: %w: %w", c.cfg.Provider, ErrBadResponse, err)
		}
		if err := checkVectors(vecs, len(batch)); err != nil {
			return nil, fmt.Errorf("%s embeddings: %w", c.cfg.Provider, err)
		}
		out = append(out, vecs...)
	}
	if len(out) > 0 {
		for _, v := range out[1:] {
			if len(v) != len(out[0]) {
				return nil, fmt.Errorf("%s embeddings: %w: vectors of %d and %d dimensions", c.cfg.Provider, ErrBadResponse, len(out[0]), len(v))
			}
		}
	}
	return out, nil
}

// ErrBadResponse marks a provider answer that is not the expected vectors.
var ErrBadResponse = errors.New("unexpected embedding response")

// checkVectors verifies that vecs holds n non-empty vectors of one length.
func checkVectors(vecs [][]float32, n int) error {
	if len(vecs) != n {
		return fmt.Errorf("%w: %d vectors for %d texts", ErrBadResponse, len(vecs), n)
	}
	for i, v := range vecs {
		if len(v) == 0 {
			return fmt.Errorf("%w: vector %d is empty", ErrBadResponse, i)
		}
		if len(v) != len(vecs[0]) {
			return fmt.Errorf("%w: vectors of %d and %d dimensions", ErrBadResponse, len(vecs[0]), len(v))
		}
	}
	return nil
}
