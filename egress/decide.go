package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"syscall"

	"github.com/bulkhead-dev/bulkhead/internal/netguard"
)

// target is a requested destination.
type target struct {
	host host
	port uint16
}

// authority returns host:port as in a request target, the port left out
// when it is def.
func (t target) authority(def uint16) string {
	h := t.host.String()
	if t.port == def {
		if t.host.ip.Is6() {
			return "[" + h + "]"
		}
		return h
	}
	return net.JoinHostPort(h, strconv.Itoa(int(t.port)))
}

// parseTarget parses a request's authority. def is the port when none is
// given; 0 makes the port mandatory (CONNECT, RFC 9110 §9.3.6).
func parseTarget(authority string, def uint16) (target, error) {
	h, port, err := splitHostPort(authority)
	if err != nil {
		return target{}, fmt.Errorf("target %q: %w", authority, err)
	}
	if port == 0 {
		if def == 0 {
			return target{}, fmt.Errorf("target %q: CONNECT needs host:port", authority)
		}
		port = def
	}
	hh, err := parseHost(h)
	if err != nil {
		return target{}, fmt.Errorf("target %q: %w", authority, err)
	}
	return target{host: hh, port: port}, nil
}

// plan is an allowed destination with its checked addresses.
type plan struct {
	target
	addrs []netip.Addr
	rules netguard.Rules
}

// decide applies the grant's policy, the rate limit, the host's resolver
// and netguard to t.
func (s *session) decide(ctx context.Context, t target) (*plan, *refusal) {
	pol := s.grant.Policy
	rules := netguard.Rules{Allow: pol.literals(t.port)}
	pl := &plan{target: t, rules: rules}
	if t.host.name == "" {
		a := t.host.ip
		if err := rules.Check(a); err != nil {
			return nil, &refusal{http.StatusForbidden, ReasonSpecial, err.Error()}
		}
		allowed := false
		for _, p := range rules.Allow {
			allowed = allowed || p.Contains(a)
		}
		if !allowed {
			return nil, &refusal{http.StatusForbidden, ReasonRawIP, fmt.Sprintf(
				"%s is an address no policy entry names; connect by host name, or list the address literally", a)}
		}
		pl.addrs = []netip.Addr{a}
	} else if !pol.allowsName(t.host.name, t.port) {
		return nil, &refusal{http.StatusForbidden, ReasonNotAllowed, fmt.Sprintf(
			"%s is not in the allowed destinations", t.authority(0))}
	}
	if !s.run.limiter.Allow() {
		return nil, &refusal{http.StatusTooManyRequests, ReasonRateLimit, fmt.Sprintf(
			"more than %g new connections per second (burst %d)", s.run.lim.ConnRate, s.run.lim.ConnBurst)}
	}
	if pl.addrs != nil {
		return pl, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.run.p.dialTimeout)
	defer cancel()
	addrs, err := s.run.p.resolver.LookupNetIP(ctx, "ip", t.host.name)
	if err == nil && len(addrs) == 0 {
		err = errors.New("no addresses")
	}
	if err != nil {
		var dnsErr *net.DNSError
		if errors.As(err, &dnsErr) {
			err = errors.New(dnsErr.Err)
		}
		return nil, &refusal{http.StatusBadGateway, ReasonResolve, fmt.Sprintf("resolving %s: %v", t.host.name, err)}
	}
	for _, a := range addrs {
		// The resolver returns IPv4 answers as IPv4-mapped addresses;
		// the address connected to is the IPv4 one.
		a = a.Unmap()
		if err := rules.Check(a); err != nil {
			return nil, &refusal{http.StatusForbidden, ReasonSpecial, fmt.Sprintf("%s resolves to %v", t.host.name, err)}
		}
		pl.addrs = append(pl.addrs, a)
	}
	return pl, nil
}

// dial connects to the first of pl's checked addresses that answers and
// returns the connection metered into m and closed with the session.
func (s *session) dial(ctx context.Context, pl *plan, m *meter) (net.Conn, netip.Addr, error) {
	dial := s.run.p.dial
	if dial == nil {
		d := &net.Dialer{Control: func(_, address string, _ syscall.RawConn) error {
			ap, err := netip.ParseAddrPort(address)
			if err != nil {
				return fmt.Errorf("egress: unparsable address %q", address)
			}
			return pl.rules.Check(ap.Addr())
		}}
		dial = d.DialContext
	}
	var errs []error
	for _, a := range pl.addrs {
		dctx, cancel := context.WithTimeout(ctx, s.run.p.dialTimeout)
		c, err := dial(dctx, "tcp", netip.AddrPortFrom(a, pl.port).String())
		cancel()
		if err != nil {
			errs = append(errs, err)
			continue
		}
		mc := &meteredConn{Conn: c, s: s, m: m}
		if !s.addCloser(mc) {
			return nil, a, net.ErrClosed
		}
		return mc, a, nil
	}
	return nil, netip.Addr{}, errors.Join(errs...)
}
