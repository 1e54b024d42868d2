package mask

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"net/url"
	"strings"
	"testing"
)

func TestFormsIncludeStandardEncodings(t *testing.T) {
	for _, v := range []string{"s3cr3t-token", "a b/c?d&e=f+g*h~i", "\x00\xff\x10binary", "ünï cødé"} {
		got := forms([]byte(v))
		want := []string{
			v,
			base64.StdEncoding.EncodeToString([]byte(v)),
			base64.URLEncoding.EncodeToString([]byte(v)),
			base64.RawStdEncoding.EncodeToString([]byte(v)),
			base64.RawURLEncoding.EncodeToString([]byte(v)),
			hex.EncodeToString([]byte(v)),
			strings.ToUpper(hex.EncodeToString([]byte(v))),
			url.QueryEscape(v),
			url.PathEscape(v),
		}
		for _, w := range want {
			if !containsForm(got, w) {
				t.Errorf("forms(%q) lacks %q", v, w)
			}
		}
	}
}

func TestURLEscapeMatchesStdlib(t *testing.T) {
	all := make([]byte, 256)
	for i := range all {
		all[i] = byte(i)
	}
	if got, want := string(urlEscape(all, true)), url.QueryEscape(string(all)); got != want {
		t.Errorf("query:\n got %q\nwant %q", got, want)
	}
	if got, want := string(urlEscape(all, false)), url.PathEscape(string(all)); got != want {
		t.Errorf("path:\n got %q\nwant %q", got, want)
	}
}

// A value inside a longer base64 payload, at any offset, still has its
// core masked: the HTTP Basic case "user:token".
func TestBase64CoreFoundAtEveryOffset(t *testing.T) {
	secret := []byte("tok-1234567890abcdef")
	s := New(secret)
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding} {
		for _, prefix := range []string{"", "u:", "us:", "usr:", "user:"} {
			for _, suffix := range []string{"", "x", "xy", "xyz"} {
				payload := []byte(enc.EncodeToString([]byte(prefix + string(secret) + suffix)))
				out := s.Mask(payload)
				if !bytes.Contains(out, []byte(Replacement)) {
					t.Errorf("%q+secret+%q: %s not masked", prefix, suffix, payload)
				}
				// What is left is at most 3 characters on either side
				// of the value's bytes (the partial groups).
				left := len(out) - len(Replacement)
				maxLeft := (len(prefix)*8+5)/6 + 1 + (len(suffix)*8+5)/6 + 1 + 2
				if left > maxLeft {
					t.Errorf("%q+secret+%q: %q keeps %d characters, want at most %d", prefix, suffix, out, left, maxLeft)
				}
			}
		}
	}
}

func TestShortFormsDropped(t *testing.T) {
	for _, f := range forms([]byte("abcd")) {
		if len(f) < MinSecretBytes {
			t.Errorf("form %q shorter than MinSecretBytes", f)
		}
	}
}

func containsForm(fs [][]byte, w string) bool {
	for _, f := range fs {
		if string(f) == w {
			return true
		}
	}
	return false
}
