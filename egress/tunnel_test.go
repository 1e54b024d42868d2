package egress

import (
	"bufio"
	"crypto/tls"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

// tlsThrough opens a CONNECT tunnel to authority and starts TLS in it with
// the given server name (none when empty), trusting the proxy's CA.
func tlsThrough(t *testing.T, w *world, addr, authority, serverName string) (*tls.Conn, error) {
	t.Helper()
	c, _, resp := connectRaw(t, addr, authority)
	if resp.StatusCode != 200 {
		t.Fatalf("CONNECT %s = %d %s", authority, resp.StatusCode, bodyOf(resp))
	}
	c.SetDeadline(time.Now().Add(5 * time.Second))
	cfg := &tls.Config{ServerName: serverName, RootCAs: w.caPool()}
	if serverName == "" {
		cfg.InsecureSkipVerify = true // no server name: nothing to verify against, and no SNI sent
	}
	tc := tls.Client(c, cfg)
	return tc, tc.Handshake()
}

// readRefusal sends a request in conn and reads the answer.
func readRefusal(t *testing.T, conn interface {
	Write([]byte) (int, error)
	Read([]byte) (int, error)
}) *http.Response {
	t.Helper()
	fmt.Fprint(conn, "GET / HTTP/1.1\r\nHost: api.example.com\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("reading the refusal: %v", err)
	}
	return resp
}

func TestSNIMustMatchConnectHost(t *testing.T) {
	w := newWorld(t, Limits{})
	addr := w.serve(w.run, Grant{Policy: mustPolicy(t, defaultPolicy...)})
	tests := []struct {
		sni    string
		reason Reason
	}{
		{"evil.example.net", ReasonSNIMismatch},
		{"other.example.com", ReasonSNIMismatch}, // allowed too, but not the CONNECT host
		{"", ReasonSNIMissing},
	}
	for _, tt := range tests {
		tc, err := tlsThrough(t, w, addr, "api.example.com:443", tt.sni)
		if err != nil {
			t.Fatalf("SNI %q: handshake with the refusal certificate: %v", tt.sni, err)
		}
		resp := readRefusal(t, tc)
		if body := bodyOf(resp); resp.StatusCode != http.StatusForbidden || !hasReason(resp, tt.reason) || !strings.Contains(body, "server") {
			t.Errorf("SNI %q: %d %s %q", tt.sni, resp.StatusCode, resp.Header.Get("X-Bulkhead-Egress"), body)
		}
	}
	// The matching name, in another case and with a trailing dot, passes.
	tc, err := tlsThrough(t, w, addr, "API.example.com.:443", "api.example.com")
	if err == nil {
		t.Fatalf("tunnel was intercepted or answered by the proxy: %v", tc.ConnectionState().PeerCertificates[0].Issuer)
	}
	tc.Close()
	if w.tlsUp.hits.Load() != 0 {
		t.Errorf("upstream served %d requests", w.tlsUp.hits.Load())
	}
	ev := w.events.wait(t, 4)
	for _, e := range ev[:3] {
		if e.Allowed || e.IP.String() != publicTLS {
			t.Errorf("refused tunnel event %v", e)
		}
	}
}

// TestTunnelIsNotIntercepted checks that a host without secret rules is
// tunnelled: the client sees the upstream's own certificate.
func TestTunnelIsNotIntercepted(t *testing.T) {
	w := newWorld(t, Limits{})
	addr := w.serve(w.run, Grant{Policy: mustPolicy(t, defaultPolicy...)})
	c, _, resp := connectRaw(t, addr, "api.example.com:443")
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	tc := tls.Client(c, &tls.Config{ServerName: "api.example.com", RootCAs: w.pki.pool})
	if err := tc.Handshake(); err != nil {
		t.Fatalf("handshake with the upstream through the tunnel: %v", err)
	}
	if got := tc.ConnectionState().PeerCertificates[0].Issuer.CommonName; got != "upstream test CA" {
		t.Errorf("certificate issued by %q", got)
	}
}

func TestTunnelToNameMustCarryTLS(t *testing.T) {
	w := newWorld(t, Limits{})
	addr := w.serve(w.run, Grant{Policy: mustPolicy(t, defaultPolicy...)})
	c, br, resp := connectRaw(t, addr, "api.example.com:443")
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	fmt.Fprint(c, "GET / HTTP/1.1\r\nHost: evil.example.net\r\n\r\n")
	got, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if body := bodyOf(got); got.StatusCode != http.StatusForbidden || !hasReason(got, ReasonNotTLS) {
		t.Errorf("plain bytes in a tunnel to a name: %d %q", got.StatusCode, body)
	}
	if w.tlsUp.hits.Load() != 0 {
		t.Error("upstream reached")
	}
}

func TestPlainHTTPHostIsTheTarget(t *testing.T) {
	w := newWorld(t, Limits{})
	addr := w.serve(w.run, Grant{Policy: mustPolicy(t, defaultPolicy...)})
	conn := dialProxy(t, addr)
	fmt.Fprint(conn, "GET http://plain.example.com/a HTTP/1.1\r\nHost: evil.example.net\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	bodyOf(resp)
	if got := w.plainUp.requests(); resp.StatusCode != 200 || len(got) != 1 || got[0].Host != "plain.example.com" {
		t.Errorf("upstream saw %+v (status %d), want Host plain.example.com", got, resp.StatusCode)
	}
	for _, req := range []string{
		"GET https://api.example.com/ HTTP/1.1\r\nHost: api.example.com\r\n\r\n",
		"GET /origin-form HTTP/1.1\r\nHost: plain.example.com\r\n\r\n",
		"GET http://plain.example.com/ HTTP/1.1\r\nHost: plain.example.com\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n",
	} {
		conn := dialProxy(t, addr)
		fmt.Fprint(conn, req)
		resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
		if err != nil {
			t.Fatal(err)
		}
		if body := bodyOf(resp); resp.StatusCode/100 != 4 || !strings.Contains(body, "refused") {
			t.Errorf("%q: %d %q", req, resp.StatusCode, body)
		}
	}
	if n := len(w.plainUp.requests()); n != 1 {
		t.Errorf("upstream saw %d requests, want 1", n)
	}
}

// TestRedirectToRefusedHostFails follows a redirect from an allowed host
// to refused ones: the proxy checks the second connection again.
func TestRedirectToRefusedHostFails(t *testing.T) {
	w := newWorld(t, Limits{})
	addr := w.serve(w.run, Grant{Policy: mustPolicy(t, defaultPolicy...)})
	c := w.client(addr, w.pki.pool)
	for _, to := range []string{"http://denied.example.com/", "http://internal.example.com/", "http://127.0.0.1/"} {
		resp, err := c.Get("http://plain.example.com/redirect?to=" + to)
		if err != nil {
			t.Fatal(err)
		}
		if body := bodyOf(resp); resp.StatusCode != http.StatusForbidden || resp.Request.URL.String() != to {
			t.Errorf("redirect to %s ended with %d at %s: %q", to, resp.StatusCode, resp.Request.URL, body)
		}
	}
	// Over TLS: the second CONNECT is refused.
	_, err := c.Get("https://api.example.com/redirect?to=https://denied.example.com/")
	if err == nil || !strings.Contains(err.Error(), "Forbidden") {
		t.Errorf("https redirect to a refused host: %v", err)
	}
	ev := w.events.wait(t, 8)
	refused := 0
	for _, e := range ev {
		if !e.Allowed {
			refused++
		}
	}
	if refused != 4 {
		t.Errorf("%d refusals among %v, want 4", refused, ev)
	}
}
