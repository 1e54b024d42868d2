package providers

import (
	"fmt"
	"slices"
	"strings"
)

// protocol is the wire API a provider speaks.
type protocol int

const (
	// protocolAnthropic is the Anthropic Messages API
	// (https://docs.anthropic.com/en/api/messages).
	protocolAnthropic protocol = iota
	// protocolOpenAI is the OpenAI Chat Completions API
	// (https://platform.openai.com/docs/api-reference/chat), which the
	// OpenAI-compatible presets also serve.
	protocolOpenAI
	// protocolGemini is the Gemini API's generateContent
	// (https://ai.google.dev/api/generate-content).
	protocolGemini
)

// preset is what bulkhead knows about one provider by name.
type preset struct {
	protocol protocol
	// baseURL is the API root the SDK appends its paths to.
	baseURL string
	// keyEnv is the environment variable holding the API key; empty when the
	// provider needs no key.
	keyEnv string
	// baseURLEnv is the environment variable that overrides baseURL; empty
	// when the preset has none.
	baseURLEnv string
	// model is the default model when a request names none.
	model string
	// maxCompletionTokens selects the max_completion_tokens request field
	// over the older max_tokens one (OpenAI protocol only).
	maxCompletionTokens bool
}

// presets maps provider names to their presets. Base URLs come from each
// provider's OpenAI-compatibility documentation.
var presets = map[string]preset{
	"anthropic": {protocol: protocolAnthropic, baseURL: "https://api.anthropic.com/",
		keyEnv: "ANTHROPIC_API_KEY", baseURLEnv: "ANTHROPIC_BASE_URL", model: "claude-sonnet-4-5"},
	"openai": {protocol: protocolOpenAI, baseURL: "https://api.openai.com/v1/",
		keyEnv: "OPENAI_API_KEY", baseURLEnv: "OPENAI_BASE_URL", model: "gpt-4.1", maxCompletionTokens: true},
	"groq": {protocol: protocolOpenAI, baseURL: "https://api.groq.com/openai/v1/",
		keyEnv: "GROQ_API_KEY", model: "llama-3.3-70b-versatile", maxCompletionTokens: true},
	"cerebras": {protocol: protocolOpenAI, baseURL: "https://api.cerebras.ai/v1/",
		keyEnv: "CEREBRAS_API_KEY", model: "gpt-oss-120b", maxCompletionTokens: true},
	"mistral": {protocol: protocolOpenAI, baseURL: "https://api.mistral.ai/v1/",
		keyEnv: "MISTRAL_API_KEY", model: "mistral-large-latest"},
	"xai": {protocol: protocolOpenAI, baseURL: "https://api.x.ai/v1/",
		keyEnv: "XAI_API_KEY", model: "grok-4", maxCompletionTokens: true},
	"ollama": {protocol: protocolOpenAI, baseURL: "http://localhost:11434/v1/",
		model: "llama3.1"},
	"openrouter": {protocol: protocolOpenAI, baseURL: "https://openrouter.ai/api/v1/",
		keyEnv: "OPENROUTER_API_KEY", model: "anthropic/claude-sonnet-4.5"},
	"gemini": {protocol: protocolOpenAI, baseURL: "https://generativelanguage.googleapis.com/v1beta/openai/",
		keyEnv: "GEMINI_API_KEY", model: "gemini-2.5-flash"},
	"gemini-native": {protocol: protocolGemini, baseURL: "https://generativelanguage.googleapis.com/",
		keyEnv: "GEMINI_API_KEY", model: "gemini-2.5-flash"},
}

// Names returns the known provider names, sorted.
func Names() []string {
	names := make([]string, 0, len(presets))
	for name := range presets {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// DefaultModel returns the model used when a request to the named provider
// names none, or "" for an unknown provider:
//
//	anthropic  claude-sonnet-4-5
//	openai     gpt-4.1
//	groq       llama-3.3-70b-versatile
//	cerebras   gpt-oss-120b
//	mistral    mistral-large-latest
//	xai        grok-4
//	ollama     llama3.1
//	openrouter anthropic/claude-sonnet-4.5
//	gemini     gemini-2.5-flash
//	gemini-native gemini-2.5-flash
func DefaultModel(name string) string {
	return presets[name].model
}

// lookup returns the preset for name or an error listing the known names.
func lookup(name string) (preset, error) {
	p, ok := presets[name]
	if !ok {
		return preset{}, fmt.Errorf("unknown provider %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	return p, nil
}
