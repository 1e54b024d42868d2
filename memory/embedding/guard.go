package embedding

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"syscall"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/netguard"
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

// CheckAddr returns an error wrapping ErrForbiddenAddress (and
// netguard.ErrSpecial) when a is not a globally reachable unicast address,
// by the rules of internal/netguard: unspecified, loopback, private
// (RFC 1918, RFC 4193), link-local, multicast, or any other block of the
// IANA special-purpose registries (RFC 6890). IPv4-mapped IPv6 addresses
// are checked as IPv4, and NAT64 (64:ff9b::/96) and 6to4 addresses by the
// IPv4 address they embed (netguard.Rules.CheckEmbedded), so embedding
// still works on an IPv6-only host behind DNS64.
func CheckAddr(a netip.Addr) error {
	if err := (netguard.Rules{CheckEmbedded: true}).Check(a.Unmap()); err != nil {
		return fmt.Errorf("%w: %w", ErrForbiddenAddress, err)
	}
	return nil
}
