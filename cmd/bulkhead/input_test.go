package main

import (
	"strings"
	"testing"
)

// TestReadInput: standard input is stored less its final line breaks,
// never cut, and an error gives its real size.
func TestReadInput(t *testing.T) {
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
		got, err := readInput(strings.NewReader(tt.in), maxBytes, "a memory")
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

// TestReadInputEndless: endless standard input fails once
// stdinCountLimit bytes past the limit have been counted.
func TestReadInputEndless(t *testing.T) {
	_, err := readInput(endless{}, 10, "a memory")
	if err == nil || !strings.Contains(err.Error(), "more than") {
		t.Fatalf("endless input: %v", err)
	}
}
