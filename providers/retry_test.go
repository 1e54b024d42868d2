package providers

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestRetryAfterHeaders(t *testing.T) {
	now := time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		name string
		h    http.Header
		want time.Duration
	}{
		{"none", http.Header{}, 0},
		{"retry-after-ms wins", http.Header{"Retry-After-Ms": {"1500"}, "Retry-After": {"9"}}, 1500 * time.Millisecond},
		{"seconds", http.Header{"Retry-After": {"7"}}, 7 * time.Second},
		{"HTTP date", http.Header{"Retry-After": {"Sun, 01 Mar 2026 12:00:30 GMT"}}, 30 * time.Second},
		{"date in the past", http.Header{"Retry-After": {"Sun, 01 Mar 2026 11:00:00 GMT"}}, 0},
		{"garbage", http.Header{"Retry-After": {"soon"}}, 0},
		{"anthropic exhausted limit", http.Header{
			"Anthropic-Ratelimit-Requests-Remaining": {"10"},
			"Anthropic-Ratelimit-Requests-Reset":     {"2026-03-01T12:00:02Z"},
			"Anthropic-Ratelimit-Tokens-Remaining":   {"0"},
			"Anthropic-Ratelimit-Tokens-Reset":       {"2026-03-01T12:00:20Z"},
		}, 20 * time.Second},
		{"openai durations, tokens exhausted", http.Header{
			"X-Ratelimit-Remaining-Requests": {"99"},
			"X-Ratelimit-Reset-Requests":     {"1s"},
			"X-Ratelimit-Remaining-Tokens":   {"0"},
			"X-Ratelimit-Reset-Tokens":       {"6m0s"},
		}, 6 * time.Minute},
		{"no remaining count says 0: earliest reset", http.Header{
			"X-Ratelimit-Reset-Requests": {"2.5s"},
			"X-Ratelimit-Reset-Tokens":   {"20ms"},
		}, 20 * time.Millisecond},
	} {
		if got := retryAfter(tc.h, now); got != tc.want {
			t.Errorf("%s: retryAfter = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestCleanMessage(t *testing.T) {
	key := "sk-ant-api03-" + strings.Repeat("Z", 40)
	// The key straddles the clip point: redacting first leaves nothing of it.
	msg := strings.Repeat("é", MaxMessageRunes-5) + key + " tail"
	got := cleanMessage(msg, []string{key})
	if strings.Contains(got, "ZZZZ") || strings.Contains(got, "sk-ant") {
		t.Errorf("key fragment survived: …%s", got[len(got)-40:])
	}
	if n := len([]rune(got)); n > MaxMessageRunes+1 {
		t.Errorf("%d runes, cap %d", n, MaxMessageRunes)
	}
	if !strings.HasSuffix(got, "…") || !strings.Contains(got, "[reda") {
		t.Errorf("clipped message = …%q", got[len(got)-30:])
	}
	for _, shaped := range []string{"sk-proj-****abcd1234", "gsk_abcdefghijkl", "xai-abcdefghij", "AIzaSyA-exampleexample", "api_key:AIzaexampleex"} {
		if got := cleanMessage("key "+shaped+" was sent", nil); strings.Contains(got, shaped) {
			t.Errorf("key-shaped %q kept: %q", shaped, got)
		}
	}
	if got := cleanMessage("  a \n\t b  ", nil); got != "a b" {
		t.Errorf("one line: %q", got)
	}
	if got := cleanMessage("", nil); got != "(no message)" {
		t.Errorf("empty: %q", got)
	}
	if fp := Fingerprint("secret"); len(fp) != 8 || fp != Fingerprint("secret") || fp == Fingerprint("secret2") || strings.Contains(fp, "secret") {
		t.Errorf("Fingerprint = %q", fp)
	}
}
