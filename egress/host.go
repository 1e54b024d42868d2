package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/net/idna"
)

// idnaProfile converts names to their ASCII form for lookup, by UTS #46
// (https://www.unicode.org/reports/tr46/) non-transitional processing with
// the STD3 rules (letters, digits, hyphen), the label checks of RFC 5891
// §5.4, the Bidi rule of RFC 5893 and the DNS lengths.
var idnaProfile = idna.New(
	idna.MapForLookup(),
	idna.Transitional(false),
	idna.BidiRule(),
	idna.VerifyDNSLength(true),
)

// host is a canonical destination host: either a name or an address.
type host struct {
	name string     // lower-case A-labels, no trailing dot; "" for an address
	ip   netip.Addr // valid for an address
}

func (h host) String() string {
	if h.name != "" {
		return h.name
	}
	return h.ip.String()
}

// parseHost canonicalises a host without port or brackets: an IPv6 or
// IPv4 literal, a numeric IPv4 form that inet_aton(3) accepts
// (0x7f000001, 2130706433, 0177.0.0.1, 127.1: decoded, never a name), or
// a name, mapped by UTS #46 to lower-case A-labels with one trailing dot
// removed. Zoned IPv6 addresses are refused.
func parseHost(s string) (host, error) {
	if s == "" {
		return host{}, errors.New("empty host")
	}
	if strings.Contains(s, ":") {
		a, err := netip.ParseAddr(s)
		if err != nil {
			return host{}, fmt.Errorf("invalid IPv6 address %q", s)
		}
		if a.Zone() != "" {
			return host{}, fmt.Errorf("IPv6 address %q has a zone; scoped addresses are not destinations", s)
		}
		return host{ip: a}, nil
	}
	if !utf8.ValidString(s) {
		return host{}, fmt.Errorf("invalid host name %q: not UTF-8", s)
	}
	name := strings.TrimSuffix(s, ".")
	if name == "" || strings.HasSuffix(name, ".") || strings.HasPrefix(name, ".") {
		return host{}, fmt.Errorf("invalid host name %q: empty label", s)
	}
	ascii, err := idnaProfile.ToASCII(name)
	if err != nil {
		if isNumericForm(strings.ToLower(name)) {
			return parseNumericHost(s, strings.ToLower(name))
		}
		return host{}, fmt.Errorf("invalid host name %q: %v", s, err)
	}
	ascii = strings.ToLower(ascii)
	if again, err := idnaProfile.ToASCII(ascii); err != nil || again != ascii {
		return host{}, fmt.Errorf("invalid host name %q: its ASCII form %q does not convert back", s, ascii)
	}
	if isNumericForm(ascii) {
		return parseNumericHost(s, ascii)
	}
	return host{name: ascii}, nil
}

func parseNumericHost(orig, s string) (host, error) {
	a, ok := parseInetAton(s)
	if !ok {
		return host{}, fmt.Errorf("host %q ends in a number but is not an IPv4 address", orig)
	}
	return host{ip: a}, nil
}

// isNumericForm reports whether the last label of s is a number (decimal
// digits, or 0x followed by hex digits), which makes the whole host an
// IPv4 address attempt: the "ends in a number" rule of the WHATWG URL
// Standard (https://url.spec.whatwg.org/#ends-in-a-number-checker).
func isNumericForm(s string) bool {
	last := s[strings.LastIndexByte(s, '.')+1:]
	if last == "" {
		return false
	}
	if strings.HasPrefix(last, "0x") {
		return strings.Trim(last[2:], "0123456789abcdef") == ""
	}
	return strings.Trim(last, "0123456789") == ""
}

// parseInetAton parses the IPv4 forms of inet_aton(3): one to four parts
// separated by dots, each decimal, octal (leading 0) or hexadecimal (0x);
// the last part fills the remaining bytes.
func parseInetAton(s string) (netip.Addr, bool) {
	parts := strings.Split(s, ".")
	if len(parts) > 4 {
		return netip.Addr{}, false
	}
	var v uint64
	for i, p := range parts {
		n, ok := parseInetPart(p)
		if !ok {
			return netip.Addr{}, false
		}
		if i < len(parts)-1 {
			if n > 255 {
				return netip.Addr{}, false
			}
			v |= n << (8 * (3 - i))
			continue
		}
		if n >= 1<<(8*(4-i)) {
			return netip.Addr{}, false
		}
		v |= n
	}
	return netip.AddrFrom4([4]byte{byte(v >> 24), byte(v >> 16), byte(v >> 8), byte(v)}), true
}

func parseInetPart(p string) (uint64, bool) {
	base := 10
	switch {
	case strings.HasPrefix(p, "0x"):
		p, base = p[2:], 16
		if p == "" {
			return 0, true // "0x" is zero, as in inet_aton and the WHATWG parser
		}
	case len(p) > 1 && p[0] == '0':
		p, base = p[1:], 8
	}
	if p == "" || strings.ContainsAny(p, "+-_") {
		return 0, false
	}
	n, err := strconv.ParseUint(p, base, 32)
	return n, err == nil
}

// splitHostPort splits "host", "host:port", "[v6]" and "[v6]:port". A host
// with more than one colon and no brackets is an IPv6 literal without
// port. port is 0 when absent.
func splitHostPort(s string) (hostPart string, port uint16, err error) {
	rest := ""
	switch {
	case strings.HasPrefix(s, "["):
		end := strings.IndexByte(s, ']')
		if end < 0 {
			return "", 0, errors.New("missing ']' after IPv6 address")
		}
		hostPart, rest = s[1:end], s[end+1:]
		if !strings.Contains(hostPart, ":") {
			return "", 0, fmt.Errorf("brackets hold IPv6 addresses only, not %q", hostPart)
		}
		if rest != "" && rest[0] != ':' {
			return "", 0, fmt.Errorf("unexpected %q after ']'", rest)
		}
	case strings.Count(s, ":") > 1:
		return s, 0, nil
	default:
		hostPart, rest, _ = strings.Cut(s, ":")
		if strings.Contains(s, ":") {
			rest = ":" + rest
		}
	}
	if rest == "" {
		return hostPart, 0, nil
	}
	port, err = parsePort(rest[1:])
	return hostPart, port, err
}

// parsePort parses a decimal port 1-65535.
func parsePort(s string) (uint16, error) {
	if s == "" || len(s) > 5 || strings.Trim(s, "0123456789") != "" {
		return 0, fmt.Errorf("invalid port %q: want a decimal number 1-65535", s)
	}
	n, _ := strconv.Atoi(s)
	if n < 1 || n > 65535 {
		return 0, fmt.Errorf("invalid port %q: want a decimal number 1-65535", s)
	}
	return uint16(n), nil
}
