package ids

import (
	"regexp"
	"strings"
	"testing"
)

func TestValidate(t *testing.T) {
	good := []string{"default", "a", "user-42", "A.b_c-9", "x" + string(make([]byte, 0))}
	for _, id := range good {
		if err := Validate("workspace", id); err != nil {
			t.Errorf("Validate(%q) = %v, want nil", id, err)
		}
	}
	long := make([]byte, 129)
	for i := range long {
		long[i] = 'a'
	}
	bad := []string{"", ".", "..", "../x", "a/b", "-x", ".hidden", "a..b", "a b", "é", string(long), "a\x00"}
	for _, id := range bad {
		if err := Validate("session", id); err == nil {
			t.Errorf("Validate(%q) = nil, want error", id)
		}
	}
}

func TestValidateShortensLongIDs(t *testing.T) {
	err := Validate("session", strings.Repeat("/", 5000))
	if err == nil || len(err.Error()) > 300 {
		t.Fatalf("error of %d bytes: %v", len(err.Error()), err)
	}
}

// TestValidateShortensAtRuneBoundary: the id echoed in the error is cut
// between characters, never inside one.
func TestValidateShortensAtRuneBoundary(t *testing.T) {
	err := Validate("session", "a"+strings.Repeat("é", 100))
	if want := `"a` + strings.Repeat("é", 31) + `…"`; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("error %v, want the id shown as %s", err, want)
	}
}

// FuzzValidate: valid agrees with the rule's regular expression.
func FuzzValidate(f *testing.F) {
	for _, s := range []string{"a", "a..b", "-x", "A.b_c-9", "é", "a b"} {
		f.Add(s)
	}
	re := regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$`)
	f.Fuzz(func(t *testing.T, id string) {
		want := re.MatchString(id) && !strings.Contains(id, "..")
		if got := Validate("x", id) == nil; got != want {
			t.Errorf("Validate(%q) ok = %v, want %v", id, got, want)
		}
	})
}
