package vault

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestPutValidation(t *testing.T) {
	path := vaultPath(t)
	v := mustOpen(t, path, "acme", passA)
	const secret = "s3cr3t-never-shown"
	long := strings.Repeat("x", DefaultMaxValueBytes+1)
	manyKeys := Entry{Values: map[string]Secret{}}
	for i := range DefaultMaxKeys + 1 {
		manyKeys.Values[fmt.Sprintf("K%d", i)] = Secret(secret)
	}
	manyHosts := entry(nil, false, "K", secret)
	for i := range DefaultMaxHosts + 1 {
		manyHosts.Hosts = append(manyHosts.Hosts, fmt.Sprintf("h%d.example.com", i))
	}
	cases := []struct {
		name  string
		entry string
		e     Entry
		want  error
		shows string // what the error must quote
	}{
		{"bad name", "../etc", entry(nil, false, "K", secret), ErrInvalid, "../etc"},
		{"empty name", "", entry(nil, false, "K", secret), ErrInvalid, "credential id"},
		{"no keys", "e", Entry{}, ErrInvalid, "no keys"},
		{"PATH", "e", entry(nil, false, "PATH", secret), ErrInvalid, "PATH"},
		{"HOME", "e", entry(nil, false, "HOME", secret), ErrInvalid, "HOME"},
		{"LD_PRELOAD", "e", entry(nil, false, "LD_PRELOAD", secret), ErrInvalid, "LD_PRELOAD"},
		{"ld_library_path", "e", entry(nil, false, "ld_library_path", secret), ErrInvalid, "ld_library_path"},
		{"BASH_ENV", "e", entry(nil, false, "BASH_ENV", secret), ErrInvalid, "BASH_ENV"},
		{"ENV", "e", entry(nil, false, "ENV", secret), ErrInvalid, `"ENV"`},
		{"NODE_OPTIONS", "e", entry(nil, false, "NODE_OPTIONS", secret), ErrInvalid, "NODE_OPTIONS"},
		{"PYTHONSTARTUP", "e", entry(nil, false, "PYTHONSTARTUP", secret), ErrInvalid, "PYTHONSTARTUP"},
		{"PERL5OPT", "e", entry(nil, false, "PERL5OPT", secret), ErrInvalid, "PERL5OPT"},
		{"bad key syntax", "e", entry(nil, false, "1KEY", secret), ErrInvalid, "1KEY"},
		{"key with =", "e", entry(nil, false, "A=B", secret), ErrInvalid, "A=B"},
		{"NUL in value", "e", entry(nil, false, "K", secret+"\x00"), ErrInvalid, "NUL"},
		{"value too long", "e", entry(nil, false, "K", long), ErrLimit, "more than"},
		{"too many keys", "e", manyKeys, ErrLimit, "keys"},
		{"too many hosts", "e", manyHosts, ErrLimit, "hosts"},
		{"wildcard host", "e", entry([]string{"*.github.com"}, false, "K", secret), ErrInvalid, "*.github.com"},
		{"numeric host", "e", entry([]string{"2130706433"}, false, "K", secret), ErrInvalid, "2130706433"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := v.Put(tc.entry, tc.e)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Put = %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.shows) {
				t.Errorf("error %q does not show %q", err, tc.shows)
			}
			if strings.Contains(err.Error(), secret) {
				t.Errorf("error shows the value: %v", err)
			}
		})
	}
	if infos, err := v.List(); err != nil || len(infos) != 0 {
		t.Fatalf("refused Puts stored something: %v, %v", infos, err)
	}
	// At the limits, Put succeeds.
	atLimit := entry(nil, false, "K", strings.Repeat("v", DefaultMaxValueBytes))
	mustPut(t, v, "big", atLimit)
	delete(manyKeys.Values, "K0")
	mustPut(t, v, "keys", manyKeys)
	manyHosts.Hosts = manyHosts.Hosts[1:]
	mustPut(t, v, "hosts", manyHosts)
}

func TestCanonicalHost(t *testing.T) {
	good := map[string]string{
		"api.github.com":         "api.github.com",
		"API.GitHub.COM":         "api.github.com",
		"api.github.com:443":     "api.github.com:443",
		"api.github.com:0443":    "api.github.com:443",
		"localhost":              "localhost",
		"db-1.internal.example":  "db-1.internal.example",
		"x1.y2.z3":               "x1.y2.z3",
		"192.0.2.7":              "192.0.2.7",
		"192.0.2.7:8443":         "192.0.2.7:8443",
		"127.0.0.2:5432":         "127.0.0.2:5432",
		"2001:db8::1":            "2001:db8::1",
		"2001:DB8:0:0:0:0:0:1":   "2001:db8::1",
		"[2001:db8::1]":          "2001:db8::1",
		"[2001:db8::1]:443":      "[2001:db8::1]:443",
		"::ffff:192.0.2.1":       "::ffff:192.0.2.1",
		"a.b.c.d.e.f.g.h.museum": "a.b.c.d.e.f.g.h.museum",
	}
	for in, want := range good {
		got, err := canonicalHost(in)
		if err != nil || got != want {
			t.Errorf("canonicalHost(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := []string{
		"", ":443", "api.github.com:", "api.github.com:0", "api.github.com:65536", "api.github.com:+443",
		"api.github.com:http", "*.github.com", "*", "api.github.com.", ".github.com", "a..b",
		"-api.github.com", "api-.github.com", "api_x.github.com", "api github.com", "api.github.com/path",
		"https://api.github.com", "user@api.github.com", strings.Repeat("a", 64) + ".com",
		strings.Repeat("abcdefgh.", 29) + "com", "2130706433", "0x7f000001", "127.1", "1.2.3.4.5",
		"[192.0.2.1]", "[2001:db8::1", "[2001:db8::1]443", "[2001:db8::1]:", "fe80::1%eth0",
		"[fe80::1%eth0]:443", "2001:db8::g", "ä.example.com",
	}
	for _, in := range bad {
		if got, err := canonicalHost(in); err == nil {
			t.Errorf("canonicalHost(%q) = %q, want an error", in, got)
		}
	}
}

func TestHostsDeduplicated(t *testing.T) {
	e, err := normalize("e", entry([]string{"A.example.com", "a.example.com", "[::1]", "::1", "b.example.com"}, false, "K", "v"), Limits{}.withDefaults())
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(e.Hosts, ","); got != "a.example.com,::1,b.example.com" {
		t.Fatalf("hosts = %s", got)
	}
}
