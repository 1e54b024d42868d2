package builtin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLs(t *testing.T) {
	files := map[string]string{"b.txt": "", "a.txt": "", "sub/x": "", ".hidden": "", "Z": "", "é.md": ""}
	tests := []struct {
		name string
		lim  Limits
		args map[string]any
		want string
	}{
		{"workspace by default", Limits{}, map[string]any{}, ".hidden\nZ\na.txt\nb.txt\nempty/\nlink@\nsub/\né.md"},
		{"absolute workspace", Limits{}, map[string]any{"path": "/workspace"}, ".hidden\nZ\na.txt\nb.txt\nempty/\nlink@\nsub/\né.md"},
		{"subdirectory", Limits{}, map[string]any{"path": "sub"}, "x"},
		{"limit", Limits{}, map[string]any{"limit": 2}, ".hidden\nZ\n\n[showing 2 of 8 entries; use find with a pattern to narrow the listing]"},
		{"entries limit", Limits{Entries: 3}, map[string]any{"limit": 50}, ".hidden\nZ\na.txt\n\n[showing 3 of 8 entries; use find with a pattern to narrow the listing]"},
		{"byte limit", Limits{OutputBytes: 10}, map[string]any{}, ".hidden\nZ\n\n[showing 2 of 8 entries; use find with a pattern to narrow the listing]"},
		{"empty directory", Limits{}, map[string]any{"path": "empty"}, "empty is an empty directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newBox(t, tt.lim, files)
			if err := os.Symlink("sub", filepath.Join(tb.Root, "link")); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(tb.Root, "empty"), 0o755); err != nil {
				t.Fatal(err)
			}
			wantOK(t, run(t, tb, "ls", tt.args), tt.want)
		})
	}
}

func TestLsErrors(t *testing.T) {
	tb := newBox(t, Limits{}, map[string]string{"f": "x"})
	tests := []struct {
		name string
		args map[string]any
		want string
	}{
		{"file", map[string]any{"path": "f"}, "ls f: not a directory; use read"},
		{"missing", map[string]any{"path": "nope"}, "ls nope: no such file or directory"},
		{"negative limit", map[string]any{"limit": -1}, "limit must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, run(t, tb, "ls", tt.args), tt.want)
		})
	}
}

func TestListingEscapesControlCharacters(t *testing.T) {
	dir := t.TempDir()
	weird := "weird\nname\u202e.txt"
	if err := os.WriteFile(filepath.Join(dir, weird), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "plain é.txt"), []byte("x\n"), 0o644)
	tb := &Toolbox{Root: dir}
	for _, tool := range []string{"ls", "find"} {
		input := `{}`
		if tool == "find" {
			input = `{"pattern":"*.txt"}`
		}
		res := tb.Call(tool, json.RawMessage(input))
		if res.IsError || strings.Count(res.Text, "\n") != 1 || !strings.Contains(res.Text, `"weird\nname\u202e.txt"`) || !strings.Contains(res.Text, "plain é.txt") {
			t.Errorf("%s = %q", tool, res.Text)
		}
	}
}
