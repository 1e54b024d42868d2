package textindex

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Term is one full-text query term, in index form (see Index).
type Term struct {
	Text   string // one index word, or several separated by spaces: a phrase
	Prefix bool   // matches the index words that start with Text
}

// Query is a query reduced to what a keyword search looks for (see Expand).
type Query struct {
	Languages []Language     // detected, best first; never empty
	Words     int            // tokens of the query, stopwords included; punctuation is none
	Keywords  []string       // content words, in query order, each once (compared folded)
	Terms     []Term         // the keywords' terms, each once, at most the maxTerms given to Expand
	Dropped   []string       // keywords left without a term by the maxTerms bound
	Searched  []KeywordTerms // the other keywords, with their terms among Terms
}

// KeywordTerms is a keyword of a query with the terms searched for it.
type KeywordTerms struct {
	Keyword string
	Terms   []Term
}

// Expand turns a conversational query into keywords and full-text terms, so
// that "what framework do we use?" searches for "framework" and "use"; it
// keeps at most maxTerms terms (maxTerms <= 0: all).
//
// # Notes
//
//   - Latin and other space-separated words are dropped when they are
//     stopwords of a detected language (see DetectLanguage) or single
//     letters.
//   - Arabic words are normalised and dropped when stopwords (also after a
//     leading و or ف).
//   - Japanese runs lose their hiragana (particles and inflections); their
//     Han and Katakana runs are kept unless stopwords. Korean words lose
//     their particles and verb endings; stopwords are dropped. Chinese runs
//     are split wherever a stopword occurs (longest match first), and the
//     pieces kept.
//   - Each keyword then becomes its terms (see keywordTerms): stems, bigrams,
//     prefixes. Keywords left without a term by maxTerms are in Dropped.
//   - A query made only of stopwords searches for nothing: such words are in
//     most texts and rank none of them.
func Expand(query string, maxTerms int) Query {
	toks := tokenize(query)
	e := Query{Languages: detectLanguages(query, toks), Words: len(toks)}
	e.Keywords = dedupeFolded(keywords(toks, e.Languages))
	seen := map[Term]bool{}
	latin := stemLanguages(e.Languages)
	for _, k := range e.Keywords {
		var searched []Term
		for _, t := range keywordTerms(k, latin) {
			if !seen[t] && (maxTerms <= 0 || len(e.Terms) < maxTerms) {
				seen[t] = true
				e.Terms = append(e.Terms, t)
			}
			if seen[t] {
				searched = append(searched, t)
			}
		}
		if len(searched) == 0 {
			e.Dropped = append(e.Dropped, k)
		} else {
			e.Searched = append(e.Searched, KeywordTerms{k, searched})
		}
	}
	return e
}

// dedupeFolded returns ws without the words that repeat an earlier one
// case- and accent-insensitively ("Server server SERVER" → "Server").
func dedupeFolded(ws []string) []string {
	seen := map[string]bool{}
	out := ws[:0]
	for _, w := range ws {
		if f := Fold(w); !seen[f] {
			seen[f] = true
			out = append(out, w)
		}
	}
	return out
}

// keywords extracts the content words of toks.
func keywords(toks []token, langs []Language) []string {
	latin := latinStopwords(langs)
	var out []string
	for _, t := range toks {
		switch t.kind {
		case wordToken:
			f := Fold(t.text)
			if latin(f) || (utf8.RuneCountInString(f) == 1 && !unicode.IsDigit([]rune(f)[0])) {
				continue
			}
			out = append(out, t.text)
		case arabicToken:
			if arabicStopword(arabicNormalize(t.text)) {
				continue
			}
			out = append(out, t.text)
		case cjkToken:
			out = append(out, cjkKeywords(t.text, langs[0])...)
		case symbolToken:
			out = append(out, t.text)
		}
	}
	return out
}

// stemLanguages returns the languages whose stems a query's Latin-script
// words search for: the detected ones, and English, the language of
// memories without stopword evidence (see DetectLanguage).
func stemLanguages(langs []Language) []Language {
	out := latinOf(langs)
	if !slices.Contains(out, English) {
		out = append(out, English)
	}
	return out
}

// latinStopwords returns a test for stopwords of the Latin-script languages
// among langs (English when there are none).
func latinStopwords(langs []Language) func(string) bool {
	latin := latinOf(langs)
	if len(latin) == 0 {
		latin = []Language{English}
	}
	sets := make([]wordSet, len(latin))
	for i, l := range latin {
		sets[i] = lists().stopwords[l]
	}
	return func(w string) bool {
		return slices.ContainsFunc(sets, func(s wordSet) bool { return s[w] })
	}
}

// latinOf returns the Latin-script languages among langs, in order.
func latinOf(langs []Language) []Language {
	var out []Language
	for _, l := range langs {
		if l == English || l == Spanish || l == Portuguese {
			out = append(out, l)
		}
	}
	return out
}

// arabicStopword reports whether the normalised word n is a stopword, alone
// or after the conjunction و or ف written onto it.
func arabicStopword(n string) bool {
	sw := lists().stopwords[Arabic]
	if sw[n] {
		return true
	}
	for _, p := range []string{"و", "ف"} {
		if rest, ok := strings.CutPrefix(n, p); ok && sw[rest] {
			return true
		}
	}
	return false
}

// cjkKeywords extracts keywords from one CJK run by the rules of its
// script: Korean for Hangul, Japanese for kana or a Japanese query, Chinese
// otherwise.
func cjkKeywords(run string, lang Language) []string {
	hasHangul, hasKana := false, false
	for _, r := range run {
		hasHangul = hasHangul || unicode.Is(unicode.Hangul, r)
		hasKana = hasKana || unicode.In(r, unicode.Hiragana, unicode.Katakana)
	}
	switch {
	case hasHangul:
		return koreanKeywords(run)
	case hasKana || lang == Japanese:
		return japaneseKeywords(run)
	default:
		return chineseKeywords(run)
	}
}

// japaneseKeywords splits a run into Han and Katakana pieces, dropping
// Hiragana and stopwords.
func japaneseKeywords(run string) []string {
	class := func(r rune) int {
		switch {
		case unicode.Is(unicode.Han, r) || r == '々':
			return 1
		case unicode.Is(unicode.Katakana, r) || r == 'ー':
			return 2
		}
		return 0
	}
	var out []string
	start, cur := 0, -1
	flush := func(end int) {
		if cur > 0 && !lists().stopwords[Japanese][run[start:end]] {
			out = append(out, run[start:end])
		}
	}
	for i, r := range run {
		if c := class(r); c != cur {
			flush(i)
			start, cur = i, c
		}
	}
	flush(len(run))
	return out
}

// koreanKeywords strips the longest matching particle or ending from a
// Hangul word and drops it when it is a stopword.
func koreanKeywords(word string) []string {
	sw := lists().stopwords[Korean]
	if sw[word] {
		return nil
	}
	for _, s := range lists().koreanSuffixes {
		if rest, ok := strings.CutSuffix(word, s); ok && rest != "" {
			word = rest
			break
		}
	}
	if sw[word] {
		return nil
	}
	return []string{word}
}

// chineseKeywords splits a Han run at every stopword occurrence, longest
// stopword first at each position, and returns the pieces between them.
func chineseKeywords(run string) []string {
	var out []string
	start, i := 0, 0
	for i < len(run) {
		matched := ""
		for _, sw := range lists().chineseStopwordsLongestFirst {
			if strings.HasPrefix(run[i:], sw) {
				matched = sw
				break
			}
		}
		if matched == "" {
			_, w := utf8.DecodeRuneInString(run[i:])
			i += w
			continue
		}
		if start < i {
			out = append(out, run[start:i])
		}
		i += len(matched)
		start = i
	}
	if start < len(run) {
		out = append(out, run[start:])
	}
	return out
}

// keywordTerms returns the full-text terms of one keyword, in index form
// (see Index).
//
// # Notes
//
//   - A CJK keyword of one Han character gives the character, which the
//     index holds on its own; of one other character (Hangul, kana), a
//     prefix term, matching the bigrams it starts.
//   - An all-Katakana keyword (a loanword such as フレームワーク) gives the
//     phrase of its bigrams, so that a text sharing one bigram (ーム in
//     チーム) does not match; other CJK keywords give each bigram, OR'ed,
//     and Han keywords of at most hanUnigramMax characters each character
//     too.
//   - An Arabic word gives its index form, a symbol its symbol word, any
//     other word the terms of latinTerms.
func keywordTerms(k string, langs []Language) []Term {
	var out []Term
	for _, t := range tokenize(k) {
		switch t.kind {
		case cjkToken:
			out = append(out, cjkTerms(t.text)...)
		case arabicToken:
			out = append(out, Term{Text: arabicIndexForm(t.text)})
		case symbolToken:
			for _, w := range symbolWords(t.text) {
				out = append(out, Term{Text: w})
			}
		default:
			out = append(out, latinTerms(t.text, langs)...)
		}
	}
	return out
}

// latinTerms returns the terms of a word of a space-separated script: its
// index forms in each of langs (see wordForms) and, for Spanish and
// Portuguese, the prefix term of romancePrefix. Other languages get no
// prefix term: "postgres*" would find "PostgreSQL", but a prefix term costs
// about as much as the rest of a query's terms together (measured: 3.1 vs
// 3.9 ms p50 at 10 000 memories).
func latinTerms(w string, langs []Language) []Term {
	var out []Term
	for _, l := range langs {
		for _, f := range wordForms(l, w) {
			out = append(out, Term{Text: f})
		}
	}
	if r, _ := utf8.DecodeRuneInString(w); !unicode.IsLetter(r) {
		return out
	}
	for _, l := range langs {
		if l != Spanish && l != Portuguese {
			continue
		}
		if p, ok := romancePrefix(l, w); ok {
			out = append(out, Term{Text: p, Prefix: true})
		}
	}
	return out
}

// cjkTerms returns the terms of one CJK run (see keywordTerms).
func cjkTerms(run string) []Term {
	first, size := utf8.DecodeRuneInString(run)
	switch {
	case size == len(run) && unicode.Is(unicode.Han, first):
		return []Term{{Text: run}}
	case size == len(run):
		return []Term{{Text: run, Prefix: true}}
	case isKatakana(run):
		return []Term{{Text: strings.Join(bigrams(run), " ")}}
	}
	var out []Term
	for _, g := range bigrams(run) {
		out = append(out, Term{Text: g})
	}
	if n := utf8.RuneCountInString(run); n <= hanUnigramMax && isHan(run) {
		for _, r := range run {
			out = append(out, Term{Text: string(r)})
		}
	}
	return out
}

// hanUnigramMax is the longest Han keyword cjkTerms also searches
// character by character. A question's pieces between stopwords are often
// two one-character words (狗叫 in 狗叫什么: dog, called), which the fact
// writes apart (狗名叫); the index holds every Han character on its own, so
// the characters find it. Measured on the labelled corpus, keyword-only:
// recall@5/MRR 0.956/0.923 without, 0.971/0.935 with (zh 0.964 → 1.000,
// ja 0.926 → 1.000 recall); longer keywords gain nothing and would spend
// the query's term budget.
const hanUnigramMax = 4

// isKatakana reports whether s is written in Katakana only (with the
// prolonged sound mark ー).
func isKatakana(s string) bool {
	return onlyRunes(s, func(r rune) bool { return unicode.Is(unicode.Katakana, r) || r == 'ー' })
}

// isHan reports whether s is written in Han characters only.
func isHan(s string) bool {
	return onlyRunes(s, func(r rune) bool { return unicode.Is(unicode.Han, r) })
}

// onlyRunes reports whether every rune of s satisfies in.
func onlyRunes(s string, in func(rune) bool) bool {
	for _, r := range s {
		if !in(r) {
			return false
		}
	}
	return true
}
