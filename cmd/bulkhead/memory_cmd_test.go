package main

import (
	"fmt"
	"testing"
)

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
