package embedding

import (
	"fmt"
	"strings"
)

// envNames lists, per provider, the variables holding the API key (first
// set wins) and the base URL.
var envNames = map[string]struct {
	keys []string
	base string
}{
	OpenAI:  {[]string{"OPENAI_API_KEY"}, "OPENAI_BASE_URL"},
	Gemini:  {[]string{"GEMINI_API_KEY", "GOOGLE_API_KEY"}, "GOOGLE_GEMINI_BASE_URL"},
	Voyage:  {[]string{"VOYAGE_API_KEY"}, "VOYAGE_BASE_URL"},
	Mistral: {[]string{"MISTRAL_API_KEY"}, "MISTRAL_BASE_URL"},
	Ollama:  {nil, "OLLAMA_HOST"},
}

// FromEnv returns the Config for provider and model (empty: the provider's
// default) with the key and base URL read through getenv (os.Getenv in
// production). An unknown provider is an error wrapping ErrConfig; a missing
// key is reported by New.
//
// # Notes
//
//   - The variables: OPENAI_API_KEY and OPENAI_BASE_URL; GEMINI_API_KEY
//     (else GOOGLE_API_KEY) and GOOGLE_GEMINI_BASE_URL; VOYAGE_API_KEY and
//     VOYAGE_BASE_URL; MISTRAL_API_KEY and MISTRAL_BASE_URL; OLLAMA_HOST,
//     which may omit the scheme ("127.0.0.1:11434") as Ollama's own client
//     allows.
//   - A base URL from the environment is the operator's, so the Config is
//     Trusted.
func FromEnv(provider, model string, getenv func(string) string) (Config, error) {
	names, ok := envNames[provider]
	if !ok {
		return Config{}, fmt.Errorf("%w: unknown provider %q (want one of %s)", ErrConfig, provider, strings.Join(Providers(), ", "))
	}
	cfg := Config{Provider: provider, Model: model}
	for _, k := range names.keys {
		if v := getenv(k); v != "" {
			cfg.APIKey = v
			break
		}
	}
	if v := getenv(names.base); v != "" {
		if provider == Ollama {
			v = ollamaHostURL(v)
		}
		cfg.BaseURL, cfg.Trusted = v, true
	}
	return cfg, nil
}

// ollamaHostURL turns an OLLAMA_HOST value into a base URL: it adds http://
// when no scheme is given and replaces the wildcard bind address 0.0.0.0,
// which servers listen on, by 127.0.0.1.
func ollamaHostURL(v string) string {
	if !strings.Contains(v, "://") {
		v = "http://" + v
	}
	return strings.Replace(v, "://0.0.0.0", "://127.0.0.1", 1)
}
