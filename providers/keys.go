package providers

import "fmt"

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
	p, err := lookup(name)
	if err != nil {
		return "", err
	}
	if explicit != "" || p.keyEnv == "" {
		return explicit, nil
	}
	if key := getenv(p.keyEnv); key != "" {
		return key, nil
	}
	return "", fmt.Errorf("%s: no API key: set %s or pass an explicit key", name, p.keyEnv)
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
