package memory

import (
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"
)

// DefaultMaxQueryTerms bounds the full-text terms one query expands to.
const DefaultMaxQueryTerms = 32

// term is one full-text query term in index form (see indexText).
type term struct {
	text   string
	prefix bool // match index tokens starting with text
}

// expansion is a query reduced to what the keyword stage searches for.
type expansion struct {
	langs    []Language // detected languages, best first
	keywords []string   // the query's content words, in query order
	terms    []term     // their full-text terms, deduplicated, at most maxTerms
}

// expandQuery turns a conversational query into keywords and full-text
// terms, so that "what framework do we use?" searches for "framework" and
// "use". Per script:
//
//   - Latin and other space-separated words: dropped when they are
//     stopwords of a detected language (see DetectLanguage) or single
//     letters;
//   - Arabic words: normalised, dropped when stopwords (also after a leading
//     و or ف), then light-stemmed as in the index;
//   - Japanese runs: hiragana dropped (particles and inflections), the Han
//     and Katakana runs kept unless stopwords;
//   - Korean words: particles and verb endings stripped, stopwords dropped;
//   - Chinese runs: split wherever a stopword occurs (longest match first),
//     the pieces kept.
//
// CJK keywords become their bigrams; a one-character keyword becomes a
// prefix term, since the index holds it only inside bigrams. Spanish and
// Portuguese words also get a truncation prefix term (see truncations). When nothing is
// left, every word of the query is kept instead, so that a query made only
// of stopwords still searches for something.
func expandQuery(q string, maxTerms int) expansion {
	if maxTerms <= 0 {
		maxTerms = DefaultMaxQueryTerms
	}
	e := expansion{langs: detectLanguages(q)}
	toks := tokenize(q)
	e.keywords = keywords(toks, e.langs, true)
	if len(e.keywords) == 0 {
		e.keywords = keywords(toks, e.langs, false)
	}
	seen := map[term]bool{}
	romance := slices.Contains(e.langs, Spanish) || slices.Contains(e.langs, Portuguese)
	for _, k := range e.keywords {
		ts := keywordTerms(k)
		if romance {
			ts = append(ts, truncations(ts)...)
		}
		for _, t := range ts {
			if !seen[t] && len(e.terms) < maxTerms {
				seen[t] = true
				e.terms = append(e.terms, t)
			}
		}
	}
	return e
}

// keywords extracts the content words of toks, dropping stopwords when
// filter is set.
func keywords(toks []token, langs []Language, filter bool) []string {
	latin := latinStopwords(langs)
	var out []string
	for _, t := range toks {
		switch t.kind {
		case wordToken:
			f := fold(t.text)
			if filter && (latin(f) || (utf8.RuneCountInString(f) == 1 && !unicode.IsDigit([]rune(f)[0]))) {
				continue
			}
			out = append(out, t.text)
		case arabicToken:
			n := arabicNormalize(t.text)
			if filter && arabicStopword(n) {
				continue
			}
			out = append(out, n)
		case cjkToken:
			out = append(out, cjkKeywords(t.text, langs[0], filter)...)
		}
	}
	return out
}

// latinStopwords returns a test for stopwords of the Latin-script languages
// among langs (English when there are none).
func latinStopwords(langs []Language) func(string) bool {
	var sets []wordSet
	for _, l := range langs {
		if l == English || l == Spanish || l == Portuguese {
			sets = append(sets, stopwords[l])
		}
	}
	if len(sets) == 0 {
		sets = append(sets, stopwords[English])
	}
	return func(w string) bool {
		return slices.ContainsFunc(sets, func(s wordSet) bool { return s[w] })
	}
}

// arabicStopword reports whether the normalised word n is a stopword, alone
// or after the conjunction و or ف written onto it.
func arabicStopword(n string) bool {
	sw := stopwords[Arabic]
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
func cjkKeywords(run string, lang Language, filter bool) []string {
	if !filter {
		return []string{run}
	}
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
		if cur > 0 && !stopwords[Japanese][run[start:end]] {
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
	sw := stopwords[Korean]
	if sw[word] {
		return nil
	}
	for _, s := range koreanSuffixes {
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
		for _, sw := range chineseStopwordsLongestFirst {
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

// keywordTerms returns the full-text terms of one keyword, in index form.
func keywordTerms(k string) []term {
	var out []term
	for _, t := range tokenize(k) {
		switch t.kind {
		case cjkToken:
			if utf8.RuneCountInString(t.text) == 1 {
				out = append(out, term{text: t.text, prefix: true})
				continue
			}
			for _, g := range bigrams(t.text) {
				out = append(out, term{text: g})
			}
		case arabicToken:
			out = append(out, term{text: arabicStem(arabicNormalize(t.text))})
		default:
			out = append(out, term{text: t.text})
		}
	}
	return out
}

// ftsQuery renders terms as an FTS5 query (https://sqlite.org/fts5.html#full_text_query_syntax):
// each term a quoted string, so no query text is ever read as FTS5 syntax,
// prefix terms followed by "*", all joined by OR so that BM25 ranks
// documents by how many and how rare the terms they contain are.
func ftsQuery(terms []term) string {
	parts := make([]string, len(terms))
	for i, t := range terms {
		parts[i] = `"` + strings.ReplaceAll(t.text, `"`, `""`) + `"`
		if t.prefix {
			parts[i] += "*"
		}
	}
	return strings.Join(parts, " OR ")
}

// truncationLength is the prefix length of truncation stemming.
const truncationLength = 5

// truncations returns, for Spanish and Portuguese queries, a prefix term of
// the first truncationLength letters of every longer word, so that
// "devolver" also finds "devoluciones": truncation is a dictionary-free
// stemmer that works well for Romance languages (McNamee, Nicholas and
// Mayfield, "Addressing morphological variation in alphabetic languages",
// SIGIR 2009). The full word stays a term, so exact matches rank higher.
func truncations(ts []term) []term {
	var out []term
	for _, t := range ts {
		r := []rune(fold(t.text))
		if !t.prefix && len(r) > truncationLength && unicode.IsLetter(r[0]) {
			out = append(out, term{text: string(r[:truncationLength]), prefix: true})
		}
	}
	return out
}
