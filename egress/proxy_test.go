package egress

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/netip"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/netguard"
)

// world is a harness with a TLS upstream for api.example.com (and other
// names), a plain one for plain.example.com, and resolver entries.
type world struct {
	*harness
	tlsUp, plainUp *upstream
}

func newWorld(t *testing.T, lim Limits) *world {
	h := newHarness(t, lim)
	w := &world{harness: h}
	w.tlsUp = newUpstream(t, h.pki, "api.example.com", "other.example.com", "a.svc.example.org", "127.0.0.2")
	w.plainUp = newUpstream(t, nil)
	for _, n := range []string{"api.example.com", "other.example.com", "a.svc.example.org", "denied.example.com"} {
		h.net.resolve(n, publicTLS)
	}
	h.net.resolve("plain.example.com", publicPlain)
	h.net.resolve("other-plain.example.com", publicPlain)
	h.net.resolve("internal.example.com", "10.0.0.7")
	h.net.resolve("mixed.example.com", publicTLS, "127.0.0.1")
	h.net.resolve("meta.example.com", "169.254.169.254")
	h.net.resolve("v6.example.com", "2002:7f00:1::1")
	h.net.route(publicTLS+":443", w.tlsUp.addr())
	h.net.route(publicPlain+":80", w.plainUp.addr())
	return w
}

var defaultPolicy = []string{
	"api.example.com", "other.example.com", "*.svc.example.org", "plain.example.com", "other-plain.example.com",
	"internal.example.com", "mixed.example.com", "meta.example.com", "v6.example.com",
}

func TestAllowedDestinations(t *testing.T) {
	w := newWorld(t, Limits{})
	addr := w.serve(w.run, Grant{ToolCall: "call-1", Policy: mustPolicy(t, defaultPolicy...)})
	c := w.client(addr, w.pki.pool)
	for _, u := range []string{"https://api.example.com/x", "https://a.svc.example.org/y", "http://plain.example.com/z"} {
		resp, err := c.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		if body := bodyOf(resp); resp.StatusCode != 200 || !strings.HasPrefix(body, "uri=/") {
			t.Fatalf("GET %s = %d %q", u, resp.StatusCode, body)
		}
	}
	ev := w.events.wait(t, 3)
	for _, e := range ev {
		if !e.Allowed || e.Reason != "" || e.BytesUp == 0 || e.BytesDown == 0 || !e.IP.IsValid() || e.ToolCall != "call-1" || e.Workspace != "ws1" || e.Run != "run1" {
			t.Errorf("event %v: want allowed, attributed, with bytes and an IP", e)
		}
	}
	if e := findEvents(ev, "api.example.com"); len(e) != 1 || e[0].Kind != KindTunnel || e[0].IP.String() != publicTLS || e[0].Port != 443 {
		t.Errorf("api.example.com events %v", e)
	}
	if e := findEvents(ev, "plain.example.com"); len(e) != 1 || e[0].Kind != KindHTTP || e[0].IP.String() != publicPlain || e[0].Port != 80 {
		t.Errorf("plain.example.com events %v", e)
	}
	if got := w.plainUp.requests(); len(got) != 1 || got[0].Host != "plain.example.com" || got[0].URI != "/z" {
		t.Errorf("plain upstream saw %+v", got)
	}
}

// TestRefusedDestinations drives CONNECT and plain-HTTP requests at
// destinations the policy or netguard refuses, in every special-address
// spelling, and checks that nothing was dialed.
func TestRefusedDestinations(t *testing.T) {
	w := newWorld(t, Limits{MaxConns: 1000})
	addr := w.serve(w.run, Grant{Policy: mustPolicy(t, defaultPolicy...)})
	tests := []struct {
		authority string
		reason    Reason
		detail    string
	}{
		{"denied.example.com:443", ReasonNotAllowed, "not in the allowed destinations"},
		{"api.example.com:8443", ReasonNotAllowed, "api.example.com:8443"},
		{"example.com:443", ReasonNotAllowed, ""},
		{"svc.example.org:443", ReasonNotAllowed, ""},
		{"internal.example.com:443", ReasonSpecial, "10.0.0.7 is private"},
		{"mixed.example.com:443", ReasonSpecial, "127.0.0.1 is loopback"},
		{"meta.example.com:443", ReasonSpecial, "link-local"},
		{"v6.example.com:443", ReasonSpecial, "6to4"},
		{publicTLS + ":443", ReasonRawIP, "no policy entry names"},
		{"127.0.0.1:443", ReasonSpecial, "loopback"},
		{"[::ffff:127.0.0.1]:443", ReasonSpecial, "IPv4-mapped"},
		{"[::ffff:93.184.215.14]:443", ReasonSpecial, "IPv4-mapped"},
		{"0x7f000001:443", ReasonSpecial, "127.0.0.1 is loopback"},
		{"2130706433:443", ReasonSpecial, "127.0.0.1 is loopback"},
		{"0177.0.0.1:443", ReasonSpecial, "127.0.0.1 is loopback"},
		{"127.1:443", ReasonSpecial, "127.0.0.1 is loopback"},
		{"[::]:443", ReasonSpecial, "unspecified"},
		{"[::1]:443", ReasonSpecial, "loopback"},
		{"0.0.0.0:443", ReasonSpecial, "unspecified"},
		{"[2002:7f00:1::1]:443", ReasonSpecial, "6to4"},
		{"[64:ff9b::7f00:1]:443", ReasonSpecial, "NAT64"},
		{"[64:ff9b::808:808]:443", ReasonSpecial, "NAT64"},
		{"[64:ff9b:1::1]:443", ReasonSpecial, "translation"},
		{"[2001::1]:443", ReasonSpecial, "Teredo"},
		{"[fe80::1]:443", ReasonSpecial, "link-local"},
		{"[fd00:ec2::254]:80", ReasonSpecial, "unique local"},
		{"169.254.169.254:80", ReasonSpecial, "link-local"},
		{"100.100.100.200:80", ReasonSpecial, "CGNAT"},
		{"[fe80::1%25eth0]:443", ReasonBadRequest, "zone"},
		{"api.example.com", ReasonBadRequest, "needs host:port"},
		{"1.2.3.256:443", ReasonBadRequest, "not an IPv4 address"},
	}
	for _, tt := range tests {
		c, _, resp := connectRaw(t, addr, tt.authority)
		body := bodyOf(resp)
		c.Close()
		if resp.StatusCode/100 != 4 || !hasReason(resp, tt.reason) || !strings.Contains(body, tt.detail) {
			t.Errorf("CONNECT %s = %d %s %q, want %s containing %q", tt.authority, resp.StatusCode, resp.Header.Get("X-Bulkhead-Egress"), body, tt.reason, tt.detail)
		}
	}
	// The same through plain HTTP, with the host in the URL.
	plain := w.client(addr, nil)
	for _, u := range []string{"http://denied.example.com/", "http://0x7f000001/", "http://2130706433/", "http://[::ffff:127.0.0.1]/", "http://internal.example.com/", "http://[::]/"} {
		resp, err := plain.Get(u)
		if err != nil {
			t.Fatalf("GET %s: %v", u, err)
		}
		if body := bodyOf(resp); resp.StatusCode != http.StatusForbidden || !strings.Contains(body, "bulkhead egress refused") {
			t.Errorf("GET %s = %d %q, want 403", u, resp.StatusCode, body)
		}
	}
	if d := w.net.dialed(); len(d) != 0 {
		t.Errorf("refused destinations were dialed: %v", d)
	}
	if w.net.lookups.Load() != 5 { // internal, mixed, meta, v6 and internal again: only allowed names are resolved
		t.Errorf("resolver called %d times, want 5", w.net.lookups.Load())
	}
	ev := w.events.wait(t, len(tests)+6)
	for _, e := range ev {
		if e.Allowed || e.Reason == "" || e.Detail == "" {
			t.Errorf("event %v: want a refusal with reason and detail", e)
		}
	}
}

func TestLiteralEntryAllowsInternalAddress(t *testing.T) {
	w := newWorld(t, Limits{})
	echo := newEcho(t, "127.0.0.2:0")
	_, port := splitAddr(t, echo.Addr().String())
	w.net.resolve("db.internal.example", "127.0.0.2")
	w.net.resolve("notlisted.internal.example", "127.0.0.3")
	addr := w.serve(w.run, Grant{Policy: mustPolicy(t, "127.0.0.2:"+port, "db.internal.example:"+port, "notlisted.internal.example:"+port)})
	// An address listed literally: any protocol, no TLS needed.
	c, br, resp := connectRaw(t, addr, "127.0.0.2:"+port)
	if resp.StatusCode != 200 {
		t.Fatalf("CONNECT literal = %d %s", resp.StatusCode, bodyOf(resp))
	}
	fmt.Fprint(c, "ping\n")
	if line, _ := br.ReadString('\n'); line != "ping\n" {
		t.Fatalf("echo through tunnel = %q", line)
	}
	// A name resolving to it is allowed because the address is listed;
	// one resolving to a neighbour is not.
	_, _, resp = connectRaw(t, addr, "notlisted.internal.example:"+port)
	if !hasReason(resp, ReasonSpecial) {
		t.Errorf("name resolving to an unlisted loopback address: %d %s", resp.StatusCode, bodyOf(resp))
	}
	_, _, resp = connectRaw(t, addr, "db.internal.example:"+port)
	if resp.StatusCode != 200 {
		t.Errorf("name resolving to a listed address: %d %s", resp.StatusCode, bodyOf(resp))
	}
}

// newEcho starts a TCP server on address that echoes lines.
func newEcho(t testing.TB, address string) net.Listener {
	t.Helper()
	l, err := net.Listen("tcp", address)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			go func() { defer c.Close(); io.Copy(c, c) }()
		}
	}()
	return l
}

func TestDefaultDialerChecksAgain(t *testing.T) {
	p, err := New(Config{})
	if err != nil {
		t.Fatal(err)
	}
	run, err := p.StartRun("ws", "r", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	l := newEcho(t, "127.0.0.1:0")
	a, _ := net.ResolveTCPAddr("tcp", l.Addr().String())
	s := newSession(run, nopConn{}, Grant{}, true)
	defer s.close("")
	pl := &plan{target: target{host: host{ip: a.AddrPort().Addr().Unmap()}, port: a.AddrPort().Port()}, addrs: []netip.Addr{a.AddrPort().Addr().Unmap()}}
	if _, _, err := s.dial(t.Context(), pl, &meter{}); !errors.Is(err, netguard.ErrSpecial) {
		t.Fatalf("dial to loopback without an allow entry = %v, want netguard.ErrSpecial from Control", err)
	}
	pl.rules.Allow = []netip.Prefix{netip.PrefixFrom(pl.addrs[0], 32)}
	c, _, err := s.dial(t.Context(), pl, &meter{})
	if err != nil {
		t.Fatalf("dial to an allowed address: %v", err)
	}
	c.Close()
}

// nopConn is a net.Conn that does nothing.
type nopConn struct{ net.Conn }

func (nopConn) Close() error { return nil }
