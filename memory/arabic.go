package memory

import (
	"strings"
	"unicode/utf8"
)

// arabicNormalize applies the orthographic normalisation used for Arabic
// retrieval by Larkey, Ballesteros and Connell ("Improving stemming for
// Arabic information retrieval: light stemming and co-occurrence analysis",
// SIGIR 2002): it removes diacritics (harakat, U+064B–U+0652, and the
// superscript alef U+0670) and the tatweel (U+0640), writes the alef forms
// أ إ آ ٱ as ا, final ى as ي and ة as ه, and Arabic-Indic digits as ASCII
// digits.
func arabicNormalize(w string) string {
	var b strings.Builder
	b.Grow(len(w))
	for _, r := range w {
		switch {
		case r >= 0x064B && r <= 0x0652, r == 0x0670, r == 0x0640:
			continue
		case r == 'أ', r == 'إ', r == 'آ', r == 'ٱ':
			r = 'ا'
		case r == 'ى':
			r = 'ي'
		case r == 'ة':
			r = 'ه'
		case r >= '٠' && r <= '٩':
			r = '0' + (r - '٠')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// Affixes removed by arabicStem, longest first within each list.
var (
	arabicArticles = []string{"وال", "بال", "كال", "فال", "لل", "ال"}
	arabicSuffixes = []string{"ها", "ان", "ات", "ون", "ين", "يه", "ه", "ي"}
)

// arabicStem light-stems a normalised Arabic word after the "light10"
// stemmer of Larkey, Ballesteros and Connell (2007, "Light stemming for
// Arabic information retrieval"): remove a leading و (and) when at least
// three letters remain, then one definite article, then suffixes in list
// order, each only while at least two letters remain.
func arabicStem(w string) string {
	n := utf8.RuneCountInString(w)
	if strings.HasPrefix(w, "و") && n >= 4 {
		w, n = w[len("و"):], n-1
	}
	for _, a := range arabicArticles {
		if strings.HasPrefix(w, a) && n-utf8.RuneCountInString(a) >= 2 {
			w, n = w[len(a):], n-utf8.RuneCountInString(a)
			break
		}
	}
	for _, s := range arabicSuffixes {
		if strings.HasSuffix(w, s) && n-utf8.RuneCountInString(s) >= 2 {
			w, n = w[:len(w)-len(s)], n-utf8.RuneCountInString(s)
		}
	}
	return w
}
