package builtin

import (
	"strings"
	"testing"
)

func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"*.go", "main.go", true},
		{"*.go", "a/b/main.go", true},
		{"*.go", "main.go.txt", false},
		{"src/*.go", "src/a.go", true},
		{"src/*.go", "src/x/a.go", false},
		{"src/*.go", "a.go", false},
		{"**/*.go", "a.go", true},
		{"**/*.go", "a/b/c.go", true},
		{"src/**/*.go", "src/a.go", true},
		{"src/**/*.go", "src/x/y/a.go", true},
		{"src/**/*.go", "lib/x/a.go", false},
		{"src/**", "src/x/y", true},
		{"**", "anything/at/all", true},
		{"a/**/b/**/c", "a/x/b/y/z/c", true},
		{"a/**/b/**/c", "a/x/y/z/c", false},
		{"*.{go,md}", "x/README.md", true},
		{"*.{go,md}", "x/a.txt", false},
		{"{cmd,internal}/**/*_test.go", "internal/x/y_test.go", true},
		{"{cmd,internal}/**/*_test.go", "pkg/x/y_test.go", false},
		{"{a,{b,c}}.txt", "c.txt", true},
		{"{solo}.txt", "{solo}.txt", true},
		{"?.txt", "a.txt", true},
		{"?.txt", "ab.txt", false},
		{"[abc].txt", "b.txt", true},
		{"./*.txt", "a.txt", true},
		{"héllo/*", "héllo/世界", true},
	}
	for _, tt := range tests {
		g, err := compileGlob(tt.pattern)
		if err != nil {
			t.Fatalf("compileGlob(%q): %v", tt.pattern, err)
		}
		if got := g.match(tt.path); got != tt.want {
			t.Errorf("glob %q on %q = %v, want %v", tt.pattern, tt.path, got, tt.want)
		}
	}
}

func TestCompileGlobErrors(t *testing.T) {
	tests := []struct{ pattern, want string }{
		{"", "pattern is empty"},
		{"/etc/*", "is absolute"},
		{"../*", "leaves the search directory"},
		{"a/[b", "malformed element"},
		{strings.Repeat("{a,b}", 7), "more than 64 alternatives"},
	}
	for _, tt := range tests {
		if _, err := compileGlob(tt.pattern); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("compileGlob(%q) = %v, want an error containing %q", tt.pattern, err, tt.want)
		}
	}
	if _, err := compileGlob(strings.Repeat("{a,b}", 6)); err != nil {
		t.Errorf("64 alternatives refused: %v", err)
	}
}
