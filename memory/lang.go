package memory

import "github.com/bulkhead-dev/bulkhead/memory/internal/textindex"

// Language is an ISO 639-1 code of a language the query expansion knows.
type Language = textindex.Language

// The languages query expansion supports.
const (
	English    = textindex.English
	Spanish    = textindex.Spanish
	Portuguese = textindex.Portuguese
	Chinese    = textindex.Chinese
	Japanese   = textindex.Japanese
	Korean     = textindex.Korean
	Arabic     = textindex.Arabic
)

// DetectLanguage guesses the language of text as query expansion and
// indexing read it: by script (any kana is Japanese), then, for Latin
// script, by which language's stopwords it holds, English when none
// (Grefenstette, "Comparing two language identification schemes", JADT
// 1995).
func DetectLanguage(text string) Language { return textindex.DetectLanguage(text) }
