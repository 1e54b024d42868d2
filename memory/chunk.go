package memory

import (
	"strings"
	"unicode/utf8"
)

// DefaultChunkChars is the largest chunk, in characters, that the file and
// session indexers store as one memory.
const DefaultChunkChars = 1500

// chunkMarkdown splits a Markdown document into chunks of at most maxChars
// characters for indexing, following the document's structure. Chunks
// holding only white space or only headings are dropped.
//
// # Notes
//
//   - A heading (ATX, "# " to "###### ", outside fenced code blocks; see
//     CommonMark 0.31, section 4.2) always starts a new chunk.
//   - Blank-line-separated blocks are kept whole and packed together while
//     they fit; a block longer than maxChars is split at line breaks, then at
//     the character limit.
//   - A chunk that does not start with its heading gets the heading path
//     ("Ops › Staging") as its first line, so it makes sense alone.
func chunkMarkdown(text string, maxChars int) []string {
	if maxChars <= 0 {
		maxChars = DefaultChunkChars
	}
	var (
		out      []string
		headings []string // current heading path, by level
		cur      []string // blocks of the chunk being built
		curLen   int
		curHead  string // heading path prefix of cur
		hasBody  bool   // cur holds more than headings
	)
	flush := func() {
		if hasBody {
			body := strings.TrimSpace(strings.Join(cur, "\n\n"))
			if curHead != "" {
				body = curHead + "\n" + body
			}
			out = append(out, body)
		}
		cur, curLen, hasBody = nil, 0, false
		curHead = strings.Join(headings, " › ")
	}
	add := func(block string, isHeading bool) {
		n := utf8.RuneCountInString(block) + 2
		if len(cur) > 0 && curLen+n > maxChars {
			flush()
		}
		cur = append(cur, block)
		curLen += n
		hasBody = hasBody || !isHeading
	}
	for _, blk := range markdownBlocks(text) {
		if level, title, ok := atxHeading(blk); ok {
			flush()
			headings = append(headings[:min(level-1, len(headings))], title)
			curHead = "" // the chunk starts with its own heading
			add(blk, true)
			continue
		}
		for _, piece := range splitLong(blk, maxChars-utf8.RuneCountInString(curHead)-1) {
			add(piece, false)
		}
	}
	flush()
	return out
}

// markdownBlocks splits text at blank lines, keeping fenced code blocks
// (``` or ~~~) whole, and returns each heading line as its own block.
func markdownBlocks(text string) []string {
	var (
		blocks []string
		cur    []string
		fence  string
	)
	flush := func() {
		if len(cur) > 0 {
			blocks = append(blocks, strings.Join(cur, "\n"))
			cur = nil
		}
	}
	for line := range strings.Lines(strings.ReplaceAll(text, "\r\n", "\n")) {
		line = strings.TrimRight(line, "\n")
		trimmed := strings.TrimSpace(line)
		switch {
		case fence != "":
			cur = append(cur, line)
			if strings.HasPrefix(trimmed, fence) {
				fence = ""
			}
		case strings.HasPrefix(trimmed, "```") || strings.HasPrefix(trimmed, "~~~"):
			fence = trimmed[:3]
			cur = append(cur, line)
		case trimmed == "":
			flush()
		default:
			if _, _, ok := atxHeading(line); ok {
				flush()
				blocks = append(blocks, line)
				continue
			}
			cur = append(cur, line)
		}
	}
	flush()
	return blocks
}

// atxHeading parses an ATX heading line: up to three spaces, 1-6 '#', then a
// space or the end of the line.
func atxHeading(line string) (level int, title string, ok bool) {
	if strings.Contains(line, "\n") {
		return 0, "", false
	}
	s := strings.TrimLeft(line, " ")
	if len(line)-len(s) > 3 {
		return 0, "", false
	}
	for level < len(s) && s[level] == '#' {
		level++
	}
	if level == 0 || level > 6 || (level < len(s) && s[level] != ' ' && s[level] != '\t') {
		return 0, "", false
	}
	title = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s[level:]), "#"))
	return level, title, true
}

// splitLong splits a block longer than maxChars characters at line breaks,
// and lines still too long at the character limit.
func splitLong(block string, maxChars int) []string {
	maxChars = max(maxChars, 1)
	if utf8.RuneCountInString(block) <= maxChars {
		return []string{block}
	}
	var out []string
	var cur strings.Builder
	curLen := 0
	for _, line := range strings.Split(block, "\n") {
		for utf8.RuneCountInString(line) > maxChars {
			if curLen > 0 {
				out = append(out, cur.String())
				cur.Reset()
				curLen = 0
			}
			r := []rune(line)
			out = append(out, string(r[:maxChars]))
			line = string(r[maxChars:])
		}
		n := utf8.RuneCountInString(line)
		if curLen > 0 && curLen+1+n > maxChars {
			out = append(out, cur.String())
			cur.Reset()
			curLen = 0
		}
		if curLen > 0 {
			cur.WriteByte('\n')
			curLen++
		}
		cur.WriteString(line)
		curLen += n
	}
	if curLen > 0 {
		out = append(out, cur.String())
	}
	return out
}
