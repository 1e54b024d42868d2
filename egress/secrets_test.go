package egress

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

const realToken = "ghp_REALsecretVALUE0123456789"

// secretWorld is a world whose grant holds a credential for
// api.example.com and another for plain.example.com:80.
type secretWorld struct {
	*world
	secrets          *Secrets
	ph, phPlain, ph2 string
	addr             string
}

func newSecretWorld(t *testing.T, lim Limits) *secretWorld {
	w := newWorld(t, lim)
	s := NewSecrets()
	t.Cleanup(s.Close)
	ph, err := s.Add("github", []byte(realToken), []string{"api.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	phPlain, err := s.Add("legacy", []byte("plain-secret-value"), []string{"plain.example.com:80"})
	if err != nil {
		t.Fatal(err)
	}
	ph2, err := s.Add("other", []byte("other-secret-value"), []string{"other.example.com"})
	if err != nil {
		t.Fatal(err)
	}
	sw := &secretWorld{world: w, secrets: s, ph: ph, phPlain: phPlain, ph2: ph2}
	sw.addr = w.serve(w.run, Grant{Skill: "gh-skill", Policy: mustPolicy(t, defaultPolicy...), Secrets: s})
	return sw
}

func TestPlaceholderForm(t *testing.T) {
	s := NewSecrets()
	a, err := s.Add("github", []byte("v"), []string{"api.github.com"})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := s.Add("github", []byte("v"), []string{"api.github.com"})
	if !strings.HasPrefix(a, "bulkhead-secret-github-") || len(a) != len("bulkhead-secret-github-")+32 || a == b {
		t.Errorf("placeholders %q, %q", a, b)
	}
	for _, tt := range []struct {
		entry string
		value string
		hosts []string
		want  string
	}{
		{"../x", "v", []string{"h.example"}, "invalid credential id"},
		{"e", "v", nil, "no hosts"},
		{"e", "", []string{"h.example"}, "empty value"},
		{"e", "a\r\nX-Evil: 1", []string{"h.example"}, "control characters"},
		{"e", "v", []string{"*.example.com"}, "not a wildcard"},
		{"e", "v", []string{"10.0.0.0/8"}, "not a wildcard or block"},
		{"e", "v", []string{"https://x"}, "not a URL"},
	} {
		_, err := s.Add(tt.entry, []byte(tt.value), tt.hosts)
		if err == nil || !strings.Contains(err.Error(), tt.want) || (tt.value != "" && len(tt.value) > 2 && strings.Contains(err.Error(), tt.value)) {
			t.Errorf("Add(%q, %q, %v) = %v, want %q", tt.entry, tt.value, tt.hosts, err, tt.want)
		}
	}
	s.Close()
	if _, err := s.Add("x", []byte("v"), []string{"h.example"}); err == nil {
		t.Error("Add after Close succeeded")
	}
}

// TestSecretInjectedOverTLS sends the placeholder in a header, a query
// parameter and Basic credentials over TLS to the credential's host: the
// upstream receives the value, the client sees only the placeholder.
func TestSecretInjectedOverTLS(t *testing.T) {
	w := newSecretWorld(t, Limits{})
	c := w.client(w.addr, w.caPool()) // the client trusts the proxy's CA only
	req, _ := http.NewRequest("GET", "https://api.example.com/repos?access_token="+w.ph, nil)
	req.Header.Set("Authorization", "Bearer "+w.ph)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := bodyOf(resp)
	if resp.StatusCode != 200 || strings.Contains(body, realToken) || !strings.Contains(body, "auth=Bearer "+w.ph) {
		t.Fatalf("client got %d %q: want the echo with the placeholder only", resp.StatusCode, body)
	}
	if resp.TLS.PeerCertificates[0].Issuer.CommonName != w.proxy.CA().Certificate().Subject.CommonName {
		t.Errorf("intercepted connection certificate issued by %q", resp.TLS.PeerCertificates[0].Issuer)
	}
	got := w.tlsUp.requests()
	if len(got) != 1 || got[0].Auth != "Bearer "+realToken || got[0].URI != "/repos?access_token="+realToken {
		t.Fatalf("upstream saw %+v", got)
	}
	if got[0].Header.Get("Accept-Encoding") != "identity" {
		t.Errorf("upstream Accept-Encoding %q, want identity (masking needs the plain body)", got[0].Header.Get("Accept-Encoding"))
	}
	// Basic credentials, as git sends them.
	u, _ := url.Parse("https://api.example.com/info/refs")
	u.User = url.UserPassword("x-access-token", w.ph)
	resp, err = c.Get(u.String())
	if err != nil {
		t.Fatal(err)
	}
	body = bodyOf(resp)
	want := "Basic " + base64.StdEncoding.EncodeToString([]byte("x-access-token:"+realToken))
	if got := w.tlsUp.requests(); len(got) != 2 || got[1].Auth != want {
		t.Fatalf("upstream saw Basic %+v, want %q", got, want)
	}
	if got := w.tlsUp.requests(); got[0].Resumed || !got[1].Resumed {
		t.Errorf("upstream TLS resumed: first %v, second %v; want the run's second connection resumed", got[0].Resumed, got[1].Resumed)
	}
	if strings.Contains(body, base64.StdEncoding.EncodeToString([]byte("x-access-token:"+realToken))) {
		t.Errorf("client saw the encoded value: %q", body)
	}
	ev := w.events.wait(t, 2)
	for _, e := range ev {
		if !e.Intercepted || len(e.Secrets) != 1 || e.Secrets[0] != "github" || e.Skill != "gh-skill" || e.Requests != 1 {
			t.Errorf("event %v", e)
		}
		if strings.Contains(e.String(), realToken) {
			t.Errorf("event holds the value: %v", e)
		}
	}
}

// TestSecretInjectedOverPlainHTTPOnlyWithExplicitPort: an entry that names
// host:80 is injected in plain HTTP; one without a port is not.
func TestSecretInjectedOverPlainHTTPOnlyWithExplicitPort(t *testing.T) {
	w := newSecretWorld(t, Limits{})
	c := w.client(w.addr, nil)
	req, _ := http.NewRequest("GET", "http://plain.example.com/", nil)
	req.Header.Set("X-Api-Key", w.phPlain)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	bodyOf(resp)
	if got := w.plainUp.requests(); resp.StatusCode != 200 || len(got) != 1 || got[0].Header.Get("X-Api-Key") != "plain-secret-value" {
		t.Fatalf("plain upstream saw %+v", got)
	}
}

// TestPlaceholderLeaksRefused sends placeholders where they may not go.
func TestPlaceholderLeaksRefused(t *testing.T) {
	w := newSecretWorld(t, Limits{})
	tlsClient := w.client(w.addr, w.caPool())
	plainClient := w.client(w.addr, nil)
	do := func(c *http.Client, method, u string, header map[string]string, body string) *http.Response {
		t.Helper()
		var req *http.Request
		if body != "" {
			req, _ = http.NewRequest(method, u, strings.NewReader(body))
		} else {
			req, _ = http.NewRequest(method, u, nil)
		}
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := c.Do(req)
		if err != nil {
			t.Fatalf("%s %s: %v", method, u, err)
		}
		return resp
	}
	bigBody := strings.Repeat("x", 300<<10) + w.ph + strings.Repeat("y", 100<<10)
	tests := []struct {
		name string
		resp func() *http.Response
	}{
		{"github placeholder to a plain host", func() *http.Response {
			return do(plainClient, "GET", "http://other-plain.example.com/", map[string]string{"Authorization": "Bearer " + w.ph}, "")
		}},
		{"plain-port placeholder to its host over TLS port", func() *http.Response {
			return do(tlsClient, "GET", "https://api.example.com/", map[string]string{"X-Key": w.phPlain}, "")
		}},
		{"other entry's placeholder to an intercepted host", func() *http.Response {
			return do(tlsClient, "GET", "https://api.example.com/", map[string]string{"Authorization": "Bearer " + w.ph2}, "")
		}},
		{"placeholder in the body to its own host", func() *http.Response {
			return do(tlsClient, "POST", "https://api.example.com/gists", nil, `{"content":"`+w.ph+`"}`)
		}},
		{"placeholder deep in a large body", func() *http.Response {
			return do(tlsClient, "POST", "https://api.example.com/upload", nil, bigBody)
		}},
		{"placeholder in a plain body", func() *http.Response {
			return do(plainClient, "POST", "http://plain.example.com/", nil, "token="+w.phPlain)
		}},
		{"placeholder in the path", func() *http.Response {
			return do(tlsClient, "GET", "https://api.example.com/"+w.ph, nil, "")
		}},
		{"percent-encoded placeholder in the query to a plain host", func() *http.Response {
			return do(plainClient, "GET", "http://other-plain.example.com/?q="+strings.ReplaceAll(w.ph, "-", "%2D"), nil, "")
		}},
		{"placeholder in a header name", func() *http.Response {
			return do(tlsClient, "GET", "https://api.example.com/", map[string]string{"X-" + w.ph: "1"}, "")
		}},
		{"placeholder in Basic credentials to a plain host", func() *http.Response {
			return do(plainClient, "GET", "http://other-plain.example.com/", map[string]string{
				"Authorization": "Basic " + base64.StdEncoding.EncodeToString([]byte("u:"+w.ph))}, "")
		}},
	}
	for _, tt := range tests {
		resp := tt.resp()
		body := bodyOf(resp)
		if resp.StatusCode != http.StatusForbidden || !hasReason(resp, ReasonSecretLeak) || !strings.Contains(body, "placeholder of credential") {
			t.Errorf("%s: %d %q", tt.name, resp.StatusCode, body)
		}
	}
	// Only the streamed body (over 256 KiB) reaches the upstream, cut
	// before the placeholder; every other refused request sent nothing.
	for _, up := range []*upstream{w.tlsUp, w.plainUp} {
		for _, r := range up.requests() {
			if r.BodyErr == nil || r.URI != "/upload" || len(r.Body) > 300<<10 {
				t.Errorf("upstream received %s (%d body bytes, error %v)", r.URI, len(r.Body), r.BodyErr)
			}
			if strings.Contains(fmt.Sprint(r), PlaceholderPrefix) || strings.Contains(fmt.Sprint(r), "secret-value") || strings.Contains(fmt.Sprint(r), realToken) {
				t.Errorf("upstream saw a placeholder or a value: %+v", r)
			}
		}
	}
	leaks := 0
	for _, e := range w.events.all() {
		if e.Reason == ReasonSecretLeak {
			leaks++
			if strings.Contains(e.String(), PlaceholderPrefix) || strings.Contains(e.String(), realToken) {
				t.Errorf("leak event names the placeholder or value: %v", e)
			}
		}
	}
	if leaks != len(tests) {
		t.Errorf("%d leak events, want %d", leaks, len(tests))
	}
}

// TestReflectedSecretMasked: an upstream that echoes the credential back
// (here in a header and the body) shows the client the placeholder.
func TestReflectedSecretMasked(t *testing.T) {
	w := newSecretWorld(t, Limits{})
	conn := dialProxy(t, w.addr)
	fmt.Fprint(conn, "CONNECT api.example.com:443 HTTP/1.1\r\nHost: api.example.com:443\r\n\r\n")
	br := bufio.NewReader(conn)
	if resp, err := http.ReadResponse(br, &http.Request{Method: "CONNECT"}); err != nil || resp.StatusCode != 200 {
		t.Fatal(resp, err)
	}
	c := w.client(w.addr, w.caPool())
	req, _ := http.NewRequest("GET", "https://api.example.com/?x="+w.ph, nil)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body := bodyOf(resp)
	if strings.Contains(body, realToken) || !strings.Contains(body, "uri=/?x="+w.ph) {
		t.Errorf("client saw %q", body)
	}
}

func TestInterceptedHostHeaderMustMatch(t *testing.T) {
	w := newSecretWorld(t, Limits{})
	tc, err := tlsThrough(t, w.world, w.addr, "api.example.com:443", "api.example.com")
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprint(tc, "GET / HTTP/1.1\r\nHost: other.example.com\r\n\r\n")
	resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
	if err != nil {
		t.Fatal(err)
	}
	if body := bodyOf(resp); resp.StatusCode != http.StatusForbidden || !hasReason(resp, ReasonHostMismatch) {
		t.Errorf("Host other.example.com in a tunnel to api.example.com: %d %q", resp.StatusCode, body)
	}
	if w.tlsUp.hits.Load() != 0 {
		t.Error("upstream reached")
	}
}

// TestUpstreamCertificateVerified: an intercepted upstream whose
// certificate the proxy's roots do not trust gets no request.
func TestUpstreamCertificateVerified(t *testing.T) {
	w := newSecretWorld(t, Limits{})
	rogue := newUpstream(t, newTestPKI(t), "api.example.com")
	w.net.route(publicTLS+":443", rogue.addr())
	c := w.client(w.addr, w.caPool())
	req, _ := http.NewRequest("GET", "https://api.example.com/", nil)
	req.Header.Set("Authorization", "Bearer "+w.ph)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := bodyOf(resp); resp.StatusCode != http.StatusBadGateway || !hasReason(resp, ReasonUpstream) || !strings.Contains(body, "certificate") {
		t.Errorf("untrusted upstream: %d %q", resp.StatusCode, body)
	}
	if rogue.hits.Load() != 0 {
		t.Error("the untrusted upstream received the request")
	}
}
