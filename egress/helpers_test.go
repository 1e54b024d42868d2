package egress

import (
	"bufio"
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"fmt"
	"io"
	"log"
	"math/big"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Public addresses the fake resolver hands out; fakeNet.dial maps them to
// loopback servers, so netguard sees what it would see on the internet.
const (
	publicTLS   = "93.184.215.14"
	publicPlain = "93.184.215.15"
)

// fakeNet resolves names from a table and dials mapped addresses to
// loopback servers (unmapped addresses are dialed as they are).
type fakeNet struct {
	mu      sync.Mutex
	names   map[string][]string
	routes  map[string]string
	lookups atomic.Int32
	dials   []string
}

func newFakeNet() *fakeNet {
	return &fakeNet{names: map[string][]string{}, routes: map[string]string{}}
}

func (f *fakeNet) resolve(name string, addrs ...string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.names[name] = addrs
}

func (f *fakeNet) route(from, to string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.routes[from] = to
}

func (f *fakeNet) LookupNetIP(_ context.Context, _, name string) ([]netip.Addr, error) {
	f.lookups.Add(1)
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []netip.Addr
	for _, s := range f.names[name] {
		// Like net.Resolver, answer IPv4 as IPv4-mapped.
		out = append(out, netip.AddrFrom16(netip.MustParseAddr(s).As16()))
	}
	if len(out) == 0 {
		return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
	}
	return out, nil
}

func (f *fakeNet) dial(ctx context.Context, network, address string) (net.Conn, error) {
	f.mu.Lock()
	f.dials = append(f.dials, address)
	to, ok := f.routes[address]
	f.mu.Unlock()
	if !ok {
		to = address
	}
	var d net.Dialer
	return d.DialContext(ctx, network, to)
}

func (f *fakeNet) dialed() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.dials...)
}

// testPKI is an upstream CA with leaves for test host names.
type testPKI struct {
	ca   *x509.Certificate
	key  *ecdsa.PrivateKey
	pool *x509.CertPool
}

func newTestPKI(t testing.TB) *testPKI {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "upstream test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	ca, _ := x509.ParseCertificate(der)
	pool := x509.NewCertPool()
	pool.AddCert(ca)
	return &testPKI{ca: ca, key: key, pool: pool}
}

func (p *testPKI) leaf(t testing.TB, names ...string) tls.Certificate {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if a, err := netip.ParseAddr(n); err == nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, a.AsSlice())
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.ca, &key.PublicKey, p.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// upstream is a loopback test server that records what it received.
type upstream struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
	hits atomic.Int32
}

type recorded struct {
	Host, URI, Auth, Body string
	BodyErr               error
	Header                http.Header
	Resumed               bool // the TLS session was resumed
}

// newUpstream starts a server; with pki, a TLS one with a leaf for names.
// Its handler records each request and echoes its Authorization header
// and URI; /redirect?to=URL redirects, /bytes?n=N sends N bytes.
func newUpstream(t testing.TB, pki *testPKI, names ...string) *upstream {
	t.Helper()
	u := &upstream{}
	u.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.hits.Add(1)
		body, err := io.ReadAll(r.Body)
		u.mu.Lock()
		u.reqs = append(u.reqs, recorded{Host: r.Host, URI: r.RequestURI, Auth: r.Header.Get("Authorization"), Body: string(body), BodyErr: err, Header: r.Header.Clone(),
			Resumed: r.TLS != nil && r.TLS.DidResume})
		u.mu.Unlock()
		switch r.URL.Path {
		case "/redirect":
			http.Redirect(w, r, r.URL.Query().Get("to"), http.StatusFound)
		case "/bytes":
			var n int
			fmt.Sscan(r.URL.Query().Get("n"), &n)
			w.Header().Set("Content-Length", fmt.Sprint(n))
			buf := make([]byte, 32<<10)
			for n > 0 {
				k := min(n, len(buf))
				if _, err := w.Write(buf[:k]); err != nil {
					return
				}
				n -= k
			}
		default:
			fmt.Fprintf(w, "uri=%s auth=%s", r.RequestURI, r.Header.Get("Authorization"))
		}
	}))
	u.Config.ErrorLog = log.New(io.Discard, "", 0)
	if pki != nil {
		u.TLS = &tls.Config{Certificates: []tls.Certificate{pki.leaf(t, names...)}}
		u.StartTLS()
	} else {
		u.Start()
	}
	t.Cleanup(u.Close)
	return u
}

func (u *upstream) requests() []recorded {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]recorded(nil), u.reqs...)
}

func (u *upstream) addr() string { return u.Listener.Addr().String() }

// harness is a proxy with one run served on a loopback TCP listener.
type harness struct {
	t      testing.TB
	net    *fakeNet
	pki    *testPKI
	proxy  *Proxy
	run    *Run
	events *eventLog
}

type eventLog struct {
	mu sync.Mutex
	ev []Event
}

func (l *eventLog) add(e Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.ev = append(l.ev, e)
}

func (l *eventLog) all() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.ev...)
}

// wait returns the events once there are at least n, or fails.
func (l *eventLog) wait(t testing.TB, n int) []Event {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		ev := l.all()
		if len(ev) >= n {
			return ev
		}
		if time.Now().After(deadline) {
			t.Fatalf("got %d events, want %d: %v", len(ev), n, ev)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// newHarness starts a proxy and one run; serve a grant with h.serve.
func newHarness(t testing.TB, lim Limits) *harness {
	t.Helper()
	h := &harness{t: t, net: newFakeNet(), pki: newTestPKI(t), events: &eventLog{}}
	p, err := New(Config{Resolver: h.net, Dial: h.net.dial, RootCAs: h.pki.pool, OnEvent: h.events.add})
	if err != nil {
		t.Fatal(err)
	}
	h.proxy = p
	h.run, err = p.StartRun("ws1", "run1", lim)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.run.Close() })
	return h
}

// serve serves g on a new loopback listener of run and returns its address.
func (h *harness) serve(run *Run, g Grant) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		h.t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { run.Serve(ctx, l, g); close(done) }()
	h.t.Cleanup(func() { cancel(); <-done })
	return l.Addr().String()
}

// client returns an HTTP client that uses the proxy at addr and trusts
// roots.
func (h *harness) client(addr string, roots *x509.CertPool) *http.Client {
	proxyURL, _ := url.Parse("http://" + addr)
	return &http.Client{
		Transport: &http.Transport{
			Proxy:             http.ProxyURL(proxyURL),
			TLSClientConfig:   &tls.Config{RootCAs: roots},
			DisableKeepAlives: true,
		},
		Timeout: 10 * time.Second,
	}
}

// caPool trusts the proxy's CA only.
func (h *harness) caPool() *x509.CertPool {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(h.proxy.CA().CertPEM())
	return pool
}

// bothPool trusts the upstream CA and the proxy's CA.
func (h *harness) bothPool() *x509.CertPool {
	pool := h.caPool()
	pool.AddCert(h.pki.ca)
	return pool
}

// connectRaw sends "CONNECT authority" on a new connection and returns
// the connection (positioned after the response head) and the response.
func connectRaw(t testing.TB, proxyAddr, authority string) (net.Conn, *bufio.Reader, *http.Response) {
	t.Helper()
	c, err := net.Dial("tcp", proxyAddr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { c.Close() })
	c.SetDeadline(time.Now().Add(10 * time.Second))
	fmt.Fprintf(c, "CONNECT %s HTTP/1.1\r\nHost: %s\r\n\r\n", authority, authority)
	br := bufio.NewReader(c)
	resp, err := http.ReadResponse(br, &http.Request{Method: http.MethodConnect})
	if err != nil {
		t.Fatalf("CONNECT %s: %v", authority, err)
	}
	return c, br, resp
}

// bodyOf reads and closes a response body.
func bodyOf(resp *http.Response) string {
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return string(b)
}

func mustPolicy(t testing.TB, entries ...string) *Policy {
	t.Helper()
	p, err := ParsePolicy(entries)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// findEvent returns the events for host.
func findEvents(ev []Event, host string) []Event {
	var out []Event
	for _, e := range ev {
		if e.Host == host {
			out = append(out, e)
		}
	}
	return out
}

func hasReason(resp *http.Response, r Reason) bool {
	return resp.Header.Get("X-Bulkhead-Egress") == string(r)
}

// splitAddr returns the host and port of an address.
func splitAddr(t testing.TB, a string) (string, string) {
	t.Helper()
	h, p, err := net.SplitHostPort(a)
	if err != nil {
		t.Fatal(err)
	}
	return h, p
}

var _ = strings.Contains

// dialProxy connects to the proxy.
func dialProxy(t testing.TB, addr string) net.Conn {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	c.SetDeadline(time.Now().Add(10 * time.Second))
	t.Cleanup(func() { c.Close() })
	return c
}

func bufioReader(c net.Conn) *bufio.Reader { return bufio.NewReader(c) }

func mustURL(s string) *url.URL {
	u, err := url.Parse(s)
	if err != nil {
		panic(err)
	}
	return u
}
