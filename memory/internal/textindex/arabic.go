package textindex

import (
	"strings"
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

// arabicIndexForm is the form an Arabic word takes in the index and in
// queries: the Snowball Arabic stem (which removes verb prefixes and
// suffixes: نستخدمه and يستخدم both give استخدم) of the word without a
// leading conjunction before the article (والمشروع → المشروع, which Snowball
// keeps whole), normalised by arabicNormalize.
func arabicIndexForm(w string) string {
	for _, c := range []string{"و", "ف"} {
		if rest, ok := strings.CutPrefix(w, c); ok && strings.HasPrefix(arabicNormalize(rest), "ال") {
			w = rest
			break
		}
	}
	return arabicNormalize(stem(Arabic, w))
}
