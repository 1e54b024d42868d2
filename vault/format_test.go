package vault

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestValuesNeverFormatted(t *testing.T) {
	const secret = "ghp_do-not-print-me"
	e := entry([]string{"api.github.com"}, true, "GITHUB_TOKEN", secret)
	s := e.Values["GITHUB_TOKEN"]
	for _, verb := range []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T %v"} {
		for what, arg := range map[string]any{
			"Entry": e, "*Entry": &e, "Secret": s, "map": e.Values, "[]Entry": []Entry{e},
			"struct": struct{ E Entry }{e}, "[]Secret": []Secret{s},
		} {
			if out := fmt.Sprintf(verb, arg); strings.Contains(out, secret) || strings.Contains(out, fmt.Sprintf("%x", secret)) {
				t.Errorf("Sprintf(%s, %s) = %s", verb, what, out)
			}
		}
	}
	if got, want := e.String(), "vault.Entry{keys: [GITHUB_TOKEN], hosts: [api.github.com], toBash: true}"; got != want {
		t.Errorf("String() = %s, want %s", got, want)
	}
	for what, arg := range map[string]any{"Entry": e, "Secret": s, "map": e.Values} {
		out, err := json.Marshal(arg)
		if err == nil || strings.Contains(string(out), secret) || strings.Contains(err.Error(), secret) {
			t.Errorf("json.Marshal(%s) = %s, %v; want an error", what, out, err)
		}
		if !errors.Is(err, errMarshalSecret) {
			t.Errorf("json.Marshal(%s) error = %v", what, err)
		}
	}
	// A Secret is a []byte where one is wanted.
	var b []byte = s
	if string(b) != secret {
		t.Error("Secret does not hold its bytes")
	}
}

func TestInfoMarshals(t *testing.T) {
	out, err := json.Marshal(Info{Name: "github", Keys: []string{"GITHUB_TOKEN"}, Hosts: []string{"api.github.com"}, ToBash: true})
	if err != nil {
		t.Fatal(err)
	}
	if want := `{"name":"github","keys":["GITHUB_TOKEN"],"hosts":["api.github.com"],"to_bash":true}`; string(out) != want {
		t.Fatalf("Info JSON = %s, want %s", out, want)
	}
}
