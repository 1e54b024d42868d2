package egress

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/ids"
	"golang.org/x/time/rate"
)

// Resolver resolves a host name; *net.Resolver satisfies it.
type Resolver interface {
	LookupNetIP(ctx context.Context, network, host string) ([]netip.Addr, error)
}

// DialFunc opens a TCP connection to address ("ip:port"), like
// net.Dialer.DialContext.
type DialFunc func(ctx context.Context, network, address string) (net.Conn, error)

// Config configures a Proxy. Zero fields take the documented defaults.
type Config struct {
	// Resolver resolves destination names. Nil: net.DefaultResolver (the
	// host's, never the jail's).
	Resolver Resolver
	// Dial connects to a checked address. Nil: a net.Dialer whose
	// Control hook checks the address once more just before connect(2).
	Dial DialFunc
	// RootCAs verifies upstream certificates on intercepted connections.
	// Nil: the host's trust store.
	RootCAs *x509.CertPool
	// CA terminates TLS toward the jails for hosts with secret rules.
	// Nil: New generates one.
	CA *CA
	// OnEvent receives one Event per tunnel and per plain-HTTP request,
	// from the connections' goroutines, concurrently; it must not block
	// for long. Nil: events are dropped.
	OnEvent func(Event)
	// DialTimeout bounds name resolution and each connection attempt.
	// Default 10 s.
	DialTimeout time.Duration
}

// Proxy is the egress proxy of a platform: an HTTP proxy (CONNECT tunnels
// and absolute-URI plain-HTTP requests, RFC 9110 §9.3.6 and RFC 9112
// §3.2.2) that serves connections handed to it from jails, each under a
// Run's limits and a Grant's policy and secrets.
//
// # Notes
//
//   - Names are resolved by the host, every address of the answer must
//     pass the policy and internal/netguard, and the connection goes to
//     the checked address: no second lookup.
//   - A tunnel to a name must start with a TLS ClientHello whose server
//     name is that name; tunnels to addresses need a literal policy entry
//     and may carry any protocol.
//   - Hosts with secret rules (Grant.Secrets) are intercepted: TLS is
//     terminated with the CA, requests are HTTP/1.1 only (ALPN
//     http/1.1), and the upstream is re-encrypted and verified against
//     RootCAs.
//   - Safe for concurrent use.
type Proxy struct {
	resolver    Resolver
	dial        DialFunc
	roots       *x509.CertPool
	ca          *CA
	onEvent     func(Event)
	dialTimeout time.Duration
}

// New returns a Proxy. It fails only when it cannot generate a CA.
func New(cfg Config) (*Proxy, error) {
	p := &Proxy{
		resolver: cfg.Resolver, dial: cfg.Dial, roots: cfg.RootCAs, ca: cfg.CA,
		onEvent: cfg.OnEvent, dialTimeout: cfg.DialTimeout,
	}
	if p.resolver == nil {
		p.resolver = net.DefaultResolver
	}
	if p.dialTimeout <= 0 {
		p.dialTimeout = 10 * time.Second
	}
	if p.ca == nil {
		ca, err := NewCA()
		if err != nil {
			return nil, err
		}
		p.ca = ca
	}
	return p, nil
}

// CA returns the proxy's certificate authority; its CertPEM belongs in
// every jail's CA bundle.
func (p *Proxy) CA() *CA { return p.ca }

// StartRun opens the per-run state that Limits apply to: one Run per
// agent run, shared by all its jails. workspace must be a valid id
// (internal/ids); run must not be empty.
func (p *Proxy) StartRun(workspace, run string, lim Limits) (*Run, error) {
	if err := ids.Validate("workspace", workspace); err != nil {
		return nil, err
	}
	if run == "" {
		return nil, fmt.Errorf("egress: empty run id")
	}
	lim, err := lim.withDefaults()
	if err != nil {
		return nil, err
	}
	return &Run{
		p: p, workspace: workspace, id: run, lim: lim,
		limiter:   rate.NewLimiter(rate.Limit(lim.ConnRate), lim.ConnBurst),
		sessions:  map[*session]struct{}{},
		listeners: map[net.Listener]struct{}{},
		tlsCache:  tls.NewLRUClientSessionCache(64),
	}, nil
}

func (p *Proxy) emit(e Event) {
	if p.onEvent != nil {
		p.onEvent(e)
	}
}
