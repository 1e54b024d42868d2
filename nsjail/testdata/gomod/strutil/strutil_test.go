package strutil

import "testing"

func TestUpper(t *testing.T) {
	if Upper("go") != "GO" {
		t.Fatal("Upper")
	}
}
