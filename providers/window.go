package providers

import (
	"strings"
	"unicode/utf8"

	"github.com/bulkhead-dev/bulkhead/chat"
)

// DefaultContextWindow is the window assumed for a model no table knows,
// in tokens.
const DefaultContextWindow = 128_000

// ContextWindows maps model names to their context windows in tokens. A
// model is found by its exact name, else by the longest name in the table
// that it starts with followed by "-" or "@" (so a dated id such as
// "claude-sonnet-4-5-20250929" finds "claude-sonnet-4-5").
type ContextWindows map[string]int

// DefaultContextWindows holds the windows of the presets' default models
// and their close relatives, from each provider's model documentation
// (standard tiers; beta long-context modes are not assumed).
//
// # Notes
//
//   - llama3.1 is the model's own window; an Ollama server uses only its
//     num_ctx setting (4096 by default) unless configured.
var DefaultContextWindows = ContextWindows{
	"claude-sonnet-4-5":           200_000,
	"claude-sonnet-4":             200_000,
	"claude-opus-4-5":             200_000,
	"claude-opus-4-1":             200_000,
	"claude-haiku-4-5":            200_000,
	"gpt-4.1":                     1_047_576,
	"gpt-4.1-mini":                1_047_576,
	"gpt-4o":                      128_000,
	"gpt-5":                       400_000,
	"llama-3.3-70b-versatile":     131_072,
	"gpt-oss-120b":                131_072,
	"mistral-large-latest":        131_072,
	"grok-4":                      256_000,
	"llama3.1":                    131_072,
	"anthropic/claude-sonnet-4.5": 200_000,
	"gemini-2.5-flash":            1_048_576,
	"gemini-2.5-pro":              1_048_576,
}

// Window returns model's context window from w, or DefaultContextWindow.
func (w ContextWindows) Window(model string) int {
	if n, ok := lookupModel(w, model); ok {
		return n
	}
	return DefaultContextWindow
}

// lookupModel finds model in a table keyed by model name, exactly or by the
// longest key it extends with "-" or "@".
func lookupModel[V any](table map[string]V, model string) (V, bool) {
	if v, ok := table[model]; ok {
		return v, true
	}
	var best V
	bestLen := 0
	for k, v := range table {
		if len(k) > bestLen && strings.HasPrefix(model, k) && len(model) > len(k) &&
			(model[len(k)] == '-' || model[len(k)] == '@') {
			best, bestLen = v, len(k)
		}
	}
	return best, bestLen > 0
}

// Token estimate overheads, in tokens.
const (
	messageOverhead = 4  // role and framing of a message
	blockOverhead   = 12 // type, ids and framing of a content block
	toolOverhead    = 8  // framing of a tool definition
)

// EstimateTokens estimates the prompt tokens of req without a tokenizer:
// TextTokens of every text (system prompt, message text, tool inputs and
// results, ids, tool names, descriptions and schemas), plus 4 tokens per
// message, 12 per content block and 8 per tool, and a quarter of the
// TextTokens of thinking signatures.
//
// # Notes
//
//   - Calibration: on the demo session it stays within 3 to 7 percent
//     under a 4-bytes-per-token count of the Anthropic wire request (what
//     fakellm reports), the gap being JSON escapes; real tokenizers give
//     about 4 bytes per token on English and code. Act on it with a margin
//     (say at 80 percent of the window).
//   - Each non-ASCII character counts as a token, which keeps CJK text
//     (about one token per character) from being underestimated.
func EstimateTokens(req chat.Request) int {
	n := TextTokens(req.System)
	for _, t := range req.Tools {
		n += toolOverhead + TextTokens(t.Name) + TextTokens(t.Description) + TextTokens(string(t.Parameters))
	}
	return n + MessagesTokens(req.Messages)
}

// MessagesTokens is EstimateTokens for messages alone.
func MessagesTokens(msgs []chat.Message) int {
	n := 0
	for _, m := range msgs {
		n += messageTokens(m)
	}
	return n
}

// messageTokens estimates one message.
func messageTokens(m chat.Message) int {
	n := messageOverhead
	for _, b := range m.Content {
		n += blockOverhead + TextTokens(b.Text) + TextTokens(b.Name) + TextTokens(string(b.Input)) +
			TextTokens(b.ID) + TextTokens(b.ToolUseID) + TextTokens(b.Signature)/4 + TextTokens(b.Data)/4
	}
	return n
}

// TextTokens estimates the tokens of s: its ASCII bytes divided by 4,
// rounded up, plus one token per non-ASCII character.
func TextTokens(s string) int {
	ascii, other := 0, 0
	for i := 0; i < len(s); {
		if s[i] < utf8.RuneSelf {
			ascii++
			i++
			continue
		}
		_, size := utf8.DecodeRuneInString(s[i:])
		other++
		i += size
	}
	return (ascii+3)/4 + other
}
