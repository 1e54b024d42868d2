package providers

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"strings"
	"sync"

	"github.com/bulkhead-dev/bulkhead/internal/clip"
)

// MaxMessageRunes caps the length of an Error's Message, in runes.
const MaxMessageRunes = 500

// redacted replaces a secret in messages.
const redacted = "[redacted]"

// keyShaped matches tokens that look like API keys whatever key was sent,
// including the masked echoes some providers return ("sk-proj-****abcd"):
// OpenAI and Anthropic (sk-…), Groq (gsk_…), xAI (xai-…), Google (AIza…),
// and Google's "api_key:…" consumer names.
var keyShaped = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`\b(?:sk-[A-Za-z0-9_*\-]{6,}|gsk_[A-Za-z0-9_*]{6,}|xai-[A-Za-z0-9_*\-]{6,}|AIza[0-9A-Za-z_*\-]{10,}|api_key:[A-Za-z0-9_*\-]{6,})`)
})

// cleanMessage makes a provider's message fit for an Error: every key in
// keys and every key-shaped token is replaced, then the text is put on one
// line and clipped to MaxMessageRunes. Redacting comes first, so that a key
// straddling the cut cannot leave a fragment behind.
func cleanMessage(s string, keys []string) string {
	for _, k := range keys {
		if k != "" {
			s = strings.ReplaceAll(s, k, redacted)
		}
	}
	s = keyShaped().ReplaceAllString(s, redacted)
	s = clip.Runes(strings.Join(strings.Fields(s), " "), MaxMessageRunes)
	if s == "" {
		return "(no message)"
	}
	return s
}

// Fingerprint names a key in logs and errors without revealing it: the
// first 8 hex digits of its SHA-256, e.g. "3f2a9c1b". The empty key has
// the fingerprint "none".
func Fingerprint(key string) string {
	if key == "" {
		return "none"
	}
	sum := sha256.Sum256([]byte(key))
	return hex.EncodeToString(sum[:4])
}
