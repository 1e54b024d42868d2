package main

import (
	"strings"
	"testing"
)

// TestSign checks the signature against RFC 4231 test case 2.
func TestSign(t *testing.T) {
	t.Setenv("SIGNING_KEY", "Jefe")
	r, err := sign(params{Message: "what do ya want for nothing?"})
	if err != nil {
		t.Fatal(err)
	}
	if want := "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"; r.Signature != want {
		t.Errorf("signature %s, want %s", r.Signature, want)
	}
	t.Setenv("SIGNING_KEY", "")
	if _, err := sign(params{Message: "m"}); err == nil || !strings.Contains(err.Error(), "SIGNING_KEY is not set") {
		t.Errorf("without a key: %v", err)
	}
}
