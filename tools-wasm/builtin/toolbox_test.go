package builtin

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		in, want string
		escapes  bool
	}{
		{"", ".", false},
		{".", ".", false},
		{"a/b.txt", "a/b.txt", false},
		{"./a//b/../c", "a/c", false},
		{"/workspace", ".", false},
		{"/workspace/", ".", false},
		{"/workspace/a/./b", "a/b", false},
		{"a/..", ".", false},
		{"../../etc/passwd", "", true},
		{"..", "", true},
		{"a/../../x", "", true},
		{"/etc/passwd", "", true},
		{"/workspace/../x", "", true},
		{"/workspacex/y", "", true},
		{"/", "", true},
	}
	for _, tt := range tests {
		got, err := resolve(tt.in)
		if tt.escapes {
			if err == nil || !strings.Contains(err.Error(), "path escapes the workspace") {
				t.Errorf("resolve(%q) = %q, %v; want an escape error", tt.in, got, err)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("resolve(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
	if _, err := resolve("a\x00b"); err == nil {
		t.Error("a path with a NUL byte was accepted")
	}
}

// TestEscapes runs every tool on paths outside the workspace and checks each
// is refused and nothing outside is created.
func TestEscapes(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "ws")
	if err := os.MkdirAll(filepath.Join(parent, "secret"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(parent, "secret", "key"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.MkdirAll(root, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../secret", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	tb := &Toolbox{Root: root}
	paths := []string{"../../etc/passwd", "/etc/passwd", "/workspace/../x", "../secret/key", "../ws2/new", "link/key", "link/new"}
	for _, p := range paths {
		calls := map[string]map[string]any{
			"read":  {"path": p},
			"write": {"path": p, "content": "pwned"},
			"edit":  {"path": p, "edits": []edit{{"oldText": "x", "newText": "pwned"}}},
			"ls":    {"path": p},
			"find":  {"pattern": "*", "path": p},
			"grep":  {"pattern": "x", "path": p},
		}
		for name, args := range calls {
			t.Run(name+" "+p, func(t *testing.T) {
				wantErr(t, run(t, tb, name, args), "path escapes the workspace")
			})
		}
	}
	if b, _ := os.ReadFile(filepath.Join(parent, "secret", "key")); string(b) != "x\n" {
		t.Fatalf("the file outside the workspace was changed to %q", b)
	}
	for _, p := range []string{filepath.Join(parent, "ws2"), filepath.Join(parent, "secret", "new")} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Fatalf("%s was created outside the workspace", p)
		}
	}
}

func TestCallInputs(t *testing.T) {
	tb := newBox(t, Limits{}, map[string]string{"f": "x\n"})
	tests := []struct {
		name, tool string
		input      string
		ok         bool
		want       string
	}{
		{"invalid JSON", "read", `{"path": "f"`, false, "invalid arguments"},
		{"not an object", "read", `["f"]`, false, "invalid arguments"},
		{"wrong type", "ls", `{"limit": "many"}`, false, "invalid arguments"},
		{"unknown parameters are ignored", "read", `{"path": "f", "encoding": "utf-8"}`, true, "     1\tx"},
		{"empty input is an empty object", "ls", ``, true, "f"},
		{"null input is an empty object", "ls", `null`, true, "f"},
		{"unknown tool", "bash", `{}`, false, `unknown tool "bash"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tb.Call(tt.tool, json.RawMessage(tt.input))
			if tt.ok {
				wantOK(t, r, tt.want)
			} else {
				wantErr(t, r, tt.want)
			}
		})
	}
}

func TestCallRecoversPanics(t *testing.T) {
	var tb *Toolbox
	wantErr(t, tb.Call("read", json.RawMessage(`{"path":"f"}`)), "read: internal error")
}

func TestCallMissingRoot(t *testing.T) {
	tb := &Toolbox{Root: filepath.Join(t.TempDir(), "absent")}
	wantErr(t, run(t, tb, "ls", map[string]any{}), "ls: cannot open the workspace")
}

func TestHas(t *testing.T) {
	var tb Toolbox
	for _, name := range []string{"read", "write", "edit", "ls", "find", "grep"} {
		if !tb.Has(name) {
			t.Errorf("Has(%q) = false", name)
		}
	}
	for _, name := range []string{"bash", "", "Read", "memory_store"} {
		if tb.Has(name) {
			t.Errorf("Has(%q) = true", name)
		}
	}
}

func TestSpecs(t *testing.T) {
	want := map[string]struct{ props, required []string }{
		"read":  {[]string{"limit", "offset", "path"}, []string{"path"}},
		"write": {[]string{"content", "path"}, []string{"path", "content"}},
		"edit":  {[]string{"edits", "path"}, []string{"path", "edits"}},
		"ls":    {[]string{"limit", "path"}, nil},
		"find":  {[]string{"limit", "path", "pattern"}, []string{"pattern"}},
		"grep":  {[]string{"context", "glob", "ignoreCase", "limit", "literal", "path", "pattern"}, []string{"pattern"}},
	}
	tb := Toolbox{Limits: Limits{ReadLines: 77}}
	specs := tb.Specs()
	var names []string
	for _, s := range specs {
		names = append(names, s.Name)
		if !tb.Has(s.Name) {
			t.Errorf("spec %q has no implementation", s.Name)
		}
		var sch struct {
			Type       string                     `json:"type"`
			Properties map[string]json.RawMessage `json:"properties"`
			Required   []string                   `json:"required"`
		}
		if err := json.Unmarshal(s.Parameters, &sch); err != nil {
			t.Fatalf("%s parameters: %v", s.Name, err)
		}
		var props []string
		for p := range sch.Properties {
			props = append(props, p)
		}
		slices.Sort(props)
		w := want[s.Name]
		if sch.Type != "object" || !slices.Equal(props, w.props) || !slices.Equal(sch.Required, w.required) {
			t.Errorf("%s schema: type %q, properties %v, required %v; want object, %v, %v", s.Name, sch.Type, props, sch.Required, w.props, w.required)
		}
		if s.Description == "" {
			t.Errorf("%s has no description", s.Name)
		}
	}
	if !slices.Equal(names, []string{"read", "write", "edit", "ls", "find", "grep"}) {
		t.Errorf("tool names %v", names)
	}
	if !strings.Contains(specs[0].Description, "At most 77 lines and 50 KiB") {
		t.Errorf("read description does not state the effective limits: %q", specs[0].Description)
	}
	var items struct {
		Properties struct {
			Edits struct {
				Items struct {
					Required []string `json:"required"`
				} `json:"items"`
			} `json:"edits"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(specs[2].Parameters, &items); err != nil || !slices.Equal(items.Properties.Edits.Items.Required, []string{"oldText", "newText"}) {
		t.Errorf("edit items schema: %s, %v", specs[2].Parameters, err)
	}
}

func TestLimitDefaults(t *testing.T) {
	got := Limits{ReadLines: -3, Matches: 7}.withDefaults()
	want := Limits{
		ReadLines: DefaultReadLines, OutputBytes: 50 << 10, LineBytes: 2000, Entries: 500, Matches: 7,
		Visit: 100000, Depth: 64, Budget: 30 * time.Second, GrepFileBytes: 8 << 20, WriteBytes: 10 << 20,
	}
	if got != want {
		t.Fatalf("withDefaults = %+v, want %+v", got, want)
	}
	for n, s := range map[int64]string{0: "0 bytes", 100: "100 bytes", 1024: "1 KiB", 51200: "50 KiB", 1025: "1025 bytes", 8 << 20: "8 MiB"} {
		if got := size(n); got != s {
			t.Errorf("size(%d) = %q, want %q", n, got, s)
		}
	}
}
