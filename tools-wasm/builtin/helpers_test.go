package builtin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// newBox returns a Toolbox over a fresh temporary directory holding files
// (path relative to the root → content).
func newBox(t *testing.T, lim Limits, files map[string]string) *Toolbox {
	t.Helper()
	root := t.TempDir()
	for name, content := range files {
		p := filepath.Join(root, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return &Toolbox{Root: root, Limits: lim}
}

// run calls tool name with args marshalled to JSON.
func run(t *testing.T, tb *Toolbox, name string, args any) Result {
	t.Helper()
	raw, err := json.Marshal(args)
	if err != nil {
		t.Fatal(err)
	}
	return tb.Call(name, raw)
}

// wantOK fails unless r is a success whose text equals want.
func wantOK(t *testing.T, r Result, want string) {
	t.Helper()
	if r.IsError || r.Text != want {
		t.Fatalf("got (error=%v)\n%s\nwant success\n%s", r.IsError, r.Text, want)
	}
}

// wantErr fails unless r is an error result containing every fragment.
func wantErr(t *testing.T, r Result, fragments ...string) {
	t.Helper()
	if !r.IsError {
		t.Fatalf("got success %q, want an error", r.Text)
	}
	for _, f := range fragments {
		if !strings.Contains(r.Text, f) {
			t.Fatalf("error %q does not contain %q", r.Text, f)
		}
	}
}

// fileText returns the content of a file below the toolbox root.
func fileText(t *testing.T, tb *Toolbox, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(tb.Root, name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// numbered renders lines from..to of the form "line N" as read prints them.
func numbered(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		if i > from {
			b.WriteByte('\n')
		}
		b.WriteString(strings.Repeat(" ", 6-len(itoa(i))) + itoa(i) + "\tline " + itoa(i))
	}
	return b.String()
}

// lineFile returns n lines "line 1" .. "line n", each ending in a newline.
func lineFile(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		b.WriteString("line " + itoa(i) + "\n")
	}
	return b.String()
}

func itoa(i int) string { return strconv.Itoa(i) }
