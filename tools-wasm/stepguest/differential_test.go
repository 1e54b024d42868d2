//go:build linux

package stepguest

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The differential tests run the same tool calls over identical
// workspaces through the Go guest (agent.wasm, package builtin compiled
// for wasip1, what the model saw until now) and through the C guest, and
// require the same result text, the same error flag and the same files
// afterwards. Package builtin's own tests define what the tools do; these
// show that the port does the same for inputs far beyond them.

// workspace builds a workspace below a fresh parent directory that also
// holds a directory "outside" with a secret, and returns its path.
type workspace func(t testing.TB, dir string)

// sampleTree is a workspace with a bit of everything the tools meet.
func sampleTree(t testing.TB, dir string) {
	files := map[string]string{
		"a.go":                 "package a\n\nfunc Hello() {}\nfunc hello() {}\n",
		"b.txt":                "x := a.b(c)\naxb(c)\n",
		"sub/c.go":             "// Hello, 世界\n",
		"ctx.txt":              "1\n2\nmatch\n4\n5\n6\n7\nmatch\nmatch\n10\n",
		"crlf.txt":             "end\r\nend\r\nmiddle\r\r\n",
		".git/x.go":            "Hello\n",
		"bin.dat":              "Hello\x00\n",
		"many.txt":             strings.Repeat("hit\n", 150),
		"long.txt":             strings.Repeat("z", 2100) + " needle\n" + strings.Repeat("é", 1500) + "\n",
		"latin1.txt":           "caf\xe9 needle and more plain text\n",
		"invalid.txt":          strings.Repeat("\xff\xfe\x80", 100),
		"empty":                "",
		"nonl":                 "no newline at end",
		"blank":                "\n\n\n",
		"README.md":            "# Title\n\nSome *text* with [links](x) and `code`.\nUPPER lower MiXeD\nKelvin \u212a sign, long \u017f\n",
		"src/main.go":          "package main\n\nimport \"fmt\"\n\nfunc main() {\n\tfmt.Println(\"hi\")\n}\n",
		"src/x/deep.go":        "package x // deep\n",
		"src/x/y/z/w.txt":      "w\n",
		"src/.git/HEAD":        "ref\n",
		"sp ace/file name.txt": "spaced\n",
		"é/ü.txt":              "unicode dir\n",
		"dots/..hidden":        "h\n",
		"weird/a\tb.txt":       "tab\n",
		"weird/new\nline.txt":  "newline\n",
		"weird/rtl\u202e.txt":  "bidi\n",
		"big.txt":              bigFile(2500),
	}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range map[string]string{
		"link-in":       "a.go",
		"link-dir":      "src",
		"link-out":      "../outside/secret.txt",
		"link-abs":      filepath.Join(filepath.Dir(dir), "outside", "secret.txt"),
		"link-dangling": "nothing-here",
		"link-loop":     "link-loop",
		"src/up":        "..",
		"src/link-up":   "../a.go",
		"link-dirout":   "../outside",
	} {
		if err := os.Symlink(target, filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "empty-dir"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Link(filepath.Join(dir, "b.txt"), filepath.Join(dir, "hardlink")); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, filepath.Join(dir, "fifo"))
	if err := unix.Mknod(filepath.Join(dir, "nulldev"), unix.S_IFCHR|0o666, int(unix.Mkdev(1, 3))); err != nil {
		t.Fatal(err)
	}
}

// bigFile returns n numbered lines of varying length, some with CRLF.
func bigFile(n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "line %d %s", i, strings.Repeat("ab", i%37))
		if i%11 == 0 {
			b.WriteByte('\r')
		}
		b.WriteByte('\n')
	}
	return b.String()
}

// compare runs calls through both guests over copies of a workspace made
// by build and fails on any difference in results or files.
func compare(t *testing.T, build workspace, calls []toolCall, budgetMs int64) {
	t.Helper()
	dirs := [2]string{}
	for i := range dirs {
		parent := t.TempDir()
		if err := os.MkdirAll(filepath.Join(parent, "outside"), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(parent, "outside", "secret.txt"), []byte("SECRET\n"), 0o644); err != nil {
			t.Fatal(err)
		}
		dirs[i] = filepath.Join(parent, "ws")
		if err := os.Mkdir(dirs[i], 0o755); err != nil {
			t.Fatal(err)
		}
		build(t, dirs[i])
	}
	goRes := runGoTools(t, dirs[0], calls, budgetMs)
	cRes := runCTools(t, dirs[1], calls, budgetMs)
	for i, c := range calls {
		if goRes[i] != cRes[i] {
			t.Errorf("%s %s:\nGo guest (error=%v):\n%s\nC guest (error=%v):\n%s", c.Tool, c.Input, goRes[i].IsError, goRes[i].Text, cRes[i].IsError, cRes[i].Text)
		}
		if strings.Contains(cRes[i].Text, "SECRET") {
			t.Errorf("%s %s revealed the secret", c.Tool, c.Input)
		}
	}
	goTree, cTree := tree(t, dirs[0]), tree(t, dirs[1])
	for name, desc := range cTree { // absolute link targets name their own parent
		cTree[name] = strings.ReplaceAll(desc, filepath.Dir(dirs[1]), filepath.Dir(dirs[0]))
	}
	for name, g := range goTree {
		if c, ok := cTree[name]; !ok || c != g {
			t.Errorf("file %q: Go guest left %q, C guest %q", name, g, c)
		}
	}
	for name, c := range cTree {
		if _, ok := goTree[name]; !ok {
			t.Errorf("file %q: only the C guest left it: %q", name, c)
		}
	}
	for i := range dirs {
		if b, _ := os.ReadFile(filepath.Join(filepath.Dir(dirs[i]), "outside", "secret.txt")); string(b) != "SECRET\n" {
			t.Errorf("the secret outside the workspace changed: %q", b)
		}
	}
}

// calls builds calls of one tool from argument objects.
func calls(tool string, inputs ...string) []toolCall {
	out := make([]toolCall, len(inputs))
	for i, in := range inputs {
		out[i] = toolCall{tool, in}
	}
	return out
}

func TestDifferentialRead(t *testing.T) {
	compare(t, sampleTree, calls("read",
		`{"path":"a.go"}`, `{"path":"/workspace/a.go"}`, `{"path":"./sub/../a.go"}`, `{"path":"sub/c.go"}`,
		`{"path":"crlf.txt"}`, `{"path":"bin.dat"}`, `{"path":"invalid.txt"}`, `{"path":"latin1.txt"}`,
		`{"path":"empty"}`, `{"path":"nonl"}`, `{"path":"blank"}`, `{"path":"long.txt"}`, `{"path":"README.md"}`,
		`{"path":"big.txt"}`, `{"path":"big.txt","offset":2001}`, `{"path":"big.txt","offset":1200,"limit":7}`,
		`{"path":"big.txt","offset":2500}`, `{"path":"big.txt","offset":2501}`, `{"path":"big.txt","offset":0,"limit":0}`,
		`{"path":"big.txt","offset":-1}`, `{"path":"big.txt","limit":-3}`, `{"path":"big.txt","offset":-1,"limit":-3}`,
		`{"path":"big.txt","offset":9223372036854775807}`, `{"path":"big.txt","limit":9223372036854775807}`,
		`{"path":"big.txt","offset":"2"}`, `{"path":"big.txt","offset":1.5}`, `{"path":"big.txt","offset":1e3}`,
		`{"path":"big.txt","offset":99999999999999999999}`, `{"path":"big.txt","offset":null}`, `{"path":5}`,
		`{"path":"sub"}`, `{"path":"/workspace"}`, `{"path":""}`, `{}`, ``, `null`, `[]`, `"a.go"`, `true`, `7`,
		`{"PATH":"a.go"}`, `{"Path":"a.go","OFFSET":2}`, `{"pa\u017fh":"a.go"}`, `{"path":"a.go","encoding":"utf-8"}`,
		`{"path":"a.go","path":"b.txt"}`, `{"path":"nope.txt"}`, `{"path":"nope/x"}`, `{"path":"a.go/x"}`,
		`{"path":"../outside/secret.txt"}`, `{"path":"/etc/passwd"}`, `{"path":"/workspace/../x"}`, `{"path":"/workspacex/y"}`,
		`{"path":"a\u0000b"}`, `{"path":"link-in"}`, `{"path":"link-dir/main.go"}`, `{"path":"link-out"}`, `{"path":"link-abs"}`,
		`{"path":"link-dangling"}`, `{"path":"link-loop"}`, `{"path":"src/up/a.go"}`, `{"path":"src/link-up"}`,
		`{"path":"link-dirout/secret.txt"}`, `{"path":"hardlink"}`, `{"path":"fifo"}`, `{"path":"nulldev"}`,
		`{"path":"sp ace/file name.txt"}`, `{"path":"é/ü.txt"}`, `{"path":"weird/new\nline.txt"}`, `{"path":"a.go/"}`,
		`{"path":"sub/c.go\u2028"}`, `{"path":"\"q\"\\"}`,
	), 0)
}

func TestDifferentialListings(t *testing.T) {
	var cs []toolCall
	cs = append(cs, calls("ls",
		`{}`, `{"path":"/workspace"}`, `{"path":"sub"}`, `{"path":"src"}`, `{"path":"weird"}`, `{"path":"empty-dir"}`,
		`{"limit":3}`, `{"limit":0}`, `{"limit":-1}`, `{"limit":"x"}`, `{"path":"a.go"}`, `{"path":"nope"}`,
		`{"path":"link-dir"}`, `{"path":"link-dirout"}`, `{"path":"../outside"}`, `{"path":"src/up"}`, `{"path":"fifo"}`,
	)...)
	cs = append(cs, calls("find",
		`{"pattern":"*.go"}`, `{"pattern":"**/*.go"}`, `{"pattern":"src/**/*.go"}`, `{"pattern":"src/*"}`, `{"pattern":"**"}`,
		`{"pattern":"*"}`, `{"pattern":"*.{md,txt}"}`, `{"pattern":"x/*.go","path":"src"}`, `{"pattern":"*.go","path":"/workspace/src/x"}`,
		`{"pattern":"*","path":"weird"}`, `{"pattern":"*.go","limit":2}`, `{"pattern":"*.rs"}`, `{"pattern":""}`, `{}`,
		`{"pattern":"[x"}`, `{"pattern":"/workspace/*.go"}`, `{"pattern":"../*"}`, `{"pattern":"a/[b"}`, `{"pattern":"*","path":"a.go"}`,
		`{"pattern":"*","path":"nope"}`, `{"pattern":"{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}{a,b}"}`, `{"pattern":"{a,{b,c}}.txt"}`,
		`{"pattern":"?.go"}`, `{"pattern":"[a-c].*"}`, `{"pattern":"[^a-c]*"}`, `{"pattern":"\\*"}`, `{"pattern":"*\\"}`,
		`{"pattern":"{solo}.txt"}`, `{"pattern":"é/*"}`, `{"pattern":"**/**/w.txt"}`, `{"pattern":"./*.go"}`, `{"pattern":"link*"}`,
		`{"pattern":"*","path":"link-dir"}`, `{"pattern":"*","path":"link-dirout"}`, `{"pattern":"*","limit":-2}`,
		`{"pattern":"[]a]"}`, `{"pattern":"[a-]"}`, `{"pattern":"x","path":"src/up"}`, `{"pattern":"{,a}"}`, `{"pattern":"{"}`,
	)...)
	compare(t, sampleTree, cs, 0)
}

func TestDifferentialGrep(t *testing.T) {
	compare(t, sampleTree, calls("grep",
		`{"pattern":"func [A-Z]"}`, `{"pattern":"hello","ignoreCase":true,"glob":"*.go"}`, `{"pattern":"a.b(c)","literal":true}`,
		`{"pattern":"a.b\\(c\\)","path":"b.txt"}`, `{"pattern":"HELLO,","literal":true,"ignoreCase":true}`, `{"pattern":"世.$"}`,
		`{"pattern":"hello","path":"/workspace/a.go"}`, `{"pattern":"Hello","path":"sub","glob":"*.go"}`,
		`{"pattern":"match","path":"ctx.txt","context":1}`, `{"pattern":"^(1|10)$","path":"ctx.txt","context":3}`,
		`{"pattern":"Hello","context":1,"glob":"*.go"}`, `{"pattern":"end$","path":"crlf.txt"}`, `{"pattern":"middle$"}`,
		`{"pattern":"hit","limit":2}`, `{"pattern":"hit"}`, `{"pattern":"needle"}`, `{"pattern":"Hello","glob":"*.dat"}`,
		`{"pattern":"absent"}`, `{"pattern":"absent","path":"a.go"}`, `{"pattern":"a(b"}`, `{"pattern":"x","glob":"[x"}`,
		`{"pattern":"x","context":-2}`, `{"pattern":"x","context":-2,"limit":-1}`, `{"pattern":"x","path":"nope"}`,
		`{"pattern":"root","path":"link-out"}`, `{"pattern":"x","path":"link-dirout"}`, `{}`, `{"pattern":""}`,
		`{"pattern":"x","ignoreCase":"yes"}`, `{"pattern":"x","path":"fifo"}`, `{"pattern":"x","path":"nulldev"}`,
		`{"pattern":"x","path":"hardlink"}`, `{"pattern":"\\d+"}`, `{"pattern":"\\bline 1\\d\\b","path":"big.txt"}`,
		`{"pattern":"(?i)kelvin k"}`, `{"pattern":"k sign","ignoreCase":true}`, `{"pattern":"LONG \u017f","ignoreCase":true}`,
		`{"pattern":"long s","ignoreCase":true}`, `{"pattern":"[[:upper:]]{5}"}`, `{"pattern":"\\pL+ \\p{Han}"}`,
		`{"pattern":"\\p{Greek}"}`, `{"pattern":"\\p{Nope}"}`, `{"pattern":"a**"}`, `{"pattern":"x{1001}"}`, `{"pattern":"(?P<n>a"}`,
		`{"pattern":"\\Qa.b(\\E"}`, `{"pattern":"(?m)^end$"}`, `{"pattern":"(?s).needle"}`, `{"pattern":"n.*?e"}`,
		`{"pattern":"[^\\x00-\\x7f]+"}`, `{"pattern":"\\x{4e16}"}`, `{"pattern":"\\C"}`, `{"pattern":"\\8"}`, `{"pattern":"\\"}`,
		`{"pattern":"*x"}`, `{"pattern":"x|*"}`, `{"pattern":"()"}`, `{"pattern":"(?i)"}`, `{"pattern":")"}`, `{"pattern":"[z-a]"}`,
		`{"pattern":"[[:nope:]]"}`, `{"pattern":"x{2,1}"}`, `{"pattern":"(a{2}){501}"}`, `{"pattern":"caf.","path":"latin1.txt"}`,
		`{"pattern":"\\xff"}`, `{"pattern":"\ufffd"}`, `{"pattern":"z{2000}"}`, `{"pattern":"line \\d+ (ab){30}","path":"big.txt","limit":5}`,
		`{"pattern":"line","path":"big.txt","context":2,"limit":3}`, `{"pattern":"^$","path":"blank","context":1}`,
		`{"pattern":"x","glob":"**/*.go"}`, `{"pattern":".","glob":"weird/*"}`, `{"pattern":"e","path":"sp ace"}`,
		`{"pattern":"tab|newline|bidi"}`, `{"pattern":"\\Aline 2\\z","path":"big.txt"}`, `{"pattern":"\\Bab\\B","path":"big.txt","limit":1}`,
		`{"pattern":"é{3}"}`, `{"pattern":"(?i)É"}`, `{"pattern":"[^a]","path":"blank"}`, `{"pattern":"x","limit":"9"}`,
		// Literal prefixes, with which grep skips lines that cannot match.
		`{"pattern":"LINE 2499","ignoreCase":true,"path":"big.txt","context":2}`, `{"pattern":"line 1000 ","path":"big.txt","context":1}`,
		`{"pattern":"AbAb","ignoreCase":true,"path":"big.txt","limit":3,"context":1}`, `{"pattern":"line 2500","path":"big.txt"}`,
		`{"pattern":"^line 7 ","path":"big.txt"}`, `{"pattern":"line 1.?0 ab","path":"big.txt","context":4,"limit":4}`,
		`{"pattern":"Kel","ignoreCase":true}`, `{"pattern":"LONG","ignoreCase":true}`, `{"pattern":"needle","context":2}`,
		`{"pattern":"(?i)line 2[0-9]{3} abab","path":"big.txt","limit":2}`, `{"pattern":"\\pLine"}`,
	), 0)
}

func TestDifferentialWriteEdit(t *testing.T) {
	var cs []toolCall
	cs = append(cs, calls("write",
		`{"path":"new.txt","content":"hello\n"}`, `{"path":"x/y/z.txt","content":"deep"}`, `{"path":"/workspace/abs.txt","content":"a"}`,
		`{"path":"a.go","content":"package a\n"}`, `{"path":"empty2","content":""}`, `{"path":"u.txt","content":"世界🌍"}`,
		`{"path":"bad.txt","content":"\ud800 lone"}`, `{"path":"sub","content":"x"}`, `{"path":"/workspace","content":"a"}`,
		`{"path":"a.go/x","content":"a"}`, `{"path":"p"}`, `{"content":"a"}`, `{"path":"q","content":null}`, `{"path":"q","content":5}`,
		`{"path":"../outside/new","content":"x"}`, `{"path":"link-dirout/new","content":"x"}`, `{"path":"link-out","content":"x"}`,
		`{"path":"link-in","content":"via link\n"}`, `{"path":"link-dangling","content":"made\n"}`, `{"path":"link-dir/made.txt","content":"m"}`,
		`{"path":"hardlink","content":"x"}`, `{"path":"fifo","content":"x"}`, `{"path":"nulldev","content":"x"}`,
		`{"path":"src/up/up.txt","content":"u"}`, `{"path":"empty-dir/","content":"slash"}`,
	)...)
	cs = append(cs, calls("edit",
		`{"path":"b.txt","edits":[{"oldText":"axb","newText":"AXB"}]}`,
		`{"path":"ctx.txt","edits":[{"oldText":"match\n","newText":"x"}]}`,
		`{"path":"ctx.txt","edits":[{"oldText":"1\n2","newText":"one\ntwo\nthree"},{"oldText":"three","newText":"3"}]}`,
		`{"path":"crlf.txt","edits":[{"oldText":"end\nend","newText":"fin\nfin"}]}`,
		`{"path":"README.md","edits":[{"oldText":"# Title\n","newText":""}]}`,
		`{"path":"README.md","edits":[{"oldText":"","newText":"x"}]}`,
		`{"path":"README.md","edits":[{"oldText":"Some","newText":"Some"}]}`,
		`{"path":"README.md","edits":[{"oldText":"absent","newText":"x"}]}`,
		`{"path":"README.md","edits":[]}`, `{"path":"README.md"}`, `{"path":"README.md","edits":"x"}`,
		`{"path":"README.md","edits":[5]}`, `{"path":"README.md","edits":[{"oldText":5}]}`, `{"path":"README.md","edits":[null]}`,
		`{"path":"README.md","edits":[{"OLDTEXT":"UPPER","newtext":"upper"}]}`, `{"path":"nope","edits":[{"oldText":"a","newText":"b"}]}`,
		`{"path":"sub","edits":[{"oldText":"a","newText":"b"}]}`, `{"path":"hardlink","edits":[{"oldText":"a","newText":"b"}]}`,
		`{"path":"fifo","edits":[{"oldText":"a","newText":"b"}]}`, `{"path":"link-out","edits":[{"oldText":"S","newText":"b"}]}`,
		`{"path":"src/main.go","edits":[{"oldText":"\t","newText":"    "}]}`, `{"edits":[{"oldText":"a","newText":"b"}]}`,
		`{"path":"many.txt","edits":[{"oldText":"hit\n","newText":"miss\n"}]}`,
		`{"path":"long.txt","edits":[{"oldText":"needle","newText":"pin"},{"oldText":"pin","newText":"needle"}]}`,
	)...)
	cs = append(cs, toolCall{"read", `{"path":"ctx.txt"}`}, toolCall{"ls", `{"path":"x/y"}`})
	compare(t, sampleTree, cs, 0)
}

// TestDifferentialLimits: walks stopped by the visit and depth limits,
// and by the time budget, report the same.
func TestDifferentialLimits(t *testing.T) {
	deep := func(t testing.TB, dir string) {
		p := dir
		for i := range 70 {
			p = filepath.Join(p, "d")
			if err := os.Mkdir(p, 0o755); err != nil {
				t.Fatal(err)
			}
			if i == 2 || i == 69 {
				os.WriteFile(filepath.Join(p, "needle.txt"), []byte("needle\n"), 0o644)
			}
		}
	}
	compare(t, deep, []toolCall{{"find", `{"pattern":"**/needle.txt"}`}, {"grep", `{"pattern":"needle"}`}, {"find", `{"pattern":"d","limit":3}`}}, 0)
}

// TestDifferentialGrepRandom runs 200 generated grep calls (literal
// prefixes, which grep skips lines by, random suffixes, context, limits,
// ignoreCase) over a file of generated lines through both guests.
func TestDifferentialGrepRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 7))
	words := []string{"ab", "Ab", "kit", "Kit", "\u212ait", "sea", "\u017fea", "é", "É", "x1", "x2", "  ", "\t", "needle", "NEEDLE", "\xff"}
	var file strings.Builder
	for range 3000 {
		for range r.IntN(6) {
			file.WriteString(words[r.IntN(len(words))])
		}
		if r.IntN(9) == 0 {
			file.WriteByte('\r')
		}
		file.WriteByte('\n')
	}
	build := func(t testing.TB, dir string) {
		if err := os.WriteFile(filepath.Join(dir, "f.txt"), []byte(file.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	prefixes := []string{"ab", "Ab", "ki", "x1", "needle", "é", "ea", "a", "t", "x"}
	suffixes := []string{"", "", `\d`, `.?k`, `(it|ea)`, `\s*$`, `[a-z]+`, `\b`, "É"}
	var cs []toolCall
	for range 200 {
		args := map[string]any{
			"pattern": prefixes[r.IntN(len(prefixes))] + suffixes[r.IntN(len(suffixes))],
			"path":    "f.txt",
			"context": r.IntN(4),
			"limit":   r.IntN(40),
		}
		if r.IntN(2) == 0 {
			args["ignoreCase"] = true
		}
		if r.IntN(5) == 0 {
			args["literal"] = true
		}
		raw, _ := json.Marshal(args)
		cs = append(cs, toolCall{"grep", string(raw)})
	}
	compare(t, build, cs, 0)
}
