package clip

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	tests := []struct {
		s    string
		max  int
		want string
	}{
		{"", 0, ""},
		{"abc", 3, "abc"},
		{"abcd", 3, "abc…"},
		{"abc", 0, "…"},
		{"abc", -1, "…"},
		{"héllo", 2, "h…"},  // é is 2 bytes: not split
		{"héllo", 3, "hé…"}, // ends right after é
		{"a東京", 2, "a…"},    // 東 is 3 bytes
		{"a東京", 3, "a…"},
		{"a東京", 4, "a東…"},
		{"🚀🚀", 5, "🚀…"},                // 4-byte runes
		{"ab\xff\xfecd", 3, "ab\xff…"}, // invalid bytes are cut like any byte
		{"a\x80\x80\x80\x80b", 3, "a\x80\x80…"},
	}
	for _, tt := range tests {
		if got := String(tt.s, tt.max); got != tt.want {
			t.Errorf("String(%q, %d) = %q, want %q", tt.s, tt.max, got, tt.want)
		}
	}
}

// TestStringNeverSplits: every cut of valid UTF-8 is valid UTF-8, at most
// maxBytes long before the mark, and as long as it can be.
func TestStringNeverSplits(t *testing.T) {
	s := "aé東🚀b" + strings.Repeat("ñ", 5)
	for n := range len(s) + 2 {
		got := String(s, n)
		body, cut := strings.CutSuffix(got, Ellipsis)
		if !utf8.ValidString(got) || len(body) > n || cut != (len(s) > n) || !strings.HasPrefix(s, body) {
			t.Fatalf("String(%q, %d) = %q", s, n, got)
		}
		if cut && utf8.RuneLen([]rune(s[len(body):])[0]) <= n-len(body) {
			t.Fatalf("String(%q, %d) = %q: the next rune would fit", s, n, got)
		}
	}
}

func TestRunes(t *testing.T) {
	tests := []struct {
		s    string
		max  int
		want string
	}{
		{"", 0, ""},
		{"", 5, ""},
		{"abc", 3, "abc"},
		{"abcd", 3, "abc…"},
		{"éééé", 2, "éé…"},
		{"東京都", 3, "東京都"},
		{"東京都", 1, "東…"},
		{"abc", 0, "…"},
		{"abc", -2, "…"},
		{"a\xffb", 2, "a\xff…"}, // an invalid byte is one rune
	}
	for _, tt := range tests {
		if got := Runes(tt.s, tt.max); got != tt.want {
			t.Errorf("Runes(%q, %d) = %q, want %q", tt.s, tt.max, got, tt.want)
		}
	}
}
