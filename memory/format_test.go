package memory

import (
	"strings"
	"testing"
	"time"
)

func TestFormat(t *testing.T) {
	day := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	rs := []Result{
		{Memory: Memory{ID: 42, Text: "line one\nline two\n", Source: SourceAgent, Updated: day}, Score: 0.912},
		{Memory: Memory{ID: 7, Text: "áéíóú and more", Source: "file:MEMORY.md", Tags: []string{"ops", "deploy"}, Updated: day}, Score: 0.5},
	}
	var b strings.Builder
	FormatResults(&b, rs, 5)
	want := "1. [id 42 · agent · 2025-01-02 · score 0.91] line …\n" +
		"2. [id 7 · file:MEMORY.md · 2025-01-02 · tags ops, deploy · score 0.50] áéíóú…\n"
	if b.String() != want {
		t.Errorf("FormatResults:\n%s\nwant:\n%s", b.String(), want)
	}
	b.Reset()
	FormatMemories(&b, []Memory{rs[0].Memory, rs[1].Memory}, 0)
	if want := "42 [agent · 2025-01-02] line one\n   line two\n7 [file:MEMORY.md · 2025-01-02 · tags ops, deploy] áéíóú and more\n"; b.String() != want {
		t.Errorf("FormatMemories = %q, want %q", b.String(), want)
	}
}

func TestFormatEscapesTerminalControls(t *testing.T) {
	var b strings.Builder
	FormatMemories(&b, []Memory{{ID: 1, Source: "agent", Text: "evil \x1b]0;PWNED\x07\x1b[2J\u202eend\x00\nnext\tline"}}, 0)
	out := b.String()
	if strings.ContainsAny(out, "\x1b\x07\x00\u202e") {
		t.Fatalf("raw control characters in %q", out)
	}
	for _, want := range []string{`\x1b]0;PWNED\a`, `\u202eend\x00`, "\n   next\tline"} {
		if !strings.Contains(out, want) {
			t.Errorf("output %q lacks %q", out, want)
		}
	}
}
