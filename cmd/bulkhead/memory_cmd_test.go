package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestReadMemoryText: standard input is stored less its final line breaks,
// never cut, and an error gives its real size.
func TestReadMemoryText(t *testing.T) {
	const maxBytes = 10
	tests := []struct {
		in, want, wantErr string
	}{
		{"hello\n", "hello", ""},
		{"0123456789\r\n", "0123456789", ""},
		{"0123456789\r\n\r\n\n\n", "0123456789", ""},
		{"0123456789a", "", "standard input of 11 bytes exceeds the 10-byte limit"},
		{"0123456789\n\nmore", "", "standard input of 16 bytes exceeds the 10-byte limit"},
		{strings.Repeat("a", 5000), "", "standard input of 5000 bytes exceeds the 10-byte limit"},
	}
	for _, tt := range tests {
		got, err := readMemoryText(strings.NewReader(tt.in), maxBytes)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("%.20q: %q, %v; want error %q", tt.in, got, err, tt.wantErr)
			}
		} else if err != nil || got != tt.want {
			t.Errorf("%.20q: %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

// endless is an io.Reader that never ends.
type endless struct{}

func (endless) Read(p []byte) (int, error) {
	for i := range p {
		p[i] = 'y'
	}
	return len(p), nil
}

// TestReadMemoryTextEndless: endless standard input fails once
// stdinCountLimit bytes past the limit have been counted.
func TestReadMemoryTextEndless(t *testing.T) {
	_, err := readMemoryText(endless{}, 10)
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("endless input: %v", err)
	}
}

// TestParseMemoryID: only canonical positive decimals are ids.
func TestParseMemoryID(t *testing.T) {
	for s, want := range map[string]int64{"1": 1, "42": 42, "9223372036854775807": 1<<63 - 1} {
		if id, err := parseMemoryID(s); err != nil || id != want {
			t.Errorf("parseMemoryID(%q) = %d, %v; want %d", s, id, err, want)
		}
	}
	for _, s := range []string{"", "0", "00", "01", "+1", "-1", " 1", "1 ", "1e3", "0x1", "1_000", "9223372036854775808", "x"} {
		if id, err := parseMemoryID(s); err == nil || err.Error() != fmt.Sprintf("invalid memory id %q: ids are positive integers", s) {
			t.Errorf("parseMemoryID(%q) = %d, %v; want the invalid id error", s, id, err)
		}
	}
}
