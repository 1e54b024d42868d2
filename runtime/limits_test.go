package runtime

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestCapResult(t *testing.T) {
	if got := capResult("short", 100); got != "short" {
		t.Fatalf("short text changed: %q", got)
	}
	text := strings.Repeat("é", 1000) + "END"
	got := capResult(text, 400)
	if !utf8.ValidString(got) || !strings.HasPrefix(got, "éé") || !strings.HasSuffix(got, "END") || !strings.Contains(got, "bytes omitted") {
		t.Fatalf("capped = %q", got)
	}
	if len(got) > 400+200 {
		t.Fatalf("capped to %d bytes", len(got))
	}
}
