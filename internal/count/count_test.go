package count

import "testing"

// TestNoun: one is singular; zero, negative and more are plural.
func TestNoun(t *testing.T) {
	for n, want := range map[int]string{-1: "-1 memories", 0: "0 memories", 1: "1 memory", 2: "2 memories", 1000: "1000 memories"} {
		if got := Noun(n, "memory", "memories"); got != want {
			t.Errorf("Noun(%d) = %q, want %q", n, got, want)
		}
	}
}
