package textindex

import (
	"slices"
	"testing"
)

// TestMatched: a keyword matches by stem, by prefix term (Spanish verb
// forms) and, for a Katakana loanword, only when all its bigrams occur.
func TestMatched(t *testing.T) {
	tests := []struct {
		query, text string
		want        []string
	}{
		{"when do we deploy to staging?", "Deployments to production happen on Fridays.", []string{"deploy"}},
		{"¿qué framework usamos?", "El proyecto usa React.", []string{"usamos"}},
		{"フレームワーク", "アリスはチームリーダーです。", nil}, // shares only ーム
		{"フレームワーク", "このフレームワークは速い", []string{"フレームワーク"}},
		{"what is it?", "it is what it is", nil}, // nothing searched
	}
	for _, tt := range tests {
		if got := Expand(tt.query, 0).Matched(tt.text); !slices.Equal(got, tt.want) {
			t.Errorf("Expand(%q).Matched(%q) = %q, want %q", tt.query, tt.text, got, tt.want)
		}
	}
}

// TestSurfaceForms: words are folded but not stemmed, CJK runs become
// bigrams, symbols symbol words.
func TestSurfaceForms(t *testing.T) {
	got := SurfaceForms("Configuración DEPLOYMENTS 東京都 🚀")
	want := []string{"configuracion", "deployments", "東京", "京都", "u1f680"}
	if len(got) != len(want) {
		t.Errorf("SurfaceForms = %v, want %v", got, want)
	}
	for _, w := range want {
		if !got[w] {
			t.Errorf("SurfaceForms lacks %q: %v", w, got)
		}
	}
}
