package egress

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// intercept terminates the jail's TLS with a leaf of the CA for the
// CONNECT host, and serves its HTTP/1.1 requests: each is checked, has
// its placeholders replaced, and goes to the upstream over TLS verified
// against the proxy's roots. first is the TCP connection already dialed.
func (s *session) intercept(client net.Conn, raw []byte, pl *plan, first net.Conn, m *meter, ev *Event) {
	ev.Intercepted = true
	name := pl.host.String()
	tc := tls.Server(newPrefixConn(client, raw), &tls.Config{
		GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.run.p.ca.leaf(name) },
		NextProtos:     []string{"http/1.1"},
		MinVersion:     tls.VersionTLS12,
	})
	it := &interceptor{s: s, pl: pl, m: m, used: map[string]bool{}}
	var pending atomic.Pointer[net.Conn]
	pending.Store(&first)
	it.tr = &http.Transport{
		Proxy: nil,
		DialTLSContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var c net.Conn
			if p := pending.Swap(nil); p != nil {
				c = *p
			} else {
				var err error
				if c, _, err = s.dial(ctx, pl, m); err != nil {
					return nil, err
				}
			}
			uc := tls.Client(c, &tls.Config{
				ServerName:         name,
				RootCAs:            s.run.p.roots,
				ClientSessionCache: s.run.tlsCache,
				NextProtos:         []string{"http/1.1"},
				MinVersion:         tls.VersionTLS12,
			})
			if err := uc.HandshakeContext(ctx); err != nil {
				c.Close()
				return nil, err
			}
			return uc, nil
		},
		TLSNextProto:           map[string]func(string, *tls.Conn) http.RoundTripper{},
		DisableCompression:     true,
		MaxResponseHeaderBytes: int64(s.run.lim.MaxHeaderBytes),
		ResponseHeaderTimeout:  s.run.lim.IdleTimeout,
		IdleConnTimeout:        s.run.lim.IdleTimeout,
	}
	l := newOneConnListener(tc)
	srv := s.httpServer(context.Background(), it, l)
	srv.Serve(l)
	it.tr.CloseIdleConnections()
	if p := pending.Swap(nil); p != nil {
		(*p).Close()
	}
	ev.Requests = int(it.requests.Load())
	ev.Secrets = it.entries()
	s.finishTunnel(ev, m)
}

// interceptor serves the requests of one intercepted tunnel.
type interceptor struct {
	s        *session
	pl       *plan
	m        *meter
	tr       *http.Transport
	requests atomic.Int64

	mu   sync.Mutex
	used map[string]bool // entries injected
}

func (it *interceptor) entries() []string {
	it.mu.Lock()
	defer it.mu.Unlock()
	var out []string
	for e := range it.used {
		out = append(out, e)
	}
	sort.Strings(out)
	return out
}

func (it *interceptor) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	it.requests.Add(1)
	s, pl := it.s, it.pl
	all := s.grant.Secrets.snapshot()
	refuse := func(ref *refusal) {
		ev := s.event(KindHTTP, time.Now())
		ev.Host, ev.Port, ev.IP, ev.Intercepted = pl.host.String(), pl.port, pl.addrs[0], true
		ref.detail = maskString(ref.detail, all)
		s.refuse(w, &ev, ref)
	}
	if h, err := parseTarget(req.Host, portHTTPS); err != nil || h != pl.target {
		refuse(&refusal{http.StatusForbidden, ReasonHostMismatch, fmt.Sprintf(
			"the request's Host %q is not the CONNECT host %s", req.Host, pl.authority(0))})
		return
	}
	if req.Header.Get("Upgrade") != "" {
		refuse(&refusal{http.StatusForbidden, ReasonUnsupported, "protocol upgrades are not supported on connections that carry secrets"})
		return
	}
	allowed := s.grant.Secrets.forHost(pl.host, pl.port, true)
	injected, undo, err := injectRequest(req, allowed, all)
	if err != nil {
		refuse(&refusal{http.StatusForbidden, ReasonSecretLeak, err.Error()})
		return
	}
	body, err := guardBody(req, all)
	if err != nil {
		refuse(bodyRefusal(err))
		return
	}
	undo = append(undo, masks(all)...)
	var failed atomic.Pointer[refusal]
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = "https", pl.authority(portHTTPS)
			pr.Out.Host = pl.authority(portHTTPS)
			pr.Out.Header.Set("Accept-Encoding", "identity")
		},
		Transport:      it.tr,
		FlushInterval:  -1,
		ModifyResponse: func(resp *http.Response) error { maskResponse(resp, undo); return nil },
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			ref := upstreamRefusal(err, body.leak(), it.m, pl)
			failed.Store(ref)
			refuse(ref)
		},
	}
	rp.ServeHTTP(w, req)
	if failed.Load() == nil {
		it.mu.Lock()
		for _, e := range injected {
			it.used[e] = true
		}
		it.mu.Unlock()
	}
}

// bodyRefusal classifies an error of guardBody.
func bodyRefusal(err error) *refusal {
	var leak *leakError
	if errors.As(err, &leak) {
		return &refusal{http.StatusForbidden, ReasonSecretLeak, leak.Error()}
	}
	return &refusal{http.StatusBadRequest, ReasonBadRequest, fmt.Sprintf("reading the request body: %v", err)}
}

// upstreamRefusal classifies an error of a forwarded request; leak is the
// request body's leak, if any, and m the meter of its connections.
func upstreamRefusal(err error, leak *leakError, m *meter, pl *plan) *refusal {
	var ref *refusal
	switch {
	case leak != nil || errors.As(err, &leak):
		return &refusal{http.StatusForbidden, ReasonSecretLeak, leak.Error()}
	case errors.As(err, &ref):
		return ref
	case m.limited.Load() || errors.Is(err, errByteLimit):
		return &refusal{http.StatusTooManyRequests, ReasonByteLimit, errByteLimit.Error()}
	}
	return &refusal{http.StatusBadGateway, ReasonUpstream, fmt.Sprintf("%s: %v", pl.authority(0), err)}
}

// maskResponse applies masks to a response's headers and body; the
// body's length may change, so it is sent chunked.
func maskResponse(resp *http.Response, masks []pair) {
	if len(masks) == 0 {
		return
	}
	maskHeader(resp.Header, masks)
	maskHeader(resp.Trailer, masks)
	if resp.Body != nil && resp.Body != http.NoBody {
		resp.Body = maskBody(resp.Body, masks)
		resp.Header.Del("Content-Length")
		resp.ContentLength = -1
	}
}

// maskString replaces secret values in s by their placeholders.
func maskString(s string, secrets []*secret) string {
	for _, sec := range secrets {
		s = strings.ReplaceAll(s, string(sec.value), sec.placeholder)
	}
	return s
}
