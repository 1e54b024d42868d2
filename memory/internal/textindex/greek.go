package textindex

import (
	"strings"
	"unicode"
)

// greekBase maps lower-case Greek letters with tonos or dialytika to the
// base letter, and final sigma to sigma. The unicode61 tokenizer folds case
// in Greek but removes diacritics only from Latin letters, and keeps ς
// apart from σ, so without this "Σίσυφος" would not meet "σισυφος" or
// "ΣΙΣΥΦΟΣ" (monotonic orthography; the polytonic letters of U+1F00-1FFF
// are left as they are).
var greekBase = map[rune]rune{
	'ά': 'α', 'έ': 'ε', 'ή': 'η', 'ί': 'ι', 'ό': 'ο', 'ύ': 'υ', 'ώ': 'ω',
	'ϊ': 'ι', 'ϋ': 'υ', 'ΐ': 'ι', 'ΰ': 'υ', 'ς': 'σ',
}

// greekFold returns w lower-cased and without the accents and final sigma
// greekBase maps, when it has Greek letters; other words are returned
// unchanged.
func greekFold(w string) string {
	if strings.IndexFunc(w, func(r rune) bool { return unicode.Is(unicode.Greek, r) }) < 0 {
		return w
	}
	return strings.Map(func(r rune) rune {
		if base, ok := greekBase[r]; ok {
			return base
		}
		return r
	}, strings.ToLower(w))
}
