package egress

import (
	"net/netip"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseDestination(t *testing.T) {
	tests := []struct{ in, want string }{
		{"api.github.com", "api.github.com"},
		{"API.GitHub.com.", "api.github.com"},
		{"  api.github.com  ", "api.github.com"},
		{"api.github.com:8443", "api.github.com:8443"},
		{"*.github.com", "*.github.com"},
		{"*.svc.corp:5432", "*.svc.corp:5432"},
		{"bücher.example", "xn--bcher-kva.example"},
		{"BÜCHER.example:443", "xn--bcher-kva.example:443"},
		{"xn--bcher-kva.example", "xn--bcher-kva.example"},
		{"10.1.2.3", "10.1.2.3"},
		{"127.0.0.2:8080", "127.0.0.2:8080"},
		{"10.0.0.0/8", "10.0.0.0/8"},
		{"10.0.0.0/8:5432", "10.0.0.0/8:5432"},
		{"2001:db8::1", "2001:db8::1"},
		{"2001:DB8:0::1", "2001:db8::1"},
		{"[2001:db8::1]", "2001:db8::1"},
		{"[2001:db8::1]:8443", "[2001:db8::1]:8443"},
		{"fd00::/8", "fd00::/8"},
		{"[fd00::/8]:443", "[fd00::/8]:443"},
		{"localhost", "localhost"},
	}
	for _, tt := range tests {
		d, err := ParseDestination(tt.in)
		if err != nil {
			t.Errorf("ParseDestination(%q) = %v", tt.in, err)
			continue
		}
		if d.String() != tt.want {
			t.Errorf("ParseDestination(%q) = %q, want %q", tt.in, d, tt.want)
		}
	}
}

func TestParseDestinationRefuses(t *testing.T) {
	tests := []struct{ in, wantErr string }{
		{"", "empty"},
		{"https://api.github.com", "not a URL"},
		{"api.github.com/path", "invalid CIDR"},
		{"user@api.github.com", "no user"},
		{"api.github.com:0", "invalid port"},
		{"api.github.com:65536", "invalid port"},
		{"api.github.com:+443", "invalid port"},
		{"api.github.com:", "invalid port"},
		{"api.github.com:https", "invalid port"},
		{"0x7f000001", "write 127.0.0.1"},
		{"2130706433", "write 127.0.0.1"},
		{"0177.0.0.1", "write 127.0.0.1"},
		{"127.1", "write 127.0.0.1"},
		{"0x7f.1:443", "write 127.0.0.1"},
		{"１２７.０.０.１", "write 127.0.0.1"}, // fullwidth digits map to ASCII under UTS #46
		{"1.2.3.256", "not an IPv4 address"},
		{"1.2.3.4.5", "not an IPv4 address"},
		{"example.123", "not an IPv4 address"},
		{"::ffff:127.0.0.1", "write 127.0.0.1"},
		{"[::ffff:10.0.0.1]:443", "write 10.0.0.1"},
		{"fe80::1%eth0", "zone"},
		{"10.1.2.3/8", "write 10.0.0.0/8"},
		{"10.0.0.0/33", "invalid CIDR"},
		{"::ffff:0:0/96", "IPv4-mapped"},
		{"*", "wildcard"},
		{"*.com", "public suffix"},
		{"*.co.uk", "public suffix"},
		{"*.github.io", "public suffix"},
		{"*.corp", "public suffix"},
		{"a.*.example.com", "wildcard"},
		{"*example.com", "wildcard"},
		{"*.10.0.0.1", "not an address"},
		{"exa_mple.com", "invalid host name"},
		{"-bad.example", "invalid host name"},
		{"a..example", "invalid host name"},
		{"example.com..", "invalid host name"},
		{strings.Repeat("a", 64) + ".example", "invalid host name"},
		{"xn--zz.example", "invalid host name"},
		{"[10.0.0.1]:443", "IPv6 addresses only"},
		{"[2001:db8::1", "missing ']'"},
		{"[2001:db8::1]x", "unexpected"},
		{"2001:db8::zz", "invalid IPv6"},
	}
	for _, tt := range tests {
		d, err := ParseDestination(tt.in)
		if err == nil {
			t.Errorf("ParseDestination(%q) = %q, want an error containing %q", tt.in, d, tt.wantErr)
			continue
		}
		if !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "destination ") {
			t.Errorf("ParseDestination(%q) = %q, want it to contain %q", tt.in, err, tt.wantErr)
		}
	}
}

func TestParsePolicyNamesEveryBadEntry(t *testing.T) {
	_, err := ParsePolicy([]string{"ok.example", "https://x", "*.com", "10.0.0.1"})
	if err == nil {
		t.Fatal("ParsePolicy accepted bad entries")
	}
	for _, want := range []string{`entry 2: destination "https://x"`, `entry 3: destination "*.com"`} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
	if strings.Contains(err.Error(), "entry 1") || strings.Contains(err.Error(), "entry 4") {
		t.Errorf("error %q names good entries", err)
	}
}

func TestPolicyMatching(t *testing.T) {
	p, err := ParsePolicy([]string{"api.github.com", "*.example.org", "db.internal:5432", "10.0.0.0/8:5432", "127.0.0.2"})
	if err != nil {
		t.Fatal(err)
	}
	names := []struct {
		name string
		port uint16
		want bool
	}{
		{"api.github.com", 443, true},
		{"api.github.com", 80, true},
		{"api.github.com", 8443, false},
		{"github.com", 443, false},
		{"evil-api.github.com", 443, false},
		{"api.github.com.evil", 443, false},
		{"a.example.org", 443, true},
		{"a.b.example.org", 80, true},
		{"example.org", 443, false},
		{"badexample.org", 443, false},
		{"db.internal", 5432, true},
		{"db.internal", 443, false},
	}
	for _, tt := range names {
		if got := p.allowsName(tt.name, tt.port); got != tt.want {
			t.Errorf("allowsName(%s, %d) = %v, want %v", tt.name, tt.port, got, tt.want)
		}
	}
	if got := p.literals(5432); len(got) != 1 || got[0] != netip.MustParsePrefix("10.0.0.0/8") {
		t.Errorf("literals(5432) = %v", got)
	}
	if got := p.literals(443); len(got) != 1 || got[0] != netip.MustParsePrefix("127.0.0.2/32") {
		t.Errorf("literals(443) = %v", got)
	}
	var nilPolicy *Policy
	if nilPolicy.allowsName("api.github.com", 443) || len(nilPolicy.literals(443)) != 0 {
		t.Error("nil policy allows something")
	}
}

func TestParseHostNumericForms(t *testing.T) {
	tests := map[string]string{
		"0x7f000001":       "127.0.0.1",
		"0X7F000001":       "127.0.0.1",
		"2130706433":       "127.0.0.1",
		"0177.0.0.1":       "127.0.0.1",
		"127.1":            "127.0.0.1",
		"127.0.1":          "127.0.0.1",
		"0x7f.1":           "127.0.0.1",
		"0":                "0.0.0.0",
		"0x":               "0.0.0.0",
		"10.0.0.1.":        "10.0.0.1",
		"169.254.43518":    "169.254.169.254",
		"::":               "::",
		"::ffff:127.0.0.1": "::ffff:127.0.0.1",
	}
	for in, want := range tests {
		h, err := parseHost(in)
		if err != nil || h.name != "" || h.ip.String() != want {
			t.Errorf("parseHost(%q) = %+v, %v; want address %s", in, h, err, want)
		}
	}
	for _, in := range []string{"08.0.0.1", "1.2.3.4.5", "4294967296", "256.0.0.1", "1.2.65536"} {
		if h, err := parseHost(in); err == nil {
			t.Errorf("parseHost(%q) = %+v, want error", in, h)
		}
	}
}

// FuzzParseDestination checks that the parser never panics, that what it
// accepts round-trips through String, and that a name it accepts can
// never be an address in disguise.
func FuzzParseDestination(f *testing.F) {
	for _, s := range []string{
		"api.github.com", "*.example.org:8443", "10.0.0.0/8", "[2001:db8::1]:443", "0x7f000001",
		"2130706433", "0177.0.0.1", "127.1", "bücher.example", "::ffff:127.0.0.1", "[::]", "a..b",
		"xn--bcher-kva.example", "1.2.3.4.", "*.co.uk", "fe80::1%lo", "[fd00::/8]:80",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, err := ParseDestination(s)
		if err != nil {
			return
		}
		again, err := ParseDestination(d.String())
		if err != nil || again != d {
			t.Fatalf("%q parsed to %q, which reparses to %q, %v", s, d, again, err)
		}
		if d.Name == "" {
			if !d.Prefix.IsValid() || d.Prefix.Addr().Is4In6() || d.Prefix.Addr().Zone() != "" {
				t.Fatalf("%q: bad address destination %+v", s, d)
			}
			return
		}
		name := strings.TrimPrefix(d.Name, "*.")
		if !utf8.ValidString(name) || strings.ToLower(name) != name || strings.Trim(name, "abcdefghijklmnopqrstuvwxyz0123456789-.") != "" {
			t.Fatalf("%q: name %q is not lower-case LDH", s, d.Name)
		}
		if isNumericForm(name) {
			t.Fatalf("%q: name %q ends in a number", s, d.Name)
		}
		if _, err := netip.ParseAddr(name); err == nil {
			t.Fatalf("%q: name %q is an address", s, d.Name)
		}
	})
}
