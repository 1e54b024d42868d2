//go:build linux

package stepguest

import (
	"bytes"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/sys"
)

// The C guest's JSON reader and writer and its regular expressions are
// compared with encoding/json and regexp through testdata/probe.wasm, a
// test module built from the same C sources (c/probe.c). The fuzz targets
// run their seeds with every `go test`; `go test -fuzz=FuzzJSON` (or
// FuzzRegexp) explores further. TestRegexpRandom compares thousands of
// generated expressions on every run.

// probeRun runs the probe module with input on stdin and returns stdout.
func probeRun(t testing.TB, input []byte) string {
	t.Helper()
	probe := probeGuest(t)
	var stdout, stderr bytes.Buffer
	cfg := wazero.NewModuleConfig().WithName("").WithStdin(bytes.NewReader(input)).WithStdout(&stdout).WithStderr(&stderr)
	mod, err := probe.rt.InstantiateModule(context.Background(), probe.mod, cfg)
	if mod != nil {
		mod.Close(context.Background())
	}
	var exit *sys.ExitError
	if err != nil && !(errors.As(err, &exit) && exit.ExitCode() == 0) {
		t.Fatalf("probe: %v\n%s", err, stderr.String())
	}
	return stdout.String()
}

// canonicalJSON re-encodes a valid document as the probe does: no white
// space, strings decoded and encoded again by encoding/json, numbers as
// written.
func canonicalJSON(t testing.TB, doc []byte) string {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(doc))
	dec.UseNumber()
	var b strings.Builder
	// needComma tracks, per open container, whether a value came before;
	// inKey whether the next string of an object is a key.
	type frame struct {
		obj, any, key bool
	}
	var stack []frame
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return b.String()
		}
		if err != nil {
			t.Fatalf("canonicalJSON of a valid document: %v", err)
		}
		if d, ok := tok.(json.Delim); ok && (d == '}' || d == ']') {
			b.WriteByte(byte(d))
			stack = stack[:len(stack)-1]
			continue
		}
		if n := len(stack); n > 0 {
			f := &stack[n-1]
			switch {
			case f.obj && f.key:
				if f.any {
					b.WriteByte(',')
				}
				f.any = true
			case f.obj:
				b.WriteByte(':')
			case f.any:
				b.WriteByte(',')
			default:
				f.any = true
			}
			if f.obj {
				f.key = !f.key
			}
		}
		switch v := tok.(type) {
		case json.Delim:
			b.WriteByte(byte(v))
			stack = append(stack, frame{obj: v == '{', key: true})
		case string:
			enc, _ := json.Marshal(v)
			b.Write(enc)
		case json.Number:
			b.WriteString(string(v))
		case bool:
			if v {
				b.WriteString("true")
			} else {
				b.WriteString("false")
			}
		case nil:
			b.WriteString("null")
		}
	}
}

func checkJSON(t *testing.T, doc []byte) {
	got := probeRun(t, append([]byte{'j'}, doc...))
	if !json.Valid(doc) {
		if got != "error" {
			t.Fatalf("invalid JSON %q accepted: %q", doc, got)
		}
		return
	}
	if want := canonicalJSON(t, doc); got != want {
		t.Fatalf("JSON %q:\n got %q\nwant %q", doc, got, want)
	}
}

var jsonSeeds = []string{
	`{}`, `[]`, `null`, `true`, ` false `, `0`, `-0`, `1.5e-3`, `-12E+7`, `"x"`, `{"a":[1,{"b":null}],"c":"d"}`,
	`"\u00e9\ud83d\ude00\ud800x\udc00\u0000\"\\\/\b\f\n\r\t<>&\u2028\u2029"`, "\"\xff\xfe caf\xe9 \xe2\x82\"", "\"\xed\xa0\x80\"",
	`[1,]`, `{"a":1,}`, `{"a"}`, `[01]`, `[1.]`, `[.5]`, `[1e]`, `[-]`, `"\x"`, `"\u12"`, "\"a\nb\"", `{"a":1}x`, `[`, `]`, ``,
	`  `, `nul`, `[true,false,null]`, `{"":""}`, `{"a":{"a":{"a":{}}}}`, strings.Repeat("[", 10000) + strings.Repeat("]", 10000),
	strings.Repeat("[", 10001) + strings.Repeat("]", 10001), `"` + strings.Repeat("\\u0041", 100) + `"`, "\"\x7f\x01\"",
}

func TestJSONSeeds(t *testing.T) {
	for _, s := range jsonSeeds {
		checkJSON(t, []byte(s))
	}
}

func FuzzJSON(f *testing.F) {
	for _, s := range jsonSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, doc []byte) { checkJSON(t, doc) })
}

// probeRegexp compiles pattern in the probe and matches each line; it
// returns the error text or one '1'/'0' per line.
func probeRegexp(t testing.TB, pattern string, lines []string) string {
	var in bytes.Buffer
	in.WriteByte('r')
	binary.Write(&in, binary.LittleEndian, uint32(len(pattern)))
	in.WriteString(pattern)
	for _, l := range lines {
		binary.Write(&in, binary.LittleEndian, uint32(len(l)))
		in.WriteString(l)
	}
	return probeRun(t, in.Bytes())
}

// goRegexp is probeRegexp's expectation from Go's regexp.
func goRegexp(pattern string, lines []string) string {
	re, err := regexp.Compile(pattern)
	if err != nil {
		return "E" + err.Error()
	}
	var b strings.Builder
	for _, l := range lines {
		if re.MatchString(l) {
			b.WriteByte('1')
		} else {
			b.WriteByte('0')
		}
	}
	return b.String()
}

func checkRegexp(t testing.TB, pattern string, lines []string) {
	t.Helper()
	if got, want := probeRegexp(t, pattern, lines), goRegexp(pattern, lines); got != want {
		t.Fatalf("pattern %q on %q:\n got %q\nwant %q", pattern, lines, got, want)
	}
}

var regexpLines = []string{
	"", "a", "abc", "hello world", "Hello, 世界", "func Hello() {}", "x := a.b(c)", "caf\xe9", "\xff\xfe", "end\r", "line 12 abab",
	"KELVIN \u212a", "long \u017f", "ΔΣσς", "tab\there", "a\nb", "___", "12-34", "é", "AAAA", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa!",
}

var regexpSeeds = []string{
	`func [A-Z]`, `(?i)hello`, `a\.b\(c\)`, `世.$`, `^(1|10)$`, `end$`, `needle`, `hit`, `a(b`, `a**`, `a*?`, `a+?b`, `(?i)k`, `(?i)s`,
	`(?i)[k-s]`, `(?i)[^k]`, `[[:alpha:]]+`, `[[:^digit:]]`, `\d\s\w\D\S\W`, `\bworld\b`, `\Bor\B`, `\Aa`, `c\z`, `(?m)^b$`, `(?s)a.b`,
	`a.b`, `\pL`, `\p{Greek}+`, `\PL`, `\p{^L}`, `\pN`, `\p{Lu}`, `(?i)\p{Lu}`, `\p{Any}`, `\p{Assigned}`, `(?i)\p{ASCII}`, `\p{Han}`,
	`\p{Nope}`, `\p`, `\p{`, `[\p{Greek}\d]`, `\Qa.b\E+`, `\Q(`, `x{2}`, `x{2,}`, `x{2,3}`, `x{,3}`, `x{1001}`, `x{2,1}`, `(x{2}){500}`,
	`(x{2}){501}`, `((a{10}){10}){10}`, `((a{10}){10}){11}`, `a{0}`, `a{0,0}b`, `(?:a|b)+c`, `(?P<name>x)`, `(?<n>x)`, `(?P=n)`, `(?P<>x)`,
	`(?i`, `(?z)`, `(?i-s:a.)`, `(?-)`, `(?i-)`, `[]a]`, `[^]a]`, `[a-]`, `[-a]`, `[z-a]`, `[a-\d]`, `[[:nope:]]`, `[[:word:]]`, `x|`, `|`,
	`(|a)`, `()`, `(?:)`, `*`, `+a`, `a|*`, `(*)`, `^*`, `$+`, `\b*`, `a{`, `a{1`, `a{1,`, `a{1,2`, `{1}`, `a{01}`, `\x41`, `\x{41}`,
	`\x{110000}`, `\x{}`, `\x4`, `\x`, `\0`, `\07`, `\101`, `\1`, `\8`, `\_`, `\q`, `\C`, `\`, `a\`, `\z\A`, `(a*)*`, `(a|b|)*c`, `(a*|b)+$`,
	`[^\x00-\x{10FFFF}]`, `[\x{0}-\x{10FFFF}]`, `\xff`, "\xff", "a\xffb", `\x{fffd}`, `.`, `^$`, `^`, `$`, `(?U)a+`, `(?i)ΣΣ`, `(?i)σ`,
	`[[:upper:][:digit:]]+`, `(?i)[[:upper:]]`, `\W+`, `(a(b(c(d))))`, `a|b|c|[de]`, `(?i)KELVIN k`, `\S+@\S+`,
}

func TestRegexpSeeds(t *testing.T) {
	for _, p := range regexpSeeds {
		checkRegexp(t, p, regexpLines)
	}
}

func FuzzRegexp(f *testing.F) {
	for _, p := range regexpSeeds {
		f.Add(p, "hello world\nHello, 世界\ncaf\xe9\n")
	}
	f.Fuzz(func(t *testing.T, pattern, text string) {
		if len(pattern) > 200 {
			return
		}
		checkRegexp(t, pattern, strings.Split(text, "\n"))
	})
}

// randomRegexp builds an expression from a small grammar that covers the
// syntax the parser knows.
func randomRegexp(r *rand.Rand, depth int) string {
	atoms := []string{"a", "b", "c", "k", "s", "σ", "é", "\\.", ".", "\\d", "\\w", "\\s", "\\b", "\\B", "^", "$", "\\A", "\\z",
		"[a-c]", "[^a]", "[[:alpha:]]", "\\pL", "\\p{Greek}", "(?i:k)", "\\x{212a}", "\\x41", "[k-s]", "[\\d_]", "\u212a", "\ufffd"}
	if depth <= 0 || r.IntN(3) == 0 {
		return atoms[r.IntN(len(atoms))]
	}
	switch r.IntN(9) {
	case 0, 1:
		return randomRegexp(r, depth-1) + randomRegexp(r, depth-1)
	case 2:
		return randomRegexp(r, depth-1) + "|" + randomRegexp(r, depth-1)
	case 3:
		return "(" + randomRegexp(r, depth-1) + ")" + []string{"*", "+", "?", "*?", "{2}", "{0,3}", "{1,}"}[r.IntN(7)]
	case 4:
		return "(?:" + randomRegexp(r, depth-1) + ")"
	case 5:
		return "(?i)" + randomRegexp(r, depth-1)
	case 6:
		return randomRegexp(r, depth-1) + []string{"*", "+", "?", "**", "{3", "{2,1}"}[r.IntN(6)]
	case 7:
		return "(?m)" + randomRegexp(r, depth-1)
	}
	return "(" + randomRegexp(r, depth-1)
}

// TestRegexpRandom compares 3000 generated expressions with Go's regexp
// on lines built from the same alphabet.
func TestRegexpRandom(t *testing.T) {
	r := rand.New(rand.NewPCG(14, 2026))
	alphabet := []string{"a", "b", "c", "k", "K", "s", "S", "\u017f", "\u212a", "σ", "Σ", "ς", "é", "É", ".", "1", "_", " ", "\xff", "\xe9", "A"}
	for range 3000 {
		pattern := randomRegexp(r, 4)
		lines := make([]string, 8)
		for i := range lines {
			var b strings.Builder
			for range r.IntN(8) {
				b.WriteString(alphabet[r.IntN(len(alphabet))])
			}
			lines[i] = b.String()
		}
		checkRegexp(t, pattern, lines)
	}
}
