package builtin

import (
	"os"
	"path/filepath"
	"testing"
)

func TestWrite(t *testing.T) {
	tests := []struct {
		name    string
		lim     Limits
		path    string
		content string
		want    string
	}{
		{"new file", Limits{}, "a.txt", "hello\n", "wrote 6 bytes to a.txt (new file)"},
		{"parents created", Limits{}, "x/y/z.txt", "deep", "wrote 4 bytes to x/y/z.txt (new file)"},
		{"absolute under the workspace", Limits{}, "/workspace/abs.txt", "a", "wrote 1 bytes to abs.txt (new file)"},
		{"overwrite", Limits{}, "old.txt", "new", "wrote 3 bytes to old.txt (replaced its content)"},
		{"empty content", Limits{}, "empty", "", "wrote 0 bytes to empty (new file)"},
		{"unicode", Limits{}, "u.txt", "世界🌍", "wrote 10 bytes to u.txt (new file)"},
		{"exactly at the size limit", Limits{WriteBytes: 4}, "four", "1234", "wrote 4 bytes to four (new file)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newBox(t, tt.lim, map[string]string{"old.txt": "old content that is longer"})
			wantOK(t, run(t, tb, "write", map[string]any{"path": tt.path, "content": tt.content}), tt.want)
			name, _ := resolve(tt.path)
			if got := fileText(t, tb, name); got != tt.content {
				t.Fatalf("file holds %q, want %q", got, tt.content)
			}
		})
	}
}

func TestWriteKeepsMode(t *testing.T) {
	tb := newBox(t, Limits{}, map[string]string{"run.sh": "echo old\n"})
	p := filepath.Join(tb.Root, "run.sh")
	if err := os.Chmod(p, 0o755); err != nil {
		t.Fatal(err)
	}
	wantOK(t, run(t, tb, "write", map[string]any{"path": "run.sh", "content": "echo new\n"}), "wrote 9 bytes to run.sh (replaced its content)")
	if info, err := os.Stat(p); err != nil || info.Mode().Perm() != 0o755 {
		t.Fatalf("mode after write: %v, %v; want 0755", info.Mode(), err)
	}
}

func TestWriteErrors(t *testing.T) {
	tb := newBox(t, Limits{WriteBytes: 4}, map[string]string{"dir/f": "x", "file": "x"})
	tests := []struct {
		name string
		args map[string]any
		want []string
	}{
		{"over the size limit", map[string]any{"path": "big", "content": "12345"}, []string{"content is 5 bytes, over the limit of 4 bytes"}},
		{"missing content", map[string]any{"path": "a"}, []string{"content is required"}},
		{"missing path", map[string]any{"content": "a"}, []string{"path is required"}},
		{"directory", map[string]any{"path": "dir", "content": "a"}, []string{"write dir: is a directory"}},
		{"workspace itself", map[string]any{"path": "/workspace", "content": "a"}, []string{"write /workspace: is a directory"}},
		{"parent is a file", map[string]any{"path": "file/x", "content": "a"}, []string{"write file/x: not a directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, run(t, tb, "write", tt.args), tt.want...)
		})
	}
	if _, err := os.Stat(filepath.Join(tb.Root, "big")); !os.IsNotExist(err) {
		t.Fatalf("a refused write created the file: %v", err)
	}
}
