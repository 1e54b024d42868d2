package embedding

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"
)

// ErrForbiddenAddress marks a connection the Guard refused: the host
// resolved to an address that is not globally reachable.
var ErrForbiddenAddress = errors.New("address not allowed for outbound embedding requests")

// Resolver resolves a host name; *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// DialFunc opens a connection to address ("ip:port"), like
// net.Dialer.DialContext.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// Guard is a dialer that protects outbound requests against server-side
// request forgery (SSRF, OWASP API7:2023): it resolves the host itself,
// refuses the connection when any resolved address is forbidden (see
// CheckAddr), and dials the checked IP address rather than the name, so a
// DNS answer that changes between check and use (DNS rebinding) cannot move
// the connection. The default dialer checks the address once more in its
// Control hook, just before connect(2).
//
// The zero value refuses forbidden addresses and uses the net package's
// resolver and dialer.
type Guard struct {
	// AllowPrivate disables the address check, for base URLs the operator
	// configured (a local Ollama, a gateway on the private network).
	AllowPrivate bool
	Resolver     Resolver // nil: net.DefaultResolver
	Dial         DialFunc // nil: a net.Dialer with a 10 s timeout and the Control check
}

// DialContext connects to address ("host:port") as described on Guard.
// Errors wrap ErrForbiddenAddress when an address was refused.
func (g *Guard) DialContext(ctx context.Context, network, address string) (net.Conn, error) {
	host, port, err := net.SplitHostPort(address)
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", address, err)
	}
	addrs, err := g.resolve(ctx, host)
	if err != nil {
		return nil, err
	}
	if !g.AllowPrivate {
		for _, a := range addrs {
			if err := CheckAddr(a); err != nil {
				return nil, fmt.Errorf("dial %s: %w", host, err)
			}
		}
	}
	dial := g.Dial
	if dial == nil {
		d := &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second}
		if !g.AllowPrivate {
			d.Control = controlCheck
		}
		dial = d.DialContext
	}
	var errs []error
	for _, a := range addrs {
		conn, err := dial(ctx, network, net.JoinHostPort(a.String(), port))
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("dial %s: %w", host, errors.Join(errs...))
}

// resolve returns the addresses of host, unmapped from IPv4-in-IPv6.
func (g *Guard) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if a, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{a.Unmap()}, nil
	}
	r := g.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	addrs, err := r.LookupNetIP(ctx, "ip", host)
	if err != nil {
		return nil, fmt.Errorf("resolve %s: %w", host, err)
	}
	if len(addrs) == 0 {
		return nil, fmt.Errorf("resolve %s: no addresses", host)
	}
	for i, a := range addrs {
		addrs[i] = a.Unmap()
	}
	return addrs, nil
}

// controlCheck is the net.Dialer Control hook: it re-checks the address the
// socket is about to connect to.
func controlCheck(_, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("%w: unparsable address %q", ErrForbiddenAddress, address)
	}
	return CheckAddr(ap.Addr())
}

// forbidden lists the special-purpose ranges that are not globally reachable,
// from the IANA IPv4 and IPv6 Special-Purpose Address Registries (RFC 6890
// and its updates), beyond what netip.Addr's predicates cover. Cloud
// metadata services live in them: 169.254.169.254 (link-local),
// fd00:ec2::254 (unique local), 100.100.100.200 (shared address space) and
// 192.0.0.192 (IETF protocol assignments).
var forbidden = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),       // "this network"
	netip.MustParsePrefix("100.64.0.0/10"),   // shared address space (CGNAT)
	netip.MustParsePrefix("192.0.0.0/24"),    // IETF protocol assignments
	netip.MustParsePrefix("192.0.2.0/24"),    // documentation (TEST-NET-1)
	netip.MustParsePrefix("192.88.99.0/24"),  // 6to4 relay anycast
	netip.MustParsePrefix("198.18.0.0/15"),   // benchmarking
	netip.MustParsePrefix("198.51.100.0/24"), // documentation (TEST-NET-2)
	netip.MustParsePrefix("203.0.113.0/24"),  // documentation (TEST-NET-3)
	netip.MustParsePrefix("240.0.0.0/4"),     // reserved, and broadcast
	netip.MustParsePrefix("64:ff9b:1::/48"),  // local-use IPv4/IPv6 translation
	netip.MustParsePrefix("100::/64"),        // discard-only
	netip.MustParsePrefix("2001::/23"),       // IETF protocol assignments (Teredo, ORCHID, ...)
	netip.MustParsePrefix("2001:db8::/32"),   // documentation
}

// Prefixes whose addresses embed an IPv4 address, which is checked too.
var (
	nat64     = netip.MustParsePrefix("64:ff9b::/96") // RFC 6052: IPv4 in the last 32 bits
	sixToFour = netip.MustParsePrefix("2002::/16")    // RFC 3056: IPv4 in bits 16-47
)

// CheckAddr returns an error wrapping ErrForbiddenAddress when a is not a
// globally reachable unicast address: unspecified, loopback, private
// (RFC 1918, RFC 4193), link-local, multicast, or in one of the other
// special-purpose ranges of RFC 6890. IPv4-mapped IPv6 addresses are checked
// as IPv4, and NAT64 and 6to4 addresses by the IPv4 address they embed.
func CheckAddr(a netip.Addr) error {
	a = a.Unmap()
	bad := !a.IsValid() || a.IsUnspecified() || a.IsLoopback() || a.IsPrivate() ||
		a.IsLinkLocalUnicast() || a.IsLinkLocalMulticast() || a.IsInterfaceLocalMulticast() ||
		a.IsMulticast()
	for _, p := range forbidden {
		bad = bad || p.Contains(a)
	}
	if !bad && a.Is6() {
		b := a.As16()
		switch {
		case nat64.Contains(a):
			return checkEmbedded(a, netip.AddrFrom4([4]byte(b[12:16])))
		case sixToFour.Contains(a):
			return checkEmbedded(a, netip.AddrFrom4([4]byte(b[2:6])))
		}
	}
	if bad {
		return fmt.Errorf("%w: %s is not a public address", ErrForbiddenAddress, a)
	}
	return nil
}

func checkEmbedded(outer, inner netip.Addr) error {
	if err := CheckAddr(inner); err != nil {
		return fmt.Errorf("%w: %s embeds %s", ErrForbiddenAddress, outer, inner)
	}
	return nil
}
