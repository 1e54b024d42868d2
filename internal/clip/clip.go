package clip

import "unicode/utf8"

// Ellipsis marks where a text was cut: "…" (U+2026, 3 bytes).
const Ellipsis = "…"

// String returns s when it has at most maxBytes bytes, else its longest
// prefix of at most maxBytes bytes that ends at a rune boundary, followed by
// Ellipsis. A negative maxBytes counts as 0.
//
// # Notes
//
//   - Invalid UTF-8 in s is kept as it is; only a valid multi-byte
//     sequence is never split.
func String(s string, maxBytes int) string {
	if len(s) <= maxBytes {
		return s
	}
	return s[:boundary(s, max(maxBytes, 0))] + Ellipsis
}

// boundary returns the largest i <= n (n < len(s)) at which s can be cut
// without splitting a valid UTF-8 sequence.
func boundary(s string, n int) int {
	for i := n; i > 0 && i > n-utf8.UTFMax; i-- {
		if !utf8.RuneStart(s[i]) {
			continue
		}
		if _, size := utf8.DecodeRuneInString(s[i:]); i+size > n && size > 1 {
			return i // s[i:] starts a valid sequence the cut would split
		}
		return n
	}
	return n
}

// Runes returns s when it has at most maxRunes runes, else its first
// maxRunes runes followed by Ellipsis. A negative maxRunes counts as 0. A
// byte of invalid UTF-8 counts as one rune, as in a range loop.
func Runes(s string, maxRunes int) string {
	n := 0
	for i := range s {
		if n >= maxRunes {
			return s[:i] + Ellipsis
		}
		n++
	}
	return s
}
