package fakellm

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

// anthropicCached returns a Messages API body whose system prompt (about
// 6000 bytes, over MinCacheTokens) and last message carry cache_control.
func anthropicCached(turns int) []byte {
	msgs := []any{}
	for i := range turns {
		msgs = append(msgs, map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": strings.Repeat("question ", 20) + string(rune('a'+i))}}})
		msgs = append(msgs, map[string]any{"role": "assistant", "content": []any{map[string]any{"type": "text", "text": "answer"}}})
	}
	msgs = append(msgs, map[string]any{"role": "user", "content": []any{map[string]any{"type": "text", "text": "last", "cache_control": map[string]any{"type": "ephemeral"}}}})
	b, _ := json.Marshal(map[string]any{
		"model": "m", "max_tokens": 10,
		"system":   []any{map[string]any{"type": "text", "text": strings.Repeat("s", 6000), "cache_control": map[string]any{"type": "ephemeral"}}},
		"messages": msgs,
	})
	return b
}

func TestAnthropicCacheUsage(t *testing.T) {
	s := New(Step{Text: "a"}, Step{Text: "b"}, Step{Text: "c"})
	defer s.Close()
	usage := func(body []byte) (in, read, write int) {
		got := postJSON(t, s, ProtocolAnthropic, body, http.StatusOK)
		return num(t, path(t, got, "usage", "input_tokens")), num(t, path(t, got, "usage", "cache_read_input_tokens")),
			num(t, path(t, got, "usage", "cache_creation_input_tokens"))
	}
	first := anthropicCached(1)
	in, read, write := usage(first)
	if read != 0 || write == 0 || in+read+write != len(first)/4 {
		t.Errorf("first request: input %d read %d write %d, want all written, total %d", in, read, write, len(first)/4)
	}
	// The next turn repeats the prefix (the breakpoint moved): it is read.
	second := anthropicCached(2)
	in2, read2, write2 := usage(second)
	if read2 < 1500 || write2 == 0 || in2+read2+write2 != len(second)/4 {
		t.Errorf("second request: input %d read %d write %d, total %d", in2, read2, write2, len(second)/4)
	}
	if in2 >= in+100 {
		t.Errorf("input tokens grew from %d to %d despite the cache", in, in2)
	}
	// Without breakpoints nothing is cached.
	plain := []byte(strings.ReplaceAll(string(second), `"cache_control":{"type":"ephemeral"},`, ""))
	plain = []byte(strings.ReplaceAll(string(plain), `,"cache_control":{"type":"ephemeral"}`, ""))
	if in3, read3, write3 := usage(plain); read3 != 0 || write3 != 0 || in3 != len(plain)/4 {
		t.Errorf("no breakpoints: input %d read %d write %d", in3, read3, write3)
	}
}

func TestOpenAIAutomaticCache(t *testing.T) {
	s := New(Step{Text: "a"}, Step{Text: "b"})
	defer s.Close()
	body := func(extra string) []byte {
		b, _ := json.Marshal(map[string]any{"model": "m", "messages": []any{
			map[string]any{"role": "system", "content": strings.Repeat("x", 8000)},
			map[string]any{"role": "user", "content": "q" + extra},
		}})
		return b
	}
	first := postJSON(t, s, ProtocolOpenAI, body(""), http.StatusOK)
	if n := num(t, path(t, first, "usage", "prompt_tokens_details", "cached_tokens")); n != 0 {
		t.Errorf("first request cached_tokens = %d", n)
	}
	second := postJSON(t, s, ProtocolOpenAI, body(" again"), http.StatusOK)
	cached := num(t, path(t, second, "usage", "prompt_tokens_details", "cached_tokens"))
	prompt := num(t, path(t, second, "usage", "prompt_tokens"))
	if cached < 1024 || cached%128 != 0 || cached >= prompt {
		t.Errorf("second request cached_tokens = %d of %d, want the system prefix in 128-token steps", cached, prompt)
	}
}
