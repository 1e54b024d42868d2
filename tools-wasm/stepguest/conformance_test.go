//go:build linux

package stepguest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The test cases of package tools-wasm/builtin (read_test.go, write_test.go,
// edit_test.go, ls_test.go, find_test.go, grep_test.go, glob_test.go,
// lines_test.go, walk_test.go, toolbox_test.go, workspace_test.go),
// ported to run through the C module: each builds its workspace, runs a
// step whose model response holds the tool call, and checks the tool_end
// result. Cases that set a limit below its default (Limits{ReadLines: 4},
// …) cannot be set through the module, which runs with the defaults as
// the Go guest did; they are kept with inputs scaled to the default
// limits. Cases about Go internals (the workspace root cache, lineReader
// with a tiny buffer) are covered by the tool-level behaviour they exist
// for.

// newWorkspace writes files (path relative to the root → content) into a
// fresh directory and returns it.
func newWorkspace(t testing.TB, files map[string]string) string {
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
	return root
}

// cCall runs one tool call through the C guest with args (marshalled to
// JSON, or a raw JSON string) over dir.
func cCall(t testing.TB, dir, tool string, args any) toolOutcome {
	t.Helper()
	return cCallBudget(t, dir, tool, args, 0)
}

func cCallBudget(t testing.TB, dir, tool string, args any, budgetMs int64) toolOutcome {
	t.Helper()
	raw, ok := args.(string)
	if !ok {
		b, err := json.Marshal(args)
		if err != nil {
			t.Fatal(err)
		}
		raw = string(b)
	}
	return runCTools(t, dir, []toolCall{{tool, raw}}, budgetMs)[0]
}

func wantOK(t testing.TB, r toolOutcome, want string) {
	t.Helper()
	if r.IsError || r.Text != want {
		t.Fatalf("got (error=%v)\n%s\nwant success\n%s", r.IsError, r.Text, want)
	}
}

func wantErr(t testing.TB, r toolOutcome, fragments ...string) {
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

func itoa(i int) string { return strconv.Itoa(i) }

// numbered renders lines from..to of the form "line N" as read prints them.
func numbered(from, to int) string {
	var b strings.Builder
	for i := from; i <= to; i++ {
		if i > from {
			b.WriteByte('\n')
		}
		fmt.Fprintf(&b, "%6d\tline %d", i, i)
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

func TestRead(t *testing.T) {
	wide := strings.Repeat("x", 993) // a numbered line of 1000 bytes
	var wideWant strings.Builder
	for i := 1; i <= 51; i++ {
		fmt.Fprintf(&wideWant, "%6d\t%s\n", i, wide)
	}
	tests := []struct {
		name    string
		content string
		args    map[string]any
		want    string
	}{
		{"whole file", "a\nb\nc\n", nil, "     1\ta\n     2\tb\n     3\tc"},
		{"no final newline", "a\nb", nil, "     1\ta\n     2\tb"},
		{"blank lines kept", "a\n\n\nb\n", nil, "     1\ta\n     2\t\n     3\t\n     4\tb"},
		{"crlf shown without carriage returns", "a\r\nb\r\n", nil, "     1\ta\n     2\tb"},
		{"unicode", "héllo 世界 🌍\nçà\n", nil, "     1\théllo 世界 🌍\n     2\tçà"},
		{"offset and limit", lineFile(10), map[string]any{"offset": 3, "limit": 2},
			numbered(3, 4) + "\n\n[showing lines 3-4 of 10; call read with offset=5 to continue]"},
		{"offset to the end", lineFile(10), map[string]any{"offset": 9}, numbered(9, 10)},
		{"offset 0 means 1", lineFile(2), map[string]any{"offset": 0}, numbered(1, 2)},
		{"line limit", lineFile(2010), nil,
			numbered(1, 2000) + "\n\n[showing lines 1-2000 of 2010; call read with offset=2001 to continue]"},
		{"limit above the maximum is capped", lineFile(2100), map[string]any{"offset": 2, "limit": 5000},
			numbered(2, 2001) + "\n\n[showing lines 2-2001 of 2100; call read with offset=2002 to continue]"},
		{"byte limit", strings.Repeat(wide+"\n", 100), nil,
			strings.TrimSuffix(wideWant.String(), "\n") + "\n\n[showing lines 1-51 of 100 (output limit of 50 KiB reached); call read with offset=52 to continue]"},
		{"long line cut", strings.Repeat("x", 2500) + "\nok\n", nil,
			"     1\t" + strings.Repeat("x", 2000) + "… [line cut, 2500 bytes in all]\n     2\tok"},
		{"cut at a rune boundary", "a" + strings.Repeat("é", 1000) + "\n", nil,
			"     1\ta" + strings.Repeat("é", 999) + "… [line cut, 2001 bytes in all]"},
		{"cut exactly at a rune", strings.Repeat("é", 1001) + "\n", nil,
			"     1\t" + strings.Repeat("é", 1000) + "… [line cut, 2002 bytes in all]"},
		{"latin-1 with few invalid bytes is text", "caf\xe9 " + strings.Repeat("plain text ", 5) + "\n", nil,
			"     1\tcaf\ufffd " + strings.Repeat("plain text ", 5)}, // an invalid byte is U+FFFD in the event's JSON, as from the Go guest
		{"empty file", "", nil, "f is empty (0 lines)"},
		{"binary by NUL", "abc\x00def", nil, "binary file (7 bytes), not shown"},
		{"binary by invalid UTF-8", strings.Repeat("\xff\xfe\x80", 100), nil, "binary file (300 bytes), not shown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newWorkspace(t, map[string]string{"f": tt.content})
			args := map[string]any{"path": "f"}
			for k, v := range tt.args {
				args[k] = v
			}
			wantOK(t, cCall(t, dir, "read", args), tt.want)
		})
	}
}

func TestReadErrors(t *testing.T) {
	dir := newWorkspace(t, map[string]string{"f": lineFile(3), "dir/x": "x"})
	if err := os.Symlink("/etc/passwd", filepath.Join(dir, "out")); err != nil {
		t.Fatal(err)
	}
	mkfifo(t, filepath.Join(dir, "fifo"))
	tests := []struct {
		name string
		args map[string]any
		want []string
	}{
		{"missing path", map[string]any{}, []string{"path is required"}},
		{"no such file", map[string]any{"path": "nope.txt"}, []string{"read nope.txt: no such file", "use ls or find"}},
		{"directory", map[string]any{"path": "dir"}, []string{"read dir: is a directory; use ls"}},
		{"offset past the end", map[string]any{"path": "f", "offset": 9}, []string{"offset 9 is past the end of the file (3 lines)"}},
		{"negative offset", map[string]any{"path": "f", "offset": -1}, []string{"offset must not be negative"}},
		{"negative limit", map[string]any{"path": "f", "limit": -5}, []string{"limit must not be negative"}},
		{"string offset", map[string]any{"path": "f", "offset": "2"}, []string{"invalid arguments"}},
		{"symlink out of the workspace", map[string]any{"path": "out"}, []string{"path escapes the workspace through a symbolic link"}},
		// TestReadSpecialFile and TestFsErrorExplainsRefusals: the host
		// refuses a FIFO, which WASI shows with an unknown file type.
		{"FIFO", map[string]any{"path": "fifo"}, []string{"read fifo: not a regular file (a FIFO, a socket or another special file)"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, cCall(t, dir, "read", tt.args), tt.want...)
		})
	}
}

// TestReadPages reads a large file page by page, following the offsets the
// notices give, and checks every line comes back exactly once.
func TestReadPages(t *testing.T) {
	dir := newWorkspace(t, map[string]string{"big.txt": lineFile(5123)})
	wantOK(t, cCall(t, dir, "read", map[string]any{"path": "big.txt"}), numbered(1, 2000)+"\n\n[showing lines 1-2000 of 5123; call read with offset=2001 to continue]")
	var got []string
	offset := 1
	for pages := 0; offset > 0; pages++ {
		if pages > 3 {
			t.Fatal("more pages than expected")
		}
		r := cCall(t, dir, "read", map[string]any{"path": "big.txt", "offset": offset})
		if r.IsError {
			t.Fatal(r.Text)
		}
		body, notice, _ := strings.Cut(r.Text, "\n\n")
		got = append(got, body)
		offset = 0
		if notice != "" {
			_, next, _ := strings.Cut(notice, "offset=")
			offset, _ = strconv.Atoi(strings.TrimSuffix(next, " to continue]"))
		}
	}
	if strings.Join(got, "\n") != numbered(1, 5123) {
		t.Fatal("pages do not add up to the file")
	}
}

// TestReadLineLongerThanBuffer checks a line longer than the read buffer is
// cut and does not disturb the numbering of the following lines.
func TestReadLineLongerThanBuffer(t *testing.T) {
	dir := newWorkspace(t, map[string]string{"f": "a\n" + strings.Repeat("y", 200<<10) + "\nb\n"})
	want := "     1\ta\n     2\t" + strings.Repeat("y", 2000) + "… [line cut, 204800 bytes in all]\n     3\tb"
	wantOK(t, cCall(t, dir, "read", map[string]any{"path": "f"}), want)
	// A long last line without a newline, and one exactly the size of the
	// buffer (TestLineReader's cases at the module's buffer size).
	dir = newWorkspace(t, map[string]string{"f": "a\n" + strings.Repeat("q", 64<<10), "g": strings.Repeat("r", 64<<10-1) + "\nend"})
	wantOK(t, cCall(t, dir, "read", map[string]any{"path": "f"}), "     1\ta\n     2\t"+strings.Repeat("q", 2000)+"… [line cut, 65536 bytes in all]")
	wantOK(t, cCall(t, dir, "read", map[string]any{"path": "g"}), "     1\t"+strings.Repeat("r", 2000)+"… [line cut, 65535 bytes in all]\n     2\tend")
}

// TestReadAcrossBuffers reads a file several times larger than the read
// buffer, with lines of every length up to a few thousand bytes, some cut
// and some short ones ending in CRLF, and compares a window from its
// middle with fmt's rendering of the same lines.
func TestReadAcrossBuffers(t *testing.T) {
	const lines, first, limit = 2500, 1200, 30
	var content strings.Builder
	text := make([]string, lines+1)
	for i := 1; i <= lines; i++ {
		text[i] = strings.Repeat(string(rune('a'+i%26)), i%2397)
		content.WriteString(text[i])
		if i%7 == 0 && len(text[i]) <= 2000 {
			content.WriteByte('\r')
		}
		content.WriteByte('\n')
	}
	var want strings.Builder
	for i := first; i < first+limit; i++ {
		line := text[i]
		if len(line) > 2000 {
			line = fmt.Sprintf("%s… [line cut, %d bytes in all]", line[:2000], len(line))
		}
		fmt.Fprintf(&want, "%6d\t%s\n", i, line)
	}
	want.WriteString(fmt.Sprintf("\n[showing lines %d-%d of %d; call read with offset=%d to continue]", first, first+limit-1, lines, first+limit))
	dir := newWorkspace(t, map[string]string{"big.txt": content.String()})
	wantOK(t, cCall(t, dir, "read", map[string]any{"path": "big.txt", "offset": first, "limit": limit}), want.String())
}

// TestLineNumber checks the line numbers across the change to seven
// digits, as fmt's "%6d\t" prints them.
func TestLineNumber(t *testing.T) {
	dir := newWorkspace(t, map[string]string{"f": strings.Repeat("x\n", 1000005)})
	var want strings.Builder
	for i := 999995; i <= 1000004; i++ {
		fmt.Fprintf(&want, "%6d\tx\n", i)
	}
	want.WriteString("\n[showing lines 999995-1000004 of 1000005; call read with offset=1000005 to continue]")
	wantOK(t, cCall(t, dir, "read", map[string]any{"path": "f", "offset": 999995, "limit": 10}), want.String())
}

func TestWrite(t *testing.T) {
	tests := []struct {
		name, path, content, want string
	}{
		{"new file", "a.txt", "hello\n", "wrote 6 bytes to a.txt (new file)"},
		{"parents created", "x/y/z.txt", "deep", "wrote 4 bytes to x/y/z.txt (new file)"},
		{"absolute under the workspace", "/workspace/abs.txt", "a", "wrote 1 bytes to abs.txt (new file)"},
		{"overwrite", "old.txt", "new", "wrote 3 bytes to old.txt (replaced its content)"},
		{"empty content", "empty", "", "wrote 0 bytes to empty (new file)"},
		{"unicode", "u.txt", "世界🌍", "wrote 10 bytes to u.txt (new file)"},
		{"exactly at the size limit", "big", strings.Repeat("w", 10<<20), "wrote 10485760 bytes to big (new file)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newWorkspace(t, map[string]string{"old.txt": "old content that is longer"})
			wantOK(t, cCall(t, dir, "write", map[string]any{"path": tt.path, "content": tt.content}), tt.want)
			b, err := os.ReadFile(filepath.Join(dir, strings.TrimPrefix(tt.path, "/workspace/")))
			if err != nil || string(b) != tt.content {
				t.Fatalf("file holds %d bytes (%v), want %d", len(b), err, len(tt.content))
			}
		})
	}
}

func TestWriteKeepsMode(t *testing.T) {
	dir := newWorkspace(t, map[string]string{"run.sh": "echo old\n"})
	p := filepath.Join(dir, "run.sh")
	if err := os.Chmod(p, 0o755); err != nil {
		t.Fatal(err)
	}
	wantOK(t, cCall(t, dir, "write", map[string]any{"path": "run.sh", "content": "echo new\n"}), "wrote 9 bytes to run.sh (replaced its content)")
	if info, err := os.Stat(p); err != nil || info.Mode().Perm() != 0o755 {
		t.Fatalf("mode after write: %v, %v; want 0755", info.Mode(), err)
	}
}

func TestWriteErrors(t *testing.T) {
	dir := newWorkspace(t, map[string]string{"dir/f": "x", "file": "x"})
	tests := []struct {
		name string
		args map[string]any
		want []string
	}{
		{"over the size limit", map[string]any{"path": "big", "content": strings.Repeat("w", 10<<20+1)}, []string{"content is 10485761 bytes, over the limit of 10 MiB"}},
		{"missing content", map[string]any{"path": "a"}, []string{"content is required"}},
		{"missing path", map[string]any{"content": "a"}, []string{"path is required"}},
		{"directory", map[string]any{"path": "dir", "content": "a"}, []string{"write dir: is a directory"}},
		{"workspace itself", map[string]any{"path": "/workspace", "content": "a"}, []string{"write /workspace: is a directory"}},
		{"parent is a file", map[string]any{"path": "file/x", "content": "a"}, []string{"write file/x: not a directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, cCall(t, dir, "write", tt.args), tt.want...)
		})
	}
	if _, err := os.Stat(filepath.Join(dir, "big")); !os.IsNotExist(err) {
		t.Fatalf("a refused write created the file: %v", err)
	}
}

type edit = map[string]string

func TestEdit(t *testing.T) {
	tests := []struct {
		name, before string
		edits        []edit
		after, want  string
	}{
		{"one edit", "alpha\nbeta\ngamma\n", []edit{{"oldText": "beta", "newText": "BETA"}}, "alpha\nBETA\ngamma\n",
			"edited f: 1 edit applied, 17 bytes now\n  edit 1 of 1: line 2: 1 line replaced by 1 line"},
		{"edits apply in sequence", "a = 1\n", []edit{{"oldText": "a = 1", "newText": "a = 2\nb = 3"}, {"oldText": "b = 3", "newText": "b = 4"}},
			"a = 2\nb = 4\n",
			"edited f: 2 edits applied, 12 bytes now\n  edit 1 of 2: line 1: 1 line replaced by 2 lines\n  edit 2 of 2: line 2: 1 line replaced by 1 line"},
		{"delete text", "keep\ndrop\n", []edit{{"oldText": "drop\n", "newText": ""}}, "keep\n",
			"edited f: 1 edit applied, 5 bytes now\n  edit 1 of 1: line 2: 1 line replaced by nothing"},
		{"regexp characters are plain text", "x := a.b(c)*[d]\n", []edit{{"oldText": "a.b(c)*[d]", "newText": "e"}}, "x := e\n",
			"edited f: 1 edit applied, 7 bytes now\n  edit 1 of 1: line 1: 1 line replaced by 1 line"},
		{"unicode", "héllo 世界\n", []edit{{"oldText": "世界", "newText": "🌍"}}, "héllo 🌍\n",
			"edited f: 1 edit applied, 12 bytes now\n  edit 1 of 1: line 1: 1 line replaced by 1 line"},
		{"crlf file with lf oldText", "one\r\ntwo\r\nthree\r\n", []edit{{"oldText": "one\ntwo", "newText": "1\n2"}}, "1\r\n2\r\nthree\r\n",
			"edited f: 1 edit applied, 13 bytes now\n  edit 1 of 1: line 1: 2 lines replaced by 2 lines"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newWorkspace(t, map[string]string{"f": tt.before})
			wantOK(t, cCall(t, dir, "edit", map[string]any{"path": "f", "edits": tt.edits}), tt.want)
			if b, _ := os.ReadFile(filepath.Join(dir, "f")); string(b) != tt.after {
				t.Fatalf("file holds %q, want %q", b, tt.after)
			}
		})
	}
}

// TestEditErrors checks each failure names the edit, gives a hint, and
// leaves the file untouched even when earlier edits applied.
func TestEditErrors(t *testing.T) {
	const before = "x\nx\nx\nunique\n"
	big := strings.Repeat("b", 10<<20-len(before)) + before // exactly at the limit
	tests := []struct {
		name, content string
		args          map[string]any
		want          []string
	}{
		{"not found after a good edit", before, map[string]any{"path": "f", "edits": []edit{{"oldText": "unique", "newText": "u"}, {"oldText": "absent", "newText": "y"}}},
			[]string{"edit 2 of 2: oldText not found", "No changes were written", "read the file again"}},
		{"not unique", before, map[string]any{"path": "f", "edits": []edit{{"oldText": "x\n", "newText": "y\n"}}},
			[]string{"edit 1 of 1: oldText occurs 3 times", "exactly once", "more surrounding lines"}},
		{"an earlier edit makes a later one ambiguous", before, map[string]any{"path": "f", "edits": []edit{{"oldText": "unique", "newText": "x"}, {"oldText": "x", "newText": "q"}}},
			[]string{"edit 2 of 2: oldText occurs 4 times"}},
		{"empty oldText", before, map[string]any{"path": "f", "edits": []edit{{"oldText": "", "newText": "y"}}},
			[]string{"edit 1 of 1: oldText is empty"}},
		{"identical texts", before, map[string]any{"path": "f", "edits": []edit{{"oldText": "unique", "newText": "unique"}}},
			[]string{"oldText and newText are identical"}},
		{"no edits", before, map[string]any{"path": "f", "edits": []edit{}}, []string{"edits is required"}},
		{"top-level oldText is not an edit", before, map[string]any{"path": "f", "oldText": "x", "newText": "y"}, []string{"edits is required"}},
		{"missing file", before, map[string]any{"path": "nope", "edits": []edit{{"oldText": "a", "newText": "b"}}},
			[]string{"edit nope: no such file; use write"}},
		{"file over the size limit", strings.Repeat("o", 10<<20+1), map[string]any{"path": "f", "edits": []edit{{"oldText": "unique", "newText": "u"}}},
			[]string{"file is 10485761 bytes, over the limit of 10 MiB"}},
		{"result over the size limit", big, map[string]any{"path": "f", "edits": []edit{{"oldText": "unique", "newText": "much longer text"}}},
			[]string{"the result would be 10485770 bytes, over the limit of 10 MiB"}},
		{"edits not a list", before, map[string]any{"path": "f", "edits": "x"}, []string{"invalid arguments"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newWorkspace(t, map[string]string{"f": tt.content})
			wantErr(t, cCall(t, dir, "edit", tt.args), tt.want...)
			if b, _ := os.ReadFile(filepath.Join(dir, "f")); string(b) != tt.content {
				t.Fatalf("a failed edit changed the file (%d bytes)", len(b))
			}
		})
	}
}

func TestEditKeepsMode(t *testing.T) {
	dir := newWorkspace(t, map[string]string{"run.sh": "echo old\n"})
	p := filepath.Join(dir, "run.sh")
	if err := os.Chmod(p, 0o750); err != nil {
		t.Fatal(err)
	}
	if r := cCall(t, dir, "edit", map[string]any{"path": "run.sh", "edits": []edit{{"oldText": "old", "newText": "new"}}}); r.IsError {
		t.Fatal(r.Text)
	}
	if info, err := os.Stat(p); err != nil || info.Mode().Perm() != 0o750 {
		t.Fatalf("mode after edit: %v, %v; want 0750", info.Mode(), err)
	}
}

func TestLs(t *testing.T) {
	files := map[string]string{"b.txt": "", "a.txt": "", "sub/x": "", ".hidden": "", "Z": "", "é.md": ""}
	tests := []struct {
		name string
		args map[string]any
		want string
	}{
		{"workspace by default", map[string]any{}, ".hidden\nZ\na.txt\nb.txt\nempty/\nlink@\nsub/\né.md"},
		{"absolute workspace", map[string]any{"path": "/workspace"}, ".hidden\nZ\na.txt\nb.txt\nempty/\nlink@\nsub/\né.md"},
		{"subdirectory", map[string]any{"path": "sub"}, "x"},
		{"limit", map[string]any{"limit": 2}, ".hidden\nZ\n\n[showing 2 of 8 entries; use find with a pattern to narrow the listing]"},
		{"empty directory", map[string]any{"path": "empty"}, "empty is an empty directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newWorkspace(t, files)
			if err := os.Symlink("sub", filepath.Join(dir, "link")); err != nil {
				t.Fatal(err)
			}
			if err := os.Mkdir(filepath.Join(dir, "empty"), 0o755); err != nil {
				t.Fatal(err)
			}
			wantOK(t, cCall(t, dir, "ls", tt.args), tt.want)
		})
	}
}

// TestLsLimits: the entries and byte limits at their defaults (500
// entries, 50 KiB).
func TestLsLimits(t *testing.T) {
	files := map[string]string{}
	for i := range 510 {
		files[fmt.Sprintf("many/f%03d", i)] = ""
	}
	for i := range 300 {
		files[fmt.Sprintf("wide/%03d%s", i, strings.Repeat("n", 247))] = "" // 251 bytes a line
	}
	dir := newWorkspace(t, files)
	r := cCall(t, dir, "ls", map[string]any{"path": "many", "limit": 900})
	if body, notice, _ := strings.Cut(r.Text, "\n\n"); r.IsError || strings.Count(body, "\n") != 499 || notice != "[showing 500 of 510 entries; use find with a pattern to narrow the listing]" {
		t.Fatalf("entries limit: %q", notice)
	}
	r = cCall(t, dir, "ls", map[string]any{"path": "wide"})
	if body, notice, _ := strings.Cut(r.Text, "\n\n"); r.IsError || strings.Count(body, "\n") != 202 || notice != "[showing 203 of 300 entries; use find with a pattern to narrow the listing]" {
		t.Fatalf("byte limit: %q", notice)
	}
}

func TestLsErrors(t *testing.T) {
	dir := newWorkspace(t, map[string]string{"f": "x"})
	for name, tt := range map[string]struct {
		args map[string]any
		want string
	}{
		"file":           {map[string]any{"path": "f"}, "ls f: not a directory; use read"},
		"missing":        {map[string]any{"path": "nope"}, "ls nope: no such file or directory"},
		"negative limit": {map[string]any{"limit": -1}, "limit must not be negative"},
	} {
		t.Run(name, func(t *testing.T) { wantErr(t, cCall(t, dir, "ls", tt.args), tt.want) })
	}
}

func TestListingEscapesControlCharacters(t *testing.T) {
	dir := newWorkspace(t, map[string]string{"weird\nname\u202e.txt": "x\n", "plain é.txt": "x\n"})
	for _, tool := range []string{"ls", "find"} {
		input := `{}`
		if tool == "find" {
			input = `{"pattern":"*.txt"}`
		}
		r := cCall(t, dir, tool, input)
		if r.IsError || strings.Count(r.Text, "\n") != 1 || !strings.Contains(r.Text, `"weird\nname\u202e.txt"`) || !strings.Contains(r.Text, "plain é.txt") {
			t.Errorf("%s = %q", tool, r.Text)
		}
	}
}

func TestFind(t *testing.T) {
	files := map[string]string{
		"main.go": "", "README.md": "", "src/a.go": "", "src/b.txt": "", "src/x/c.go": "",
		"lib/d.go": "", ".git/config.go": "", "src/.git/e.go": "", "outside/f.go": "",
	}
	tests := []struct {
		name string
		args map[string]any
		want string
	}{
		{"basename at any depth", map[string]any{"pattern": "*.go"}, "lib/d.go\nmain.go\noutside/f.go\nsrc/a.go\nsrc/x/c.go"},
		{"double star", map[string]any{"pattern": "src/**/*.go"}, "src/a.go\nsrc/x/c.go"},
		{"one level", map[string]any{"pattern": "src/*"}, "src/.git/\nsrc/a.go\nsrc/b.txt\nsrc/link@\nsrc/x/"},
		{"relative to path", map[string]any{"pattern": "x/*.go", "path": "src"}, "src/x/c.go"},
		{"absolute path", map[string]any{"pattern": "*.go", "path": "/workspace/src/x"}, "src/x/c.go"},
		{"braces", map[string]any{"pattern": "*.{md,txt}"}, "README.md\nsrc/b.txt"},
		{"directories end with slash", map[string]any{"pattern": "x"}, "src/x/"},
		{"symlinks shown, not followed", map[string]any{"pattern": "**/f.go"}, "outside/f.go"},
		{"limit", map[string]any{"pattern": "*.go", "limit": 2}, "lib/d.go\nmain.go\n\n[showing 2 of 5 matches; narrow path or pattern]"},
		{"no match", map[string]any{"pattern": "*.rs"}, "no files match \"*.rs\" in /workspace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := newWorkspace(t, files)
			if err := os.Symlink("../outside", filepath.Join(dir, "src", "link")); err != nil {
				t.Fatal(err)
			}
			wantOK(t, cCall(t, dir, "find", tt.args), tt.want)
		})
	}
}

// TestFindLimits: the entries and byte limits at their defaults.
func TestFindLimits(t *testing.T) {
	files := map[string]string{}
	for i := range 510 {
		files[fmt.Sprintf("f%03d.go", i)] = ""
	}
	for i := range 300 {
		files[fmt.Sprintf("w/%03d%s.txt", i, strings.Repeat("n", 239))] = "" // with "w/", 249 bytes a line
	}
	dir := newWorkspace(t, files)
	r := cCall(t, dir, "find", map[string]any{"pattern": "*.go", "limit": 900})
	if _, notice, _ := strings.Cut(r.Text, "\n\n"); r.IsError || notice != "[showing 500 of 510 matches; narrow path or pattern]" {
		t.Fatalf("entries limit: %q", notice)
	}
	r = cCall(t, dir, "find", map[string]any{"pattern": "*.txt"})
	if _, notice, _ := strings.Cut(r.Text, "\n\n"); r.IsError || notice != "[showing 205 of 300 matches; narrow path or pattern]" {
		t.Fatalf("byte limit: %q", notice)
	}
}

func TestFindErrors(t *testing.T) {
	dir := newWorkspace(t, map[string]string{"f": ""})
	for name, tt := range map[string]struct {
		args map[string]any
		want string
	}{
		"no pattern":       {map[string]any{}, "pattern is required"},
		"bad pattern":      {map[string]any{"pattern": "[x"}, "malformed element"},
		"absolute pattern": {map[string]any{"pattern": "/workspace/*.go"}, "pass the directory as path"},
		"file as path":     {map[string]any{"pattern": "*", "path": "f"}, "find f: not a directory"},
		"missing path":     {map[string]any{"pattern": "*", "path": "nope"}, "find nope: no such file or directory"},
	} {
		t.Run(name, func(t *testing.T) { wantErr(t, cCall(t, dir, "find", tt.args), tt.want) })
	}
}

// TestFindSymlinkLoop checks a symbolic link to an ancestor does not make
// the walk loop.
func TestFindSymlinkLoop(t *testing.T) {
	dir := newWorkspace(t, map[string]string{"a/b/f.go": ""})
	if err := os.Symlink("../..", filepath.Join(dir, "a", "b", "up")); err != nil {
		t.Fatal(err)
	}
	wantOK(t, cCall(t, dir, "find", map[string]any{"pattern": "**"}), "a/\na/b/\na/b/f.go\na/b/up@")
}

// TestGlobMatch runs builtin's glob table through find: a path matches if
// find lists it.
func TestGlobMatch(t *testing.T) {
	tests := []struct {
		pattern, path string
		want          bool
	}{
		{"*.go", "main.go", true}, {"*.go", "a/b/main.go", true}, {"*.go", "main.go.txt", false},
		{"src/*.go", "src/a.go", true}, {"src/*.go", "src/x/a.go", false}, {"src/*.go", "a.go", false},
		{"**/*.go", "a.go", true}, {"**/*.go", "a/b/c.go", true}, {"src/**/*.go", "src/a.go", true},
		{"src/**/*.go", "src/x/y/a.go", true}, {"src/**/*.go", "lib/x/a.go", false}, {"src/**", "src/x/y", true},
		{"**", "anything/at/all", true}, {"a/**/b/**/c", "a/x/b/y/z/c", true}, {"a/**/b/**/c", "a/x/y/z/c", false},
		{"*.{go,md}", "x/README.md", true}, {"*.{go,md}", "x/a.txt", false},
		{"{cmd,internal}/**/*_test.go", "internal/x/y_test.go", true}, {"{cmd,internal}/**/*_test.go", "pkg/x/y_test.go", false},
		{"{a,{b,c}}.txt", "c.txt", true}, {"{solo}.txt", "{solo}.txt", true}, {"?.txt", "a.txt", true}, {"?.txt", "ab.txt", false},
		{"[abc].txt", "b.txt", true}, {"./*.txt", "a.txt", true}, {"héllo/*", "héllo/世界", true},
	}
	for _, tt := range tests {
		dir := newWorkspace(t, map[string]string{tt.path: ""})
		r := cCall(t, dir, "find", map[string]any{"pattern": tt.pattern})
		listed := false
		for _, line := range strings.Split(r.Text, "\n") {
			listed = listed || line == tt.path
		}
		if r.IsError || listed != tt.want {
			t.Errorf("glob %q on %q: find says %q, want listed %v", tt.pattern, tt.path, r.Text, tt.want)
		}
	}
}

func TestCompileGlobErrors(t *testing.T) {
	dir := newWorkspace(t, map[string]string{"f": ""})
	for _, tt := range []struct{ pattern, want string }{
		{"/etc/*", "is absolute"},
		{"../*", "leaves the search directory"},
		{"a/[b", "malformed element"},
		{strings.Repeat("{a,b}", 7), "more than 64 alternatives"},
	} {
		wantErr(t, cCall(t, dir, "find", map[string]any{"pattern": tt.pattern}), tt.want)
	}
	if r := cCall(t, dir, "find", map[string]any{"pattern": strings.Repeat("{a,b}", 6)}); r.IsError {
		t.Errorf("64 alternatives refused: %q", r.Text)
	}
}

func TestGrep(t *testing.T) {
	files := map[string]string{
		"a.go":       "package a\n\nfunc Hello() {}\nfunc hello() {}\n",
		"b.txt":      "x := a.b(c)\naxb(c)\n",
		"sub/c.go":   "// Hello, 世界\n",
		"ctx.txt":    "1\n2\nmatch\n4\n5\n6\n7\nmatch\nmatch\n10\n",
		"crlf.txt":   "end\r\nend\r\n",
		".git/x.go":  "Hello\n",
		"bin.dat":    "Hello\x00\n",
		"many.txt":   strings.Repeat("hit\n", 7),
		"long.txt":   strings.Repeat("z", 30) + " needle\n",
		"latin1.txt": "caf\xe9 needle and more plain text\n",
	}
	tests := []struct {
		name string
		args map[string]any
		want string
	}{
		{"regexp over the tree", map[string]any{"pattern": "func [A-Z]"}, "a.go:3: func Hello() {}"},
		{"ignore case", map[string]any{"pattern": "hello", "ignoreCase": true, "glob": "*.go"},
			"a.go:3: func Hello() {}\na.go:4: func hello() {}\nsub/c.go:1: // Hello, 世界"},
		{"literal with metacharacters", map[string]any{"pattern": "a.b(c)", "literal": true}, "b.txt:1: x := a.b(c)"},
		{"same text as a regexp", map[string]any{"pattern": "a.b\\(c\\)", "path": "b.txt"}, "b.txt:1: x := a.b(c)\nb.txt:2: axb(c)"},
		{"literal ignore case", map[string]any{"pattern": "HELLO,", "literal": true, "ignoreCase": true}, "sub/c.go:1: // Hello, 世界"},
		{"unicode pattern", map[string]any{"pattern": "世.$"}, "sub/c.go:1: // Hello, 世界"},
		{"one file", map[string]any{"pattern": "hello", "path": "/workspace/a.go"}, "a.go:4: func hello() {}"},
		{"glob relative to path", map[string]any{"pattern": "Hello", "path": "sub", "glob": "*.go"}, "sub/c.go:1: // Hello, 世界"},
		{"context", map[string]any{"pattern": "match", "path": "ctx.txt", "context": 1},
			"ctx.txt-2- 2\nctx.txt:3: match\nctx.txt-4- 4\n--\nctx.txt-7- 7\nctx.txt:8: match\nctx.txt:9: match\nctx.txt-10- 10"},
		{"context at the file edges", map[string]any{"pattern": "^(1|10)$", "path": "ctx.txt", "context": 3},
			"ctx.txt:1: 1\nctx.txt-2- 2\nctx.txt-3- match\nctx.txt-4- 4\n--\nctx.txt-7- 7\nctx.txt-8- match\nctx.txt-9- match\nctx.txt:10: 10"},
		{"context groups across files", map[string]any{"pattern": "Hello", "context": 1, "glob": "*.go"},
			"a.go-2- \na.go:3: func Hello() {}\na.go-4- func hello() {}\n--\nsub/c.go:1: // Hello, 世界"},
		{"crlf lines match at the end", map[string]any{"pattern": "end$", "path": "crlf.txt"}, "crlf.txt:1: end\ncrlf.txt:2: end"},
		{"limit", map[string]any{"pattern": "hit", "limit": 2},
			"many.txt:1: hit\nmany.txt:2: hit\n\n[stopped after 2 matches; narrow the pattern, path or glob]"},
		{"binary files skipped and counted", map[string]any{"pattern": "Hello", "glob": "*.dat"},
			"no matches for \"Hello\" in /workspace\n[skipped 1 binary file]"},
		{"no match", map[string]any{"pattern": "absent"}, "no matches for \"absent\" in /workspace\n[skipped 1 binary file]"},
		{"no match in a file", map[string]any{"pattern": "absent", "path": "a.go"}, "no matches for \"absent\" in a.go"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantOK(t, cCall(t, newWorkspace(t, files), "grep", tt.args), tt.want)
		})
	}
}

// TestGrepLimits: the matches, byte, line and file size limits at their
// defaults (100 matches, 50 KiB, 2000 bytes a line, 8 MiB).
func TestGrepLimits(t *testing.T) {
	dir := newWorkspace(t, map[string]string{
		"many.txt":  strings.Repeat("hit\n", 150),
		"wide.txt":  strings.Repeat(strings.Repeat("w", 1500)+" wide\n", 40),
		"long.txt":  strings.Repeat("z", 2030) + " needle\n",
		"large.txt": strings.Repeat("needle\n", 8<<20/7+1),
		"ok.txt":    "needle\n",
	})
	var hits strings.Builder
	for i := 1; i <= 100; i++ {
		fmt.Fprintf(&hits, "many.txt:%d: hit\n", i)
	}
	wantOK(t, cCall(t, dir, "grep", map[string]any{"pattern": "hit", "limit": 500, "glob": "many.txt"}), hits.String()+"\n[stopped after 100 matches; narrow the pattern, path or glob]")
	r := cCall(t, dir, "grep", map[string]any{"pattern": "wide$", "path": "wide.txt"})
	if _, notice, _ := strings.Cut(r.Text, "\n\n"); r.IsError || notice != "[output limit of 50 KiB reached after 33 matches; narrow the pattern, path or glob]" {
		t.Fatalf("byte limit: %q", notice)
	}
	wantOK(t, cCall(t, dir, "grep", map[string]any{"pattern": "needle", "path": "long.txt"}), "long.txt:1: "+strings.Repeat("z", 2000)+"… [line cut, 2037 bytes in all]")
	wantOK(t, cCall(t, dir, "grep", map[string]any{"pattern": "needle", "glob": "{large,ok}.txt"}), "ok.txt:1: needle\n\n[skipped 1 file over 8 MiB]")
}

func TestGrepErrors(t *testing.T) {
	dir := newWorkspace(t, map[string]string{"f": "x\n"})
	if err := os.Symlink("/etc", filepath.Join(dir, "etc")); err != nil {
		t.Fatal(err)
	}
	for name, tt := range map[string]struct {
		args map[string]any
		want string
	}{
		"no pattern":               {map[string]any{}, "pattern is required"},
		"invalid regexp":           {map[string]any{"pattern": "a(b"}, "invalid regular expression"},
		"invalid regexp hint":      {map[string]any{"pattern": "a(b"}, "set literal to true"},
		"bad glob":                 {map[string]any{"pattern": "x", "glob": "[x"}, "glob: pattern \"[x\": malformed element"},
		"negative context":         {map[string]any{"pattern": "x", "context": -2}, "context must not be negative"},
		"missing path":             {map[string]any{"pattern": "x", "path": "nope"}, "grep nope: no such file or directory"},
		"escape through a symlink": {map[string]any{"pattern": "root", "path": "etc"}, "path escapes the workspace through a symbolic link"},
	} {
		t.Run(name, func(t *testing.T) { wantErr(t, cCall(t, dir, "grep", tt.args), tt.want) })
	}
}

// deepTree makes depth nested directories named "d" below root with
// mkdirat(2) relative to the last (the whole path is longer than
// PATH_MAX), with "needle.txt" at level 3 and at the bottom.
func deepTree(t testing.TB, root string, depth int) {
	t.Helper()
	fd, err := unix.Open(root, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i <= depth; i++ {
		if err := unix.Mkdirat(fd, "d", 0o755); err != nil {
			t.Fatal(err)
		}
		next, err := unix.Openat(fd, "d", unix.O_RDONLY|unix.O_DIRECTORY, 0)
		unix.Close(fd)
		if err != nil {
			t.Fatal(err)
		}
		fd = next
		if i == 3 || i == depth {
			f, err := unix.Openat(fd, "needle.txt", unix.O_CREAT|unix.O_WRONLY, 0o644)
			if err != nil {
				t.Fatal(err)
			}
			unix.Write(f, []byte("needle\n"))
			unix.Close(f)
		}
	}
	unix.Close(fd)
}

// TestWalkDepthLimit: find and grep over a tree 3000 levels deep return
// the matches above the default depth limit of 64 with a notice.
func TestWalkDepthLimit(t *testing.T) {
	dir := t.TempDir()
	deepTree(t, dir, 3000)
	notice := "[1 directory deeper than 64 levels not searched; search from a deeper path]"
	wantOK(t, cCall(t, dir, "find", map[string]any{"pattern": "**/needle.txt"}), "d/d/d/needle.txt\n\n"+notice+"\n[showing 1 of the first 1 matches]")
	wantOK(t, cCall(t, dir, "grep", map[string]any{"pattern": "needle"}), "d/d/d/needle.txt:1: needle\n\n"+notice)
}

// TestWalkBudget: a walk or a search past the call's time budget (here
// tool_budget_ms 1) stops and says so, keeping what it found.
func TestWalkBudget(t *testing.T) {
	files := map[string]string{"big.txt": strings.Repeat("line\n", 8<<20/5-1)}
	for i := range 3000 {
		files[filepath.Join("dir", "f"+itoa(i)+".txt")] = "line\n"
	}
	dir := newWorkspace(t, files)
	const stopped = "[search stopped after 1ms, the time budget of one tool call"
	for _, c := range []toolCall{{"find", `{"pattern":"*.txt","path":"dir"}`}, {"grep", `{"pattern":"absent","path":"dir"}`}, {"grep", `{"pattern":"absent","path":"big.txt"}`}} {
		if r := cCallBudget(t, dir, c.Tool, c.Input, 1); r.IsError || !strings.Contains(r.Text, stopped) {
			t.Errorf("%s %s: %+v", c.Tool, c.Input, r)
		}
	}
	if r := cCallBudget(t, dir, "ls", `{"path":"dir"}`, 1); !r.IsError || !strings.Contains(r.Text, "ls dir: stopped after 1ms, the time budget of one tool call") {
		t.Errorf("ls: %+v", r)
	}
}

// TestVisitLimit: a walk stops after visiting 100000 entries, and ls says
// how many entries there are at least.
func TestVisitLimit(t *testing.T) {
	dir := t.TempDir()
	fd, err := unix.Open(dir, unix.O_RDONLY|unix.O_DIRECTORY, 0)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100001 {
		f, err := unix.Openat(fd, fmt.Sprintf("f%06d", i), unix.O_CREAT|unix.O_WRONLY, 0o644)
		if err != nil {
			t.Fatal(err)
		}
		unix.Close(f)
	}
	unix.Close(fd)
	r := cCall(t, dir, "find", map[string]any{"pattern": "*", "limit": 1})
	wantOK(t, r, "f000000\n\n[search stopped after visiting 100000 entries; narrow the path or pattern]\n[showing 1 of the first 100000 matches]")
	r = cCall(t, dir, "grep", map[string]any{"pattern": "x"})
	wantOK(t, r, "no matches for \"x\" in /workspace\n[search stopped after visiting 100000 entries; narrow the path or pattern]")
	r = cCall(t, dir, "ls", map[string]any{"limit": 1})
	wantOK(t, r, "f000000\n\n[showing 1 of more than 100000 entries; use find with a pattern to narrow the listing]")
}

func TestResolveThroughTools(t *testing.T) {
	dir := newWorkspace(t, map[string]string{"a/b.txt": "b\n", "a/c": "c\n", "x": "x\n"})
	for _, tt := range []struct{ in, want string }{
		{"a/b.txt", "     1\tb"}, {"./a//b/../c", "     1\tc"}, {"/workspace/a/./b.txt", "     1\tb"}, {"a/../x", "     1\tx"},
	} {
		wantOK(t, cCall(t, dir, "read", map[string]any{"path": tt.in}), tt.want)
	}
	for _, p := range []string{"../../etc/passwd", "..", "a/../../x", "/etc/passwd", "/workspace/../x", "/workspacex/y", "/"} {
		wantErr(t, cCall(t, dir, "read", map[string]any{"path": p}), "path escapes the workspace")
	}
	wantErr(t, cCall(t, dir, "read", map[string]any{"path": "a\x00b"}), `path "a\x00b" contains a NUL byte`)
	wantOK(t, cCall(t, dir, "ls", map[string]any{"path": "a/.."}), "a/\nx")
}

// TestEscapes runs every tool on paths outside the workspace and checks
// each is refused and nothing outside is created.
func TestEscapes(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "ws")
	for _, d := range []string{filepath.Join(parent, "secret"), root} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(parent, "secret", "key"), []byte("x\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("../secret", filepath.Join(root, "link")); err != nil {
		t.Fatal(err)
	}
	var cs []toolCall
	for _, p := range []string{"../../etc/passwd", "/etc/passwd", "/workspace/../x", "../secret/key", "../ws2/new", "link/key", "link/new"} {
		q, _ := json.Marshal(p)
		cs = append(cs,
			toolCall{"read", `{"path":` + string(q) + `}`},
			toolCall{"write", `{"path":` + string(q) + `,"content":"pwned"}`},
			toolCall{"edit", `{"path":` + string(q) + `,"edits":[{"oldText":"x","newText":"pwned"}]}`},
			toolCall{"ls", `{"path":` + string(q) + `}`},
			toolCall{"find", `{"pattern":"*","path":` + string(q) + `}`},
			toolCall{"grep", `{"pattern":"x","path":` + string(q) + `}`})
	}
	for i, r := range runCTools(t, root, cs, 0) {
		if !r.IsError || !strings.Contains(r.Text, "path escapes the workspace") {
			t.Errorf("%s %s: %+v", cs[i].Tool, cs[i].Input, r)
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

// TestCachedRootRefusesEscapes: links to the outside planted after a first
// step are refused by every tool in a later step.
func TestCachedRootRefusesEscapes(t *testing.T) {
	parent := t.TempDir()
	root := filepath.Join(parent, "ws")
	os.MkdirAll(root, 0o755)
	os.WriteFile(filepath.Join(parent, "secret.txt"), []byte("x\n"), 0o644)
	wantOK(t, cCall(t, root, "write", map[string]any{"path": "a.txt", "content": "x\n"}), "wrote 2 bytes to a.txt (new file)")
	for name, target := range map[string]string{"out": "../secret.txt", "up": "..", "abs": parent} {
		if err := os.Symlink(target, filepath.Join(root, name)); err != nil {
			t.Fatal(err)
		}
	}
	cs := []toolCall{
		{"read", `{"path":"out"}`}, {"read", `{"path":"up/secret.txt"}`}, {"read", `{"path":"abs/secret.txt"}`}, {"read", `{"path":"../secret.txt"}`},
		{"write", `{"path":"up/new.txt","content":"pwned"}`}, {"write", `{"path":"out","content":"pwned"}`},
		{"edit", `{"path":"out","edits":[{"oldText":"x","newText":"pwned"}]}`}, {"ls", `{"path":"abs"}`},
		{"find", `{"pattern":"*","path":"up"}`}, {"grep", `{"pattern":"x","path":"out"}`},
	}
	for i, r := range runCTools(t, root, cs, 0) {
		if !r.IsError || !strings.Contains(r.Text, "path escapes the workspace") {
			t.Errorf("%s %s: %+v", cs[i].Tool, cs[i].Input, r)
		}
	}
	if b, _ := os.ReadFile(filepath.Join(parent, "secret.txt")); string(b) != "x\n" {
		t.Fatalf("the file outside the workspace was changed to %q", b)
	}
	if _, err := os.Lstat(filepath.Join(parent, "new.txt")); !os.IsNotExist(err) {
		t.Fatalf("new.txt was created outside the workspace: %v", err)
	}
}

func TestCallInputs(t *testing.T) {
	dir := newWorkspace(t, map[string]string{"f": "x\n"})
	for _, tt := range []struct {
		name, tool, input string
		ok                bool
		want              string
	}{
		{"not an object", "read", `["f"]`, false, "invalid arguments"},
		{"wrong type", "ls", `{"limit": "many"}`, false, "invalid arguments"},
		{"unknown parameters are ignored", "read", `{"path": "f", "encoding": "utf-8"}`, true, "     1\tx"},
		{"empty input is an empty object", "ls", ``, true, "f"},
		{"null input is an empty object", "ls", `null`, true, "f"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := cCall(t, dir, tt.tool, tt.input)
			if tt.ok {
				wantOK(t, r, tt.want)
			} else {
				wantErr(t, r, tt.want)
			}
		})
	}
}
