package mask

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"io"
	"net/url"
	"strings"
	"testing"
)

func TestMask(t *testing.T) {
	tests := []struct {
		name    string
		secrets []string
		in      string
		want    string
	}{
		{"raw", []string{"hunter22"}, "pw=hunter22;", "pw=***;"},
		{"twice adjacent", []string{"hunter22"}, "hunter22hunter22", "******"},
		{"base64", []string{"hunter22"}, "x " + base64.StdEncoding.EncodeToString([]byte("hunter22")) + " y", "x *** y"},
		{"hex upper", []string{"hunter22"}, strings.ToUpper(hex.EncodeToString([]byte("hunter22"))), "***"},
		{"query escaped", []string{"p@ss w/rd"}, "?k=" + url.QueryEscape("p@ss w/rd"), "?k=***"},
		{"path escaped", []string{"p@ss w/rd"}, "/a/" + url.PathEscape("p@ss w/rd"), "/a/***"},
		{"too short ignored", []string{"abc"}, "abc abc", "abc abc"},
		{"no secrets", nil, "anything", "anything"},
		{"longest at same start", []string{"abcd", "abcdef"}, "xabcdefx", "x***x"},
		{"leftmost wins", []string{"abcd", "cdef"}, "abcdef", "***ef"},
		{"earlier longer beats later", []string{"xabcdz", "abcd"}, "xabcdz xabcdy", "*** x***y"},
		{"empty input", []string{"hunter22"}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := New(bytesOf(tt.secrets)...)
			if got := string(s.Mask([]byte(tt.in))); got != tt.want {
				t.Errorf("Mask(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestMaskDoesNotAliasInput(t *testing.T) {
	in := []byte("no secret here")
	out := New([]byte("hunter22")).Mask(in)
	out[0] = 'X'
	if in[0] != 'n' {
		t.Fatal("Mask returned its input")
	}
}

// Every split of a stream, and byte-by-byte writes, give the one-shot
// output, and nothing a Write passes on ends with a prefix of a form.
func TestWriterSplits(t *testing.T) {
	secret := []byte("sk-live-0123456789")
	s := New(secret)
	in := []byte("start " + string(secret) + " mid " + base64.StdEncoding.EncodeToString(secret) + " end " + hex.EncodeToString(secret))
	want := s.Mask(in)
	if bytes.Contains(want, secret) || !bytes.Contains(want, []byte("start *** mid *** end ***")) {
		t.Fatalf("one-shot = %q", want)
	}
	for cut := 0; cut <= len(in); cut++ {
		var out bytes.Buffer
		w := s.NewWriter(&out)
		w.Write(in[:cut])
		if so := out.Bytes(); endsWithFormPrefix(so, secret) {
			t.Fatalf("cut %d: passed on %q, which ends with part of a form", cut, so)
		}
		w.Write(in[cut:])
		w.Close()
		if !bytes.Equal(out.Bytes(), want) {
			t.Fatalf("cut %d: %q, want %q", cut, out.Bytes(), want)
		}
	}
	var out bytes.Buffer
	w := s.NewWriter(&out)
	for i := range in {
		w.Write(in[i : i+1])
	}
	w.Close()
	if !bytes.Equal(out.Bytes(), want) {
		t.Fatalf("byte by byte: %q, want %q", out.Bytes(), want)
	}
}

// endsWithFormPrefix reports whether b ends with a prefix, at least two
// bytes long, of one of the forms of v that a later write could complete.
func endsWithFormPrefix(b, v []byte) bool {
	for _, f := range forms(v) {
		for n := 2; n < len(f); n++ {
			if bytes.HasSuffix(b, f[:n]) {
				return true
			}
		}
	}
	return false
}

func TestWriterHoldsBackLessThanLongestForm(t *testing.T) {
	secret := []byte("0123456789abcdef")
	s := New(secret)
	longest := s.a.longest
	var out bytes.Buffer
	w := s.NewWriter(&out)
	// A prefix of the longest form: held back entirely, but never more
	// than longest-1 bytes.
	var f []byte
	for _, g := range forms(secret) {
		if len(g) == longest {
			f = g
		}
	}
	in := append([]byte("plain text "), f[:len(f)-1]...)
	w.Write(in)
	if held := len(in) - out.Len(); held > longest-1 || held != len(f)-1 {
		t.Fatalf("held %d bytes, want %d (< %d)", held, len(f)-1, longest)
	}
	w.Write([]byte("!"))
	w.Close()
	if got := out.String(); got != string(in)+"!" {
		t.Fatalf("after close %q", got)
	}
}

func TestWriterCloseZeroesTail(t *testing.T) {
	secret := []byte("correct horse battery")
	var out bytes.Buffer
	w := New(secret).NewWriter(&out)
	w.Write(secret[:10])
	tail := w.tail[:cap(w.tail)]
	if !bytes.Contains(tail, secret[:10]) {
		t.Fatalf("tail %q does not hold the prefix", tail)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if bytes.Count(tail, []byte{0}) != len(tail) {
		t.Fatalf("tail not zeroed: %q", tail)
	}
	if out.String() != string(secret[:10]) {
		t.Fatalf("out = %q", out.String())
	}
	if _, err := w.Write([]byte("x")); !errors.Is(err, ErrClosed) {
		t.Fatalf("Write after Close = %v, want ErrClosed", err)
	}
}

type failWriter struct{ n int }

func (f *failWriter) Write(p []byte) (int, error) {
	if f.n == 0 {
		return 0, io.ErrShortWrite
	}
	f.n--
	return len(p), nil
}

func TestWriterUnderlyingErrorSticks(t *testing.T) {
	for _, s := range []*Set{New([]byte("hunter22")), New()} {
		w := s.NewWriter(&failWriter{})
		if _, err := w.Write([]byte("some output that is long enough")); !errors.Is(err, io.ErrShortWrite) {
			t.Fatalf("Write = %v", err)
		}
		if _, err := w.Write([]byte("more")); !errors.Is(err, io.ErrShortWrite) {
			t.Fatalf("second Write = %v", err)
		}
		if err := w.Close(); !errors.Is(err, io.ErrShortWrite) {
			t.Fatalf("Close = %v", err)
		}
	}
}

// The documented exception: a raw value containing '*' can be rebuilt
// around an inserted Replacement. Encoded forms never contain '*'.
func TestStarInValueCaveat(t *testing.T) {
	s := New([]byte("x***y"), []byte("QQQQ"))
	if got := string(s.Mask([]byte("xQQQQy"))); got != "x***y" {
		t.Fatalf("got %q", got)
	}
	for _, f := range forms([]byte("a*b*c*d")) {
		if bytes.IndexByte(f, '*') >= 0 && string(f) != "a*b*c*d" {
			t.Errorf("encoded form %q contains '*'", f)
		}
	}
}

// Many overlapping occurrences force the writer to resolve in the middle
// of a Write (maxPending) and still match the reference.
func TestManyPendingOccurrences(t *testing.T) {
	secrets := [][]byte{[]byte("aaaa"), []byte("aaaaaaa"), []byte("aaab")}
	in := bytes.Repeat([]byte("aaaaaaaaaaaaaaaaaaab"), 200)
	s := New(secrets...)
	got := s.Mask(in)
	if want := reference(secrets, in); !bytes.Equal(got, want) {
		t.Fatalf("got %q\nwant %q", got, want)
	}
}

func bytesOf(ss []string) [][]byte {
	var out [][]byte
	for _, s := range ss {
		out = append(out, []byte(s))
	}
	return out
}

// reference masks in by brute force: leftmost-longest over every form of
// every value, the definition the automaton implements.
func reference(values [][]byte, in []byte) []byte {
	var fs [][]byte
	for _, v := range values {
		if len(v) >= MinSecretBytes {
			fs = append(fs, forms(v)...)
		}
	}
	var out []byte
	for i := 0; i < len(in); {
		best := 0
		for _, f := range fs {
			if len(f) > best && bytes.HasPrefix(in[i:], f) {
				best = len(f)
			}
		}
		if best > 0 {
			out = append(out, Replacement...)
			i += best
		} else {
			out = append(out, in[i])
			i++
		}
	}
	return out
}
