package memory

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestChunkMarkdown(t *testing.T) {
	doc := `# Ops

Deploys happen on Tuesdays.

## Staging

The staging host is stage-1.

` + "```sh\n# not a heading\nmake deploy\n```" + `

## Empty section
### Deeper

Deep text.
`
	got := chunkMarkdown(doc, 1000)
	want := []string{
		"# Ops\n\nDeploys happen on Tuesdays.",
		"## Staging\n\nThe staging host is stage-1.\n\n```sh\n# not a heading\nmake deploy\n```",
		"### Deeper\n\nDeep text.",
	}
	if strings.Join(got, "\n|\n") != strings.Join(want, "\n|\n") {
		t.Fatalf("chunks:\n%s\nwant:\n%s", strings.Join(got, "\n|\n"), strings.Join(want, "\n|\n"))
	}
}

func TestChunkMarkdownSplitsLongSections(t *testing.T) {
	var b strings.Builder
	b.WriteString("# Notes\n\n")
	for range 20 {
		b.WriteString(strings.Repeat("word ", 30) + "\n\n")
	}
	b.WriteString(strings.Repeat("x", 500)) // one line longer than a chunk
	chunks := chunkMarkdown(b.String(), 200)
	if len(chunks) < 10 {
		t.Fatalf("%d chunks", len(chunks))
	}
	for i, c := range chunks {
		if n := utf8.RuneCountInString(c); n > 200+len("Notes\n") {
			t.Errorf("chunk %d has %d characters", i, n)
		}
		if i > 0 && !strings.HasPrefix(c, "Notes\n") {
			t.Errorf("chunk %d lacks its heading path: %.30q", i, c)
		}
	}
	if !strings.HasPrefix(chunks[0], "# Notes") {
		t.Errorf("first chunk %.30q", chunks[0])
	}
}

func TestAtxHeading(t *testing.T) {
	tests := []struct {
		line  string
		level int
		title string
		ok    bool
	}{
		{"# Title", 1, "Title", true},
		{"###### Six ##", 6, "Six", true},
		{"#######  Seven", 0, "", false},
		{"#hashtag", 0, "", false},
		{"   ## Indented", 2, "Indented", true},
		{"    # code", 0, "", false},
		{"#", 1, "", true},
	}
	for _, tt := range tests {
		level, title, ok := atxHeading(tt.line)
		if level != tt.level || title != tt.title || ok != tt.ok {
			t.Errorf("atxHeading(%q) = %d %q %v", tt.line, level, title, ok)
		}
	}
}
