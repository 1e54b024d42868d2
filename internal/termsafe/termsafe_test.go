package termsafe

import (
	"testing"
	"unicode/utf8"
)

func TestString(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain text\nwith\ttab", "plain text\nwith\ttab"},
		{"héllo wörld 日本 🙂", "héllo wörld 日本 🙂"},
		{"\x1b]0;owned\x07title", "^[]0;owned^Gtitle"},
		{"\x1b[2J\x1b[Hclear", "^[[2J^[[Hclear"},
		{"line\roverwrite", "line^Moverwrite"},
		{"nul\x00del\x7f", "nul^@del^?"},
		{"csi\u009b31mred", `csi\u009b31mred`},
		{"osc\u009d0;t\u009c", `osc\u009d0;t\u009c`},
		{"bad\xff\x9bbytes", `bad\xff\x9bbytes`},
		{"", ""},
	}
	for _, tc := range tests {
		if got := String(tc.in); got != tc.want {
			t.Errorf("String(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// FuzzString: the result never holds a control character other than
// newline and tab, is valid UTF-8, and leaves safe input unchanged.
func FuzzString(f *testing.F) {
	for _, s := range []string{"a\x1b[31mb", "\u009b", "\xff", "ok\n"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := String(s)
		if !utf8.ValidString(got) {
			t.Fatalf("String(%q) = %q is not valid UTF-8", s, got)
		}
		for _, r := range got {
			if (r < 0x20 && r != '\n' && r != '\t') || (r >= 0x7f && r <= 0x9f) {
				t.Fatalf("String(%q) = %q holds control %U", s, got, r)
			}
		}
		if firstUnsafe(s) < 0 && got != s {
			t.Fatalf("String changed safe input %q", s)
		}
	})
}
