package nsjail

import (
	"bytes"
	"errors"
	"fmt"
	"testing"
)

func TestCappedWriter(t *testing.T) {
	tests := []struct {
		name    string
		limit   int64
		writes  []int
		kept    int
		omitted int64
	}{
		{"empty", 10, nil, 0, 0},
		{"under limit", 10, []int{4, 5}, 9, 0},
		{"exactly at limit", 10, []int{4, 6}, 10, 0},
		{"one over", 10, []int{11}, 10, 1},
		{"split across writes", 10, []int{6, 6, 6}, 10, 8},
		{"writes after full", 10, []int{10, 1, 100}, 10, 101},
		{"zero limit", 0, []int{3}, 0, 3},
	}
	for _, tc := range tests {
		for _, mode := range []string{"capture", "stream"} {
			t.Run(tc.name+"/"+mode, func(t *testing.T) {
				var dst bytes.Buffer
				c := newCapture(tc.limit)
				if mode == "stream" {
					c = newStream(&dst, tc.limit)
				}
				var all []byte
				for i, n := range tc.writes {
					p := bytes.Repeat([]byte{byte('a' + i)}, n)
					all = append(all, p...)
					got, err := c.Write(p)
					if got != n || err != nil {
						t.Fatalf("Write(%d bytes) = %d, %v; want %d, nil", n, got, err, n)
					}
				}
				out, truncated := c.finish()
				if mode == "stream" {
					if out != nil {
						t.Errorf("finish() returned %d bytes while streaming", len(out))
					}
					out = dst.Bytes()
				}
				want := all[:tc.kept]
				if tc.omitted > 0 {
					want = append(want, fmt.Sprintf("\n[output truncated: %d bytes omitted]\n", tc.omitted)...)
				}
				if !bytes.Equal(out, want) {
					t.Errorf("output = %q, want %q", out, want)
				}
				if truncated != (tc.omitted > 0) {
					t.Errorf("truncated = %v, want %v", truncated, tc.omitted > 0)
				}
			})
		}
	}
}

// failingWriter fails every write.
type failingWriter struct{ calls int }

func (f *failingWriter) Write([]byte) (int, error) {
	f.calls++
	return 0, errors.New("broken pipe")
}

func TestCappedWriterDestinationFails(t *testing.T) {
	dst := &failingWriter{}
	c := newStream(dst, 100)
	for range 3 {
		if n, err := c.Write([]byte("abc")); n != 3 || err != nil {
			t.Fatalf("Write = %d, %v; want 3, nil (the command must not block)", n, err)
		}
	}
	if _, truncated := c.finish(); truncated {
		t.Errorf("truncated = true under the limit")
	}
	if dst.calls != 1 {
		t.Errorf("destination written %d times after failing, want 1 attempt", dst.calls)
	}
}
