package builtin

import (
	"os"
	"path/filepath"
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
