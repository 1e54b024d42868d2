package providers

import (
	"fmt"
	"strings"
)

// ResolveKey returns the API key for the named provider: explicit when it is
// not empty, else the value of the provider's usual environment variable read
// through getenv (ANTHROPIC_API_KEY, OPENAI_API_KEY, GROQ_API_KEY,
// CEREBRAS_API_KEY, MISTRAL_API_KEY, XAI_API_KEY, OPENROUTER_API_KEY,
// GEMINI_API_KEY). Ollama needs no key and resolves to explicit, possibly
// empty, without error.
//
// It fails for an unknown provider, and when no key is found, with an error
// naming the variable to set. The key itself never appears in an error.
func ResolveKey(name, explicit string, getenv func(string) string) (string, error) {
	keys, err := ResolveKeys(name, []string{explicit}, getenv)
	if err != nil || len(keys) == 0 {
		return "", err
	}
	return keys[0], nil
}

// ResolveKeys returns the API keys of the named provider's pool, in the
// order they are tried: the non-empty explicit keys when there are any
// (for example --api-key given several times), else the comma-separated
// list in <VAR>S (ANTHROPIC_API_KEYS, OPENAI_API_KEYS, …) followed by the
// single key in <VAR> (ANTHROPIC_API_KEY, …), read through getenv.
// Duplicates and surrounding spaces are removed. Ollama needs no key and
// resolves to the explicit keys, possibly none, without error.
//
// It fails for an unknown provider and when no key is found, with an error
// naming the variables to set; no key appears in an error.
func ResolveKeys(name string, explicit []string, getenv func(string) string) ([]string, error) {
	p, err := lookup(name)
	if err != nil {
		return nil, err
	}
	keys := dedupe(explicit)
	if len(keys) > 0 || p.keyEnv == "" {
		return keys, nil
	}
	keys = dedupe(append(strings.Split(getenv(p.keyEnv+"S"), ","), getenv(p.keyEnv)))
	if len(keys) == 0 {
		return nil, fmt.Errorf("%s: no API key: set %s (or %sS=key1,key2) or pass an explicit key", name, p.keyEnv, p.keyEnv)
	}
	return keys, nil
}

// dedupe returns the non-empty trimmed values of keys, first occurrence
// first.
func dedupe(keys []string) []string {
	var out []string
	seen := map[string]bool{}
	for _, k := range keys {
		k = strings.TrimSpace(k)
		if k != "" && !seen[k] {
			seen[k] = true
			out = append(out, k)
		}
	}
	return out
}

// ResolveBaseURL returns the API base URL for the named provider: explicit
// when it is not empty, else ANTHROPIC_BASE_URL (anthropic) or
// OPENAI_BASE_URL (openai only) read through getenv when set, else the
// provider's preset URL. Other presets read no environment variable. It fails
// only for an unknown provider.
func ResolveBaseURL(name, explicit string, getenv func(string) string) (string, error) {
	p, err := lookup(name)
	if err != nil {
		return "", err
	}
	if explicit != "" {
		return explicit, nil
	}
	if p.baseURLEnv != "" {
		if u := getenv(p.baseURLEnv); u != "" {
			return u, nil
		}
	}
	return p.baseURL, nil
}
