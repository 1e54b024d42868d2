package builtin

import (
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"testing"
	"testing/iotest"
)

// wantLine is one line as lineReader.next should return it.
type wantLine struct {
	kept string
	full int
}

// splitLines is the reference for lineReader: the lines of s without their
// newlines, each cut to its first keep bytes.
func splitLines(s string, keep int) []wantLine {
	var lines []wantLine
	for s != "" {
		line, rest, _ := strings.Cut(s, "\n")
		lines = append(lines, wantLine{line[:min(len(line), keep)], len(line)})
		s = rest
	}
	return lines
}

// readLines reads every line of r with a buffer of size bytes.
func readLines(r io.Reader, size, keep int) ([]wantLine, error) {
	lr := newLineReader(r, make([]byte, size))
	var got []wantLine
	for {
		line, full, ok := lr.next(keep)
		if !ok {
			return got, lr.Err()
		}
		if len(line) < min(full, keep) {
			return got, fmt.Errorf("line %d: %d bytes kept of %d, want at least %d", len(got)+1, len(line), full, min(full, keep))
		}
		got = append(got, wantLine{string(line[:min(len(line), keep)]), full})
	}
}

func TestLineReader(t *testing.T) {
	inputs := map[string]string{
		"empty":               "",
		"one newline":         "\n",
		"no final newline":    "ab\ncd",
		"blank lines":         "\n\n\nx\n\n",
		"crlf kept":           "a\r\nb\r\n",
		"exactly the buffer":  "1234567\n",
		"longer than buffer":  strings.Repeat("y", 30) + "\nz\n",
		"long without ending": "a\n" + strings.Repeat("q", 50),
		"mixed":               "short\n" + strings.Repeat("m", 17) + "\n\n" + strings.Repeat("n", 8) + "\nend",
	}
	for name, in := range inputs {
		for _, size := range []int{1, 3, 8, 64} {
			for _, keep := range []int{0, 2, 10, 100} {
				for _, oneByte := range []bool{false, true} {
					var r io.Reader = strings.NewReader(in)
					if oneByte {
						r = iotest.OneByteReader(r)
					}
					got, err := readLines(r, size, keep)
					if err != nil {
						t.Fatalf("%s (buffer %d, keep %d, one byte %v): %v", name, size, keep, oneByte, err)
					}
					if want := splitLines(in, keep); !slices.Equal(got, want) {
						t.Fatalf("%s (buffer %d, keep %d, one byte %v):\ngot  %+v\nwant %+v", name, size, keep, oneByte, got, want)
					}
				}
			}
		}
	}
}

// failingReader returns its data, then err.
type failingReader struct {
	data string
	err  error
}

func (f *failingReader) Read(p []byte) (int, error) {
	if f.data == "" {
		return 0, f.err
	}
	n := copy(p, f.data)
	f.data = f.data[n:]
	return n, nil
}

// emptyReader never returns data nor an error.
type emptyReader struct{}

func (emptyReader) Read([]byte) (int, error) { return 0, nil }

func TestLineReaderErrors(t *testing.T) {
	boom := errors.New("boom")
	got, err := readLines(&failingReader{"a\nb\npartial", boom}, 4, 10)
	if !errors.Is(err, boom) {
		t.Fatalf("Err = %v, want %v", err, boom)
	}
	if want := splitLines("a\nb\npartial", 10); !slices.Equal(got, want) {
		t.Fatalf("lines before the error: got %+v, want %+v", got, want)
	}
	if _, err := readLines(emptyReader{}, 4, 10); !errors.Is(err, io.ErrNoProgress) {
		t.Fatalf("reader without progress: Err = %v, want io.ErrNoProgress", err)
	}
}

func TestLineReaderPeek(t *testing.T) {
	lr := newLineReader(iotest.OneByteReader(strings.NewReader("abcdef\ngh")), make([]byte, 8))
	if got := string(lr.peek(4)); got != "abcd" {
		t.Fatalf("peek(4) = %q", got)
	}
	if got := string(lr.peek(20)); got != "abcdef\ng" {
		t.Fatalf("peek beyond the buffer = %q, want the whole buffer", got)
	}
	if line, full, ok := lr.next(10); string(line) != "abcdef" || full != 6 || !ok {
		t.Fatalf("next after peek = %q, %d, %v", line, full, ok)
	}
	small := newLineReader(strings.NewReader("xy"), make([]byte, 8))
	if got := string(small.peek(8)); got != "xy" {
		t.Fatalf("peek of a short input = %q", got)
	}
}

// TestLineNumber checks the incremented line numbers against fmt's "%6d\t",
// across every change of width.
func TestLineNumber(t *testing.T) {
	for _, start := range []int{1, 8, 95, 99_990, 999_990, 9_999_990} {
		n := newLineNumber(start)
		for i := start; i < start+30; i++ {
			if got, want := string(n.text), fmt.Sprintf("%6d\t", i); got != want {
				t.Fatalf("line number %d = %q, want %q", i, got, want)
			}
			n.next()
		}
	}
}
