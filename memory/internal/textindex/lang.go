package textindex

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Language is an ISO 639-1 code of a language the query expansion knows.
type Language string

// The languages query expansion supports.
const (
	English    Language = "en"
	Spanish    Language = "es"
	Portuguese Language = "pt"
	Chinese    Language = "zh"
	Japanese   Language = "ja"
	Korean     Language = "ko"
	Arabic     Language = "ar"
)

// DetectLanguage guesses the language of text: first by script, then, for
// Latin script, by stopword evidence, English when there is none.
//
// # Notes
//
//   - Any Hiragana or Katakana means Japanese (Japanese mixes kana with
//     Han); otherwise the script with the most letters among Hangul
//     (Korean), Han (Chinese), Arabic and Latin decides.
//   - For Latin script, the language among English, Spanish and Portuguese
//     whose stopword list matches the most words wins, with ñ, ¿ and ¡
//     counting for Spanish and ã, õ and ç for Portuguese.
//   - This is the classic short-text approach: scripts are unambiguous, and
//     function words are the most reliable evidence between languages that
//     share a script (Grefenstette, "Comparing two language identification
//     schemes", JADT 1995).
func DetectLanguage(text string) Language {
	return detectLanguages(text, tokenize(text))[0]
}

// detectLanguages is DetectLanguage of text, whose tokens are toks,
// returning every language tied for the best Latin-script score (one
// language for other scripts).
func detectLanguages(text string, toks []token) []Language {
	var kana, hangul, han, arabic, latin int
	for _, r := range text {
		switch {
		case r < utf8.RuneSelf:
			if 'a' <= r|0x20 && r|0x20 <= 'z' {
				latin++
			}
		case unicode.In(r, unicode.Hiragana, unicode.Katakana):
			kana++
		case unicode.Is(unicode.Hangul, r):
			hangul++
		case unicode.Is(unicode.Han, r):
			han++
		case unicode.Is(unicode.Arabic, r) && unicode.IsLetter(r):
			arabic++
		case unicode.Is(unicode.Latin, r):
			latin++
		}
	}
	switch {
	case kana > 0:
		return []Language{Japanese}
	case hangul > 0 && hangul >= han && hangul >= arabic && hangul >= latin:
		return []Language{Korean}
	case han > 0 && han >= arabic && han >= latin:
		return []Language{Chinese}
	case arabic > 0 && arabic >= latin:
		return []Language{Arabic}
	}
	return latinLanguages(text, toks)
}

// latinLanguages scores English, Spanish and Portuguese by stopword evidence
// and returns the best, ties included, English first.
func latinLanguages(text string, toks []token) []Language {
	scores := map[Language]int{}
	for _, t := range toks {
		if t.kind != wordToken {
			continue
		}
		w := Fold(t.text)
		for _, l := range []Language{English, Spanish, Portuguese} {
			if lists().stopwords[l][w] {
				scores[l]++
			}
		}
	}
	lower := strings.ToLower(text)
	for _, c := range []string{"ñ", "¿", "¡"} {
		scores[Spanish] += 2 * strings.Count(lower, c)
	}
	for _, c := range []string{"ã", "õ", "ç"} {
		scores[Portuguese] += 2 * strings.Count(lower, c)
	}
	best := 0
	for _, s := range scores {
		best = max(best, s)
	}
	var out []Language
	for _, l := range []Language{English, Spanish, Portuguese} {
		if scores[l] == best {
			out = append(out, l)
		}
	}
	if best == 0 {
		return []Language{English}
	}
	return out
}
