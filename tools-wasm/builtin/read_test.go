package builtin

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestRead(t *testing.T) {
	long := strings.Repeat("x", 25)
	tests := []struct {
		name    string
		lim     Limits
		content string
		args    map[string]any
		want    string
	}{
		{"whole file", Limits{}, "a\nb\nc\n", nil, "     1\ta\n     2\tb\n     3\tc"},
		{"no final newline", Limits{}, "a\nb", nil, "     1\ta\n     2\tb"},
		{"blank lines kept", Limits{}, "a\n\n\nb\n", nil, "     1\ta\n     2\t\n     3\t\n     4\tb"},
		{"crlf shown without carriage returns", Limits{}, "a\r\nb\r\n", nil, "     1\ta\n     2\tb"},
		{"unicode", Limits{}, "héllo 世界 🌍\nçà\n", nil, "     1\théllo 世界 🌍\n     2\tçà"},
		{"offset and limit", Limits{}, lineFile(10), map[string]any{"offset": 3, "limit": 2},
			numbered(3, 4) + "\n\n[showing lines 3-4 of 10; call read with offset=5 to continue]"},
		{"offset to the end", Limits{}, lineFile(10), map[string]any{"offset": 9}, numbered(9, 10)},
		{"offset 0 means 1", Limits{}, lineFile(2), map[string]any{"offset": 0}, numbered(1, 2)},
		{"line limit", Limits{ReadLines: 4}, lineFile(10), nil,
			numbered(1, 4) + "\n\n[showing lines 1-4 of 10; call read with offset=5 to continue]"},
		{"limit above the maximum is capped", Limits{ReadLines: 4}, lineFile(10), map[string]any{"offset": 7, "limit": 100},
			numbered(7, 10)},
		// Each numbered line is 14 bytes with its newline: 3 fit in 45 bytes.
		{"byte limit", Limits{OutputBytes: 45}, lineFile(9), nil,
			numbered(1, 3) + "\n\n[showing lines 1-3 of 9 (output limit of 45 bytes reached); call read with offset=4 to continue]"},
		{"byte limit keeps one line", Limits{OutputBytes: 1}, lineFile(3), map[string]any{"offset": 2},
			numbered(2, 2) + "\n\n[showing lines 2-2 of 3 (output limit of 1 bytes reached); call read with offset=3 to continue]"},
		{"long line cut", Limits{LineBytes: 10}, long + "\nok\n", nil,
			"     1\txxxxxxxxxx… [line cut, 25 bytes in all]\n     2\tok"},
		{"cut at a rune boundary", Limits{LineBytes: 5}, "ééééé\n", nil, "     1\téé… [line cut, 10 bytes in all]"},
		{"latin-1 with few invalid bytes is text", Limits{}, "caf\xe9 " + strings.Repeat("plain text ", 5) + "\n", nil,
			"     1\tcaf\xe9 " + strings.Repeat("plain text ", 5)},
		{"empty file", Limits{}, "", nil, "f is empty (0 lines)"},
		{"binary by NUL", Limits{}, "abc\x00def", nil, "binary file (7 bytes), not shown"},
		{"binary by invalid UTF-8", Limits{}, strings.Repeat("\xff\xfe\x80", 100), nil, "binary file (300 bytes), not shown"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tb := newBox(t, tt.lim, map[string]string{"f": tt.content})
			args := map[string]any{"path": "f"}
			for k, v := range tt.args {
				args[k] = v
			}
			wantOK(t, run(t, tb, "read", args), tt.want)
		})
	}
}

func TestReadErrors(t *testing.T) {
	tb := newBox(t, Limits{}, map[string]string{"f": lineFile(3), "dir/x": "x"})
	if err := os.Symlink("/etc/passwd", filepath.Join(tb.Root, "out")); err != nil {
		t.Fatal(err)
	}
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
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantErr(t, run(t, tb, "read", tt.args), tt.want...)
		})
	}
}

// TestReadPages reads a large file page by page, following the offsets the
// notices give, and checks every line comes back exactly once.
func TestReadPages(t *testing.T) {
	tb := newBox(t, Limits{}, map[string]string{"big.txt": lineFile(5123)})
	r := run(t, tb, "read", map[string]any{"path": "big.txt"})
	wantOK(t, r, numbered(1, 2000)+"\n\n[showing lines 1-2000 of 5123; call read with offset=2001 to continue]")

	var got []string
	offset := 1
	for pages := 0; offset > 0; pages++ {
		if pages > 3 {
			t.Fatal("more pages than expected")
		}
		r := run(t, tb, "read", map[string]any{"path": "big.txt", "offset": offset})
		if r.IsError {
			t.Fatal(r.Text)
		}
		body, notice, _ := strings.Cut(r.Text, "\n\n")
		got = append(got, body)
		offset = 0
		if notice != "" {
			_, next, _ := strings.Cut(notice, "offset=")
			offset = atoiPrefix(next)
		}
	}
	if strings.Join(got, "\n") != numbered(1, 5123) {
		t.Fatal("pages do not add up to the file")
	}
}

// TestReadLineLongerThanBuffer checks a line longer than the read buffer is
// cut and does not disturb the numbering of the following lines.
func TestReadLineLongerThanBuffer(t *testing.T) {
	tb := newBox(t, Limits{}, map[string]string{"f": "a\n" + strings.Repeat("y", 200<<10) + "\nb\n"})
	want := "     1\ta\n     2\t" + strings.Repeat("y", DefaultLineBytes) + "… [line cut, 204800 bytes in all]\n     3\tb"
	wantOK(t, run(t, tb, "read", map[string]any{"path": "f"}), want)
}

// atoiPrefix parses the decimal digits at the start of s.
func atoiPrefix(s string) int {
	n := 0
	for _, c := range s {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
	}
	return n
}

// TestReadAcrossBuffers reads a file several times larger than the read
// buffer, with lines of every length up to a few hundred bytes, some long
// enough to be cut and some short ones ending in CRLF, and compares a
// window from its middle with fmt's rendering of the same lines.
func TestReadAcrossBuffers(t *testing.T) {
	const lines, first, limit = 2500, 1200, 900
	lim := Limits{LineBytes: 300, OutputBytes: 1 << 20}
	var content strings.Builder
	text := make([]string, lines+1)
	for i := 1; i <= lines; i++ {
		text[i] = strings.Repeat(string(rune('a'+i%26)), i%397)
		content.WriteString(text[i])
		if i%7 == 0 && len(text[i]) <= lim.LineBytes {
			content.WriteByte('\r')
		}
		content.WriteByte('\n')
	}
	if content.Len() < 3*readBufferBytes {
		t.Fatalf("test file of %d bytes is too small", content.Len())
	}
	var want strings.Builder
	for i := first; i < first+limit; i++ {
		line := text[i]
		if len(line) > lim.LineBytes {
			line = fmt.Sprintf("%s… [line cut, %d bytes in all]", line[:lim.LineBytes], len(line))
		}
		fmt.Fprintf(&want, "%6d\t%s\n", i, line)
	}
	want.WriteString(fmt.Sprintf("\n[showing lines %d-%d of %d; call read with offset=%d to continue]", first, first+limit-1, lines, first+limit))
	tb := newBox(t, lim, map[string]string{"big.txt": content.String()})
	wantOK(t, run(t, tb, "read", map[string]any{"path": "big.txt", "offset": first, "limit": limit}), want.String())
}
