package textindex

import (
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/arabic"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/portuguese"
	"github.com/blevesearch/snowballstem/spanish"
)

// Stemming: the Snowball stemmers (Porter, "Snowball: A language for
// stemming algorithms", 2001; https://snowballstem.org/algorithms/) of
// English (Porter2), Spanish, Portuguese and Arabic, as generated for Go by
// github.com/blevesearch/snowballstem. Both the index and the query are
// stemmed in Go, so a word is reduced the same way on both sides whatever
// the FTS5 tokenizer does.

// snowball holds the stemmer of each language that has one.
var snowball = map[Language]func(*snowballstem.Env) bool{
	English:    english.Stem,
	Spanish:    spanish.Stem,
	Portuguese: portuguese.Stem,
	Arabic:     arabic.Stem,
}

// envPool reuses Snowball environments (a stemmer call allocates one
// otherwise).
var envPool = sync.Pool{New: func() any { return snowballstem.NewEnv("") }}

// stemCacheSize bounds the stem cache (65 536 entries, a few MB shared by
// every store in the process): word frequencies follow Zipf's law, so a few
// thousand words make most of any text, and a map lookup costs less than
// stemming them again.
const stemCacheSize = 1 << 16

// stemCache maps language and lower-cased word to its stem; it is emptied
// when full rather than kept in LRU order, which costs little because the
// frequent words come back at once.
var stemCache = struct {
	sync.Mutex
	m map[stemKey]string
}{m: map[stemKey]string{}}

type stemKey struct {
	lang Language
	word string
}

// stem returns the Snowball stem of word in lang, lower-cased; word
// unchanged but lower-cased for a language without a stemmer.
func stem(lang Language, word string) string {
	w := strings.ToLower(word)
	f := snowball[lang]
	if f == nil {
		return w
	}
	k := stemKey{lang, w}
	stemCache.Lock()
	out, ok := stemCache.m[k]
	stemCache.Unlock()
	if ok {
		return out
	}
	env := envPool.Get().(*snowballstem.Env)
	env.SetCurrent(w)
	f(env)
	out = env.Current()
	envPool.Put(env)
	stemCache.Lock()
	if len(stemCache.m) >= stemCacheSize {
		clear(stemCache.m)
	}
	stemCache.m[k] = out
	stemCache.Unlock()
	return out
}

// romancePrefixLength is the longest prefix romancePrefix returns: five
// letters, the truncation length that McNamee, Nicholas and Mayfield found
// best for Romance languages ("Addressing morphological variation in
// alphabetic languages", SIGIR 2009).
const romancePrefixLength = 5

// personEndings are the plural person endings of Spanish and Portuguese
// verbs after the theme vowel (usa-mos, usá-is, usa-n, usa-m), longest
// first. The singular -s is left out: it is also the noun plural.
var personEndings = []string{"mos", "is", "m", "n"}

// romancePrefix returns a prefix term for a Spanish or Portuguese query
// word, so that inflected forms Snowball keeps apart still meet; ok is false
// when the word gets none.
//
// # Notes
//
//   - A word ending in a plural person ending after a vowel (see
//     personEndings) whose stem changes without it gives the stem of what
//     is left, at least three letters ("usamos", stem "usam", gives "usa",
//     which finds "usa" and "usado").
//   - Otherwise a word longer than romancePrefixLength letters gives its
//     first romancePrefixLength letters (truncation; "devolver" gives
//     "devol", which finds "devoluciones", and "comida" gives "comid", not
//     the "com" of its stem, which would find "como").
func romancePrefix(lang Language, word string) (prefix string, ok bool) {
	w := strings.ToLower(word)
	for _, e := range personEndings {
		rest, cut := strings.CutSuffix(w, e)
		if !cut || utf8.RuneCountInString(rest) < 3 || !endsInVowel(rest) {
			continue
		}
		if root := Fold(stem(lang, rest)); root != Fold(stem(lang, w)) && utf8.RuneCountInString(root) >= 3 {
			return string([]rune(root)[:min(utf8.RuneCountInString(root), romancePrefixLength)]), true
		}
		break
	}
	if r := []rune(Fold(w)); len(r) > romancePrefixLength {
		return string(r[:romancePrefixLength]), true
	}
	return "", false
}

// endsInVowel reports whether w ends in a vowel, accented or not: the theme
// vowel a verb's person ending follows.
func endsInVowel(w string) bool {
	r, _ := utf8.DecodeLastRuneInString(Fold(w))
	return strings.ContainsRune("aeiou", r)
}
