package memory

import "strings"

// matchedKeywords returns the keywords of e that text contains: those with
// a term found among the index forms of text (see indexText), compared
// folded as the unicode61 tokenizer does. A prefix term matches a form it
// starts; a phrase term (a Katakana word) matches when all its bigrams
// occur, an approximation that ignores their order. It tells a caller how
// much of the query a result answers, which the keyword score, relative to
// the query's best hit, cannot.
func matchedKeywords(e expansion, text string) []string {
	forms := map[string]bool{}
	for _, f := range strings.Fields(indexText(text)) {
		forms[fold(f)] = true
	}
	var out []string
	for _, k := range e.searched {
		for _, t := range k.terms {
			if termOccurs(t, forms) {
				out = append(out, k.keyword)
				break
			}
		}
	}
	return out
}

// termOccurs reports whether t matches one of forms.
func termOccurs(t term, forms map[string]bool) bool {
	text := fold(t.text)
	if t.prefix {
		for f := range forms {
			if strings.HasPrefix(f, text) {
				return true
			}
		}
		return false
	}
	for _, part := range strings.Fields(text) {
		if !forms[part] {
			return false
		}
	}
	return true
}
