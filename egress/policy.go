package egress

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"

	"golang.org/x/net/publicsuffix"
)

// Default ports of a destination written without one.
const (
	portHTTPS uint16 = 443
	portHTTP  uint16 = 80
)

// Destination is one entry of a Policy: a host name, a wildcard over a
// domain, or an address or block, with a port.
//
// # Notes
//
//   - Name is canonical: lower-case A-labels (UTS #46), no trailing dot;
//     a wildcard is "*." followed by such a name and matches one or more
//     labels in front of it, never the domain itself.
//   - Prefix is valid for an address destination, a /32 or /128 for a
//     single address.
//   - Port 0 means the default ports, 443 and 80.
type Destination struct {
	Name   string
	Prefix netip.Prefix
	Port   uint16
}

// String returns the canonical text of d, which ParseDestination accepts.
func (d Destination) String() string {
	h := d.Name
	if h == "" {
		h = d.Prefix.String()
		if d.Prefix.IsSingleIP() {
			h = d.Prefix.Addr().String()
		}
		if d.Prefix.Addr().Is6() && d.Port != 0 {
			h = "[" + h + "]"
		}
	}
	if d.Port != 0 {
		return fmt.Sprintf("%s:%d", h, d.Port)
	}
	return h
}

// ParseDestination parses one policy entry: "host", "*.domain", an IPv4
// or IPv6 address, or a CIDR block, each optionally followed by ":port"
// (an IPv6 address or block in brackets: "[2001:db8::1]:8443").
//
// # Notes
//
//   - Names may be written in Unicode; they are converted to A-labels with
//     UTS #46 (golang.org/x/net/idna) and compared case-insensitively,
//     with one trailing dot ignored.
//   - A host whose last label is a number is an IPv4 address attempt (the
//     WHATWG "ends in a number" rule): it must be written in dotted-quad
//     form; 0x7f000001, 2130706433, 0177.0.0.1 and 127.1 are refused with
//     the canonical spelling in the error, so they can never pass as names.
//   - IPv4-mapped IPv6 addresses and zoned addresses are refused; a CIDR
//     block must have its host bits zero.
//   - A wildcard directly over a public suffix ("*.com", "*.co.uk",
//     "*.github.io", by the Public Suffix List in
//     golang.org/x/net/publicsuffix) is refused: it would allow hosts
//     anyone can register.
func ParseDestination(s string) (Destination, error) {
	d, err := parseDestination(strings.TrimSpace(s))
	if err != nil {
		return Destination{}, fmt.Errorf("destination %q: %w", s, err)
	}
	return d, nil
}

func parseDestination(s string) (Destination, error) {
	switch {
	case s == "":
		return Destination{}, errors.New("empty")
	case strings.Contains(s, "://"):
		return Destination{}, errors.New("write host[:port], not a URL")
	case strings.ContainsAny(s, "@?# \t"):
		return Destination{}, errors.New("write host[:port]: no user, path, query or spaces")
	}
	hostPart, port, err := splitHostPort(s)
	if err != nil {
		return Destination{}, err
	}
	if strings.Contains(hostPart, "/") {
		p, err := parseCIDR(hostPart)
		return Destination{Prefix: p, Port: port}, err
	}
	if rest, ok := strings.CutPrefix(hostPart, "*."); ok {
		name, err := parseWildcard(rest)
		return Destination{Name: name, Port: port}, err
	}
	if strings.Contains(hostPart, "*") {
		return Destination{}, errors.New(`a wildcard is "*." followed by a domain`)
	}
	h, err := parseHost(hostPart)
	if err != nil {
		return Destination{}, err
	}
	if h.name != "" {
		return Destination{Name: h.name, Port: port}, nil
	}
	if err := checkLiteral(hostPart, h.ip); err != nil {
		return Destination{}, err
	}
	return Destination{Prefix: netip.PrefixFrom(h.ip, h.ip.BitLen()), Port: port}, nil
}

// checkLiteral refuses spellings of an address that a reader could take
// for something else.
func checkLiteral(written string, a netip.Addr) error {
	switch {
	case a.Is4In6():
		return fmt.Errorf("IPv4-mapped IPv6 address: write %s", a.Unmap())
	case a.Is4() && strings.TrimSuffix(written, ".") != a.String():
		return fmt.Errorf("numeric host form: write %s", a)
	}
	return nil
}

func parseCIDR(s string) (netip.Prefix, error) {
	p, err := netip.ParsePrefix(s)
	if err != nil {
		return netip.Prefix{}, fmt.Errorf("invalid CIDR block: %v", err)
	}
	if p.Addr().Is4In6() {
		return netip.Prefix{}, fmt.Errorf("IPv4-mapped IPv6 block: write it as IPv4")
	}
	if p != p.Masked() {
		return netip.Prefix{}, fmt.Errorf("CIDR block has host bits set: write %s", p.Masked())
	}
	return p, nil
}

func parseWildcard(domain string) (string, error) {
	h, err := parseHost(domain)
	if err != nil {
		return "", err
	}
	if h.name == "" {
		return "", errors.New("a wildcard covers a domain, not an address")
	}
	if suffix, _ := publicsuffix.PublicSuffix(h.name); suffix == h.name {
		return "", fmt.Errorf("%q is a public suffix: *.%s would allow hosts anyone can register", h.name, h.name)
	}
	return "*." + h.name, nil
}

// Policy is the set of destinations a jail may reach. The zero value and
// a nil *Policy allow nothing. A Policy is immutable and safe for
// concurrent use.
type Policy struct {
	dests []Destination
}

// ParsePolicy parses entries with ParseDestination. The error names every
// bad entry by position and text; no Policy is returned then.
func ParsePolicy(entries []string) (*Policy, error) {
	p := &Policy{}
	var errs []error
	for i, e := range entries {
		d, err := ParseDestination(e)
		if err != nil {
			errs = append(errs, fmt.Errorf("entry %d: %w", i+1, err))
			continue
		}
		p.dests = append(p.dests, d)
	}
	if len(errs) > 0 {
		return nil, errors.Join(errs...)
	}
	return p, nil
}

// Destinations returns a copy of the policy's entries, in order.
func (p *Policy) Destinations() []Destination {
	if p == nil {
		return nil
	}
	return append([]Destination(nil), p.dests...)
}

// String returns the entries' canonical texts separated by commas.
func (p *Policy) String() string {
	var b []string
	for _, d := range p.Destinations() {
		b = append(b, d.String())
	}
	return strings.Join(b, ",")
}

func portMatches(want, port uint16) bool {
	if want == 0 {
		return port == portHTTPS || port == portHTTP
	}
	return want == port
}

// allowsName reports whether a name entry covers name on port.
func (p *Policy) allowsName(name string, port uint16) bool {
	if p == nil {
		return false
	}
	for _, d := range p.dests {
		if d.Name == "" || !portMatches(d.Port, port) {
			continue
		}
		if domain, ok := strings.CutPrefix(d.Name, "*."); ok {
			if strings.HasSuffix(name, "."+domain) {
				return true
			}
		} else if d.Name == name {
			return true
		}
	}
	return false
}

// literals returns the address entries that cover port: the addresses a
// name may resolve to although they are special (netguard.Rules.Allow),
// and the only addresses a raw-IP request may go to.
func (p *Policy) literals(port uint16) []netip.Prefix {
	if p == nil {
		return nil
	}
	var out []netip.Prefix
	for _, d := range p.dests {
		if d.Name == "" && portMatches(d.Port, port) {
			out = append(out, d.Prefix)
		}
	}
	return out
}
