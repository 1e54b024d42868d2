package textindex

import "strings"

// Matched returns the keywords of q that text contains: those with a term
// found among the index forms of text (see Index), compared folded as the
// unicode61 tokenizer compares them. A prefix term matches a form it
// starts; a phrase term (a Katakana word) matches when all its words occur,
// an approximation that ignores their order.
func (q Query) Matched(text string) []string {
	forms := map[string]bool{}
	for _, f := range strings.Fields(Index(text)) {
		forms[Fold(f)] = true
	}
	var out []string
	for _, k := range q.Searched {
		for _, t := range k.Terms {
			if termOccurs(t, forms) {
				out = append(out, k.Keyword)
				break
			}
		}
	}
	return out
}

// termOccurs reports whether t matches one of forms.
func termOccurs(t Term, forms map[string]bool) bool {
	text := Fold(t.Text)
	if t.Prefix {
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
