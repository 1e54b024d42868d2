package textindex

import (
	"strconv"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// Version names the text format Index produces; an index built under
// another Version must be rebuilt from the stored texts.
//
// # Notes
//
//   - Any change to what Index returns for some text needs a new Version:
//     deleting a row from an FTS5 index names the row's terms, computed
//     again from its text, and terms that differ from the indexed ones
//     leave text behind.
//   - It names Go's Unicode version, since the analysis classifies
//     characters by Go's Unicode tables; a snowballstem release that
//     changes a stem needs a new Version too.
//   - Versions: 2, Snowball stems in Go; 3, Greek accents and final sigma
//     folded (greekFold).
const Version = "3/unicode-" + unicode.Version

// tokenKind classifies a token by the script rules that apply to it.
type tokenKind int

const (
	wordToken   tokenKind = iota // letters, digits and marks of space-separated scripts (Latin, Cyrillic, …)
	cjkToken                     // a run of Han, Hiragana, Katakana or Hangul
	arabicToken                  // a run of Arabic letters, marks and digits
	symbolToken                  // a run of pictographs and other symbols (So), such as emoji
)

type token struct {
	kind tokenKind
	text string
}

// runeKind returns the kind of token r belongs to, and false for
// separators.
func runeKind(r rune) (tokenKind, bool) {
	if r < utf8.RuneSelf {
		return wordToken, 'a' <= r|0x20 && r|0x20 <= 'z' || '0' <= r && r <= '9'
	}
	switch {
	case isCJK(r):
		return cjkToken, true
	case r == 0x0640 || (unicode.Is(unicode.Arabic, r) && (unicode.IsLetter(r) || unicode.IsMark(r) || unicode.IsDigit(r))):
		return arabicToken, true // with the tatweel, which is in the Common script
	case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
		return wordToken, true
	case unicode.Is(unicode.So, r):
		return symbolToken, true
	}
	return 0, false
}

// isCJK reports whether r is written without spaces between words in the
// CJK languages: Han (with the iteration mark 々), Hiragana, Katakana (with
// the prolonged sound mark ー) and Hangul.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) || r == 'ー' || r == '々'
}

// tokenize splits s into maximal runs of runes of one kind; everything else
// (spaces, punctuation, symbols) separates tokens. Combining marks (Arabic
// harakat are in the Inherited script) continue the token they follow.
func tokenize(s string) []token {
	var out []token
	start, cur := -1, tokenKind(0)
	for i, r := range s {
		k, ok := runeKind(r)
		if ok && start >= 0 && unicode.IsMark(r) {
			k = cur
		}
		if start >= 0 && (!ok || k != cur) {
			out = append(out, token{cur, s[start:i]})
			start = -1
		}
		if ok && start < 0 {
			start, cur = i, k
		}
	}
	if start >= 0 {
		out = append(out, token{cur, s[start:]})
	}
	return out
}

// Index returns the text to give the FTS5 unicode61 tokenizer (with
// remove_diacritics 2) for text: its words in index form, separated by
// spaces. It is a pure function of text: the same text always yields the
// same string, in every goroutine and process of one Version.
//
// # Notes
//
//   - Words of space-separated scripts become their forms (see wordForms):
//     the Snowball stem in the text's language (see DetectLanguage and
//     stem) and the word itself.
//   - Each CJK run becomes its overlapping character bigrams (see bigrams),
//     and every Han character comes once more on its own after all other
//     words, so that a one-character query word (用) finds the compounds
//     holding it (使用) while runs of bigrams stay adjacent for phrase
//     queries.
//   - Each Arabic word is normalised and stemmed (see arabicIndexForm), each
//     symbol (emoji) becomes a word of its own (see symbolWords).
//   - Queries are analysed the same way (see Expand), so they match.
func Index(text string) string {
	toks := tokenize(text)
	lang := detectLanguages(text, toks)[0]
	var b, han strings.Builder
	b.Grow(len(text) + len(text)/2)
	word := func(w string) {
		b.WriteString(w)
		b.WriteByte(' ')
	}
	for _, t := range toks {
		switch t.kind {
		case cjkToken:
			for _, g := range bigrams(t.text) {
				word(g)
			}
			for _, r := range t.text {
				if unicode.Is(unicode.Han, r) {
					han.WriteRune(r)
					han.WriteByte(' ')
				}
			}
		case arabicToken:
			word(arabicIndexForm(t.text))
		case symbolToken:
			for _, w := range symbolWords(t.text) {
				word(w)
			}
		default:
			for _, f := range wordForms(lang, t.text) {
				word(f)
			}
		}
	}
	b.WriteString(han.String())
	return b.String()
}

// SurfaceForms returns the set of text's words in their surface form,
// without stemming: folded words (see Fold), CJK bigrams, Arabic words
// normalised but not stemmed, and symbol words. Near-duplicate texts share
// most of them, which is all a similarity of texts needs, at a fraction of
// the cost of Index.
func SurfaceForms(text string) map[string]bool {
	set := map[string]bool{}
	for _, t := range tokenize(text) {
		switch t.kind {
		case cjkToken:
			for _, g := range bigrams(t.text) {
				set[g] = true
			}
		case arabicToken:
			set[arabicNormalize(t.text)] = true
		case symbolToken:
			for _, w := range symbolWords(t.text) {
				set[w] = true
			}
		default:
			set[Fold(t.text)] = true
		}
	}
	return set
}

// symbolWords returns a word for each symbol of a symbol token ("🚀" →
// "u1f680"), which the unicode61 tokenizer would otherwise drop as a
// separator; the marks and variation selectors that follow are left out.
func symbolWords(run string) []string {
	var out []string
	for _, r := range run {
		if unicode.Is(unicode.So, r) {
			out = append(out, "u"+strconv.FormatInt(int64(r), 16))
		}
	}
	return out
}

// bigrams returns the overlapping two-character sequences of a CJK run
// ("東京都" → "東京", "京都"), or the run itself when it is one character.
// Indexing overlapping bigrams is the standard dictionary-free way to search
// CJK text (Kwok, "Comparing representations in Chinese information
// retrieval", SIGIR 1997; the CJK bigram analyzers of Lucene and
// Elasticsearch do the same).
func bigrams(run string) []string {
	n := utf8.RuneCountInString(run)
	if n <= 1 {
		return []string{run}
	}
	out := make([]string, 0, n-1)
	first := 0
	for first < len(run) {
		_, w1 := utf8.DecodeRuneInString(run[first:])
		second := first + w1
		if second >= len(run) {
			break
		}
		_, w2 := utf8.DecodeRuneInString(run[second:])
		out = append(out, run[first:second+w2])
		first = second
	}
	return out
}

// Fold lower-cases s and removes the diacritics of Latin letters used in
// English, Spanish and Portuguese, as the unicode61 tokenizer does with
// remove_diacritics 2, so that words can be compared as the index compares
// them ("Configuración" → "configuracion").
func Fold(s string) string {
	if isASCII(s) {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range strings.ToLower(s) {
		if base, ok := latinBase()[r]; ok {
			r = base
		}
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// latinBase maps accented lower-case Latin letters to their base letter.
var latinBase = sync.OnceValue(func() map[rune]rune {
	m := map[rune]rune{}
	for base, accented := range map[rune]string{
		'a': "àáâãäåāăą", 'c': "çćĉċč", 'e': "èéêëēĕėęě", 'i': "ìíîïĩīĭįı",
		'n': "ñńņňŉ", 'o': "òóôõöøōŏő", 'u': "ùúûüũūŭůűų", 'y': "ýÿŷ",
	} {
		for _, r := range accented {
			m[r] = base
		}
	}
	return m
})

// isASCII reports whether s is all ASCII.
func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// wordForms returns the index forms of a word of a space-separated script
// in lang: its stem and, when that differs, the lower-cased word itself, so
// that a query read in another language still matches the word exactly
// (Spanish stems "Madrid" to "madr", an English query keeps "madrid"); the
// same is done for the parts of a camelCase identifier ("maxRetries" →
// "max", "retri", "retries"), so that it meets max_retries, which the
// tokenizer splits. Indexing the word beside its stem is Lucene's
// KeywordRepeatFilter; an exact match then also scores above a stem match.
func wordForms(lang Language, w string) []string {
	w = greekFold(w)
	var out []string
	add := func(w string) {
		lower := strings.ToLower(w)
		st := stem(lang, w)
		out = append(out, st)
		if Fold(st) != Fold(lower) {
			out = append(out, lower)
		}
	}
	add(w)
	if parts := camelParts(w); len(parts) > 1 {
		for _, p := range parts {
			add(p)
		}
	}
	return out
}

// camelParts splits a camelCase or PascalCase identifier where a lower
// case letter is followed by a capitalised part ("maxRetries" → "max",
// "Retries"); an all-capitals part does not start a new one ("PostgreSQL"
// and "HTTPServer" stay whole). A word without such a change is one part.
func camelParts(w string) []string {
	var out []string
	start := 0
	var prev rune
	for i, r := range w {
		if unicode.IsLower(prev) && unicode.IsUpper(r) {
			if next, _ := utf8.DecodeRuneInString(w[i+utf8.RuneLen(r):]); unicode.IsLower(next) {
				out = append(out, w[start:i])
				start = i
			}
		}
		prev = r
	}
	return append(out, w[start:])
}
