package textindex

import (
	"embed"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
)

//go:embed stopwords/*.txt
var stopwordFiles embed.FS

// wordSet is a set of words.
type wordSet map[string]bool

// loadWords reads stopwords/<name>.txt: whitespace-separated words, lines
// starting with '#' ignored, each word passed through norm.
func loadWords(name string, norm func(string) string) []string {
	data, err := stopwordFiles.ReadFile("stopwords/" + name + ".txt")
	if err != nil {
		panic("textindex: missing embedded word list " + name)
	}
	var out []string
	for line := range strings.Lines(string(data)) {
		if strings.HasPrefix(line, "#") {
			continue
		}
		for _, w := range strings.Fields(line) {
			out = append(out, norm(w))
		}
	}
	return out
}

func toSet(words []string) wordSet {
	s := wordSet{}
	for _, w := range words {
		s[w] = true
	}
	return s
}

// byLengthDesc sorts words longest first (in runes), for longest-match
// scanning.
func byLengthDesc(words []string) []string {
	sort.SliceStable(words, func(i, j int) bool {
		return utf8.RuneCountInString(words[i]) > utf8.RuneCountInString(words[j])
	})
	return words
}

func identity(s string) string { return s }

// wordLists are the stopword lists, one per language, and the Korean
// suffix list.
type wordLists struct {
	stopwords                    map[Language]wordSet
	chineseStopwordsLongestFirst []string
	koreanSuffixes               []string
}

// lists loads the word lists on first use, not in init: a process that
// never analyses text (most CLI commands) does not pay for them.
var lists = sync.OnceValue(func() *wordLists {
	return &wordLists{
		stopwords: map[Language]wordSet{
			English:    toSet(loadWords("en", Fold)),
			Spanish:    toSet(loadWords("es", Fold)),
			Portuguese: toSet(loadWords("pt", Fold)),
			Chinese:    toSet(loadWords("zh", identity)),
			Japanese:   toSet(loadWords("ja", identity)),
			Korean:     toSet(loadWords("ko", identity)),
			Arabic:     toSet(loadWords("ar", arabicNormalize)),
		},
		chineseStopwordsLongestFirst: byLengthDesc(loadWords("zh", identity)),
		koreanSuffixes:               byLengthDesc(loadWords("ko_suffixes", identity)),
	}
})
