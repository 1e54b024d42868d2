package providers

import "github.com/bulkhead-dev/bulkhead/chat"

// Price is what a model costs, in USD per million tokens of each kind (see
// chat.Usage). Source says where the figures come from.
type Price struct {
	Input      float64 `json:"input"`
	Output     float64 `json:"output"`
	CacheRead  float64 `json:"cache_read"`
	CacheWrite float64 `json:"cache_write"`
	Source     string  `json:"source,omitempty"`
}

// Cost returns the cost of u at price p, in USD.
func (p Price) Cost(u chat.Usage) float64 {
	return (float64(u.InputTokens)*p.Input + float64(u.OutputTokens)*p.Output +
		float64(u.CacheReadTokens)*p.CacheRead + float64(u.CacheWriteTokens)*p.CacheWrite) / 1e6
}

// Prices maps "provider/model" or "model" to a Price. Lookup tries
// "provider/model" first, then the model alone, each exactly and then as a
// dated variant (see ContextWindows).
type Prices map[string]Price

// Lookup returns the price of model at provider.
func (ps Prices) Lookup(provider, model string) (Price, bool) {
	if p, ok := lookupModel(ps, provider+"/"+model); ok {
		return p, true
	}
	return lookupModel(ps, model)
}

// Cost returns the cost of u for model at provider in USD, and false when
// ps has no price for it (the cost is then 0).
func (ps Prices) Cost(provider, model string, u chat.Usage) (float64, bool) {
	p, ok := ps.Lookup(provider, model)
	if !ok {
		return 0, false
	}
	return p.Cost(u), true
}

// The sources of DefaultPrices.
const (
	srcAnthropic = "https://docs.anthropic.com/en/docs/about-claude/pricing (2026; 5-minute cache writes)"
	srcOpenAI    = "https://openai.com/api/pricing (2026)"
	srcGemini    = "https://ai.google.dev/gemini-api/docs/pricing (2026, prompts up to 200k tokens)"
	srcEstimate  = "estimate: not confirmed against the provider's page; override it"
)

// DefaultPrices holds the prices of the presets' default models and their
// close relatives. Figures marked as estimates in Source could not be
// checked against the provider's own page when this table was written.
// Providers that cache implicitly (OpenAI, Gemini) report no cache writes.
// Override or extend the table for other models or negotiated rates.
var DefaultPrices = Prices{
	"claude-sonnet-4-5":                      {Input: 3, Output: 15, CacheRead: 0.30, CacheWrite: 3.75, Source: srcAnthropic},
	"claude-sonnet-4":                        {Input: 3, Output: 15, CacheRead: 0.30, CacheWrite: 3.75, Source: srcAnthropic},
	"claude-opus-4-5":                        {Input: 5, Output: 25, CacheRead: 0.50, CacheWrite: 6.25, Source: srcAnthropic},
	"claude-opus-4-1":                        {Input: 15, Output: 75, CacheRead: 1.50, CacheWrite: 18.75, Source: srcAnthropic},
	"claude-haiku-4-5":                       {Input: 1, Output: 5, CacheRead: 0.10, CacheWrite: 1.25, Source: srcAnthropic},
	"gpt-4.1":                                {Input: 2, Output: 8, CacheRead: 0.50, Source: srcOpenAI},
	"gpt-4.1-mini":                           {Input: 0.40, Output: 1.60, CacheRead: 0.10, Source: srcOpenAI},
	"gpt-4o":                                 {Input: 2.50, Output: 10, CacheRead: 1.25, Source: srcOpenAI},
	"gpt-5":                                  {Input: 1.25, Output: 10, CacheRead: 0.125, Source: srcOpenAI},
	"gemini-2.5-flash":                       {Input: 0.30, Output: 2.50, CacheRead: 0.03, Source: srcGemini},
	"gemini-2.5-pro":                         {Input: 1.25, Output: 10, CacheRead: 0.125, Source: srcGemini},
	"groq/llama-3.3-70b-versatile":           {Input: 0.59, Output: 0.79, CacheRead: 0.59, Source: srcEstimate},
	"cerebras/gpt-oss-120b":                  {Input: 0.35, Output: 0.75, CacheRead: 0.35, Source: srcEstimate},
	"mistral/mistral-large-latest":           {Input: 2, Output: 6, CacheRead: 2, Source: srcEstimate},
	"xai/grok-4":                             {Input: 3, Output: 15, CacheRead: 0.75, Source: srcEstimate},
	"openrouter/anthropic/claude-sonnet-4.5": {Input: 3, Output: 15, CacheRead: 0.30, CacheWrite: 3.75, Source: srcEstimate + " (OpenRouter passes Anthropic's rates through)"},
	"ollama/llama3.1":                        {Source: "local model: no charge"},
}
