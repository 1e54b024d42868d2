package egress

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"sync/atomic"
	"time"
)

// forward serves an absolute-URI plain-HTTP request over a new upstream
// connection to a checked address. As RFC 9112 §3.2.2 requires of a
// proxy, the Host sent upstream is the request target's; whatever Host
// the program wrote is not forwarded.
func (s *session) forward(w http.ResponseWriter, req *http.Request) {
	ev := s.event(KindHTTP, time.Now())
	ev.Host = req.URL.Host
	if req.URL.Scheme != "http" {
		s.refuse(w, &ev, &refusal{http.StatusBadRequest, ReasonUnsupported, fmt.Sprintf(
			"%s:// URIs go through CONNECT; the proxy forwards only http://", req.URL.Scheme)})
		return
	}
	t, err := parseTarget(req.URL.Host, portHTTP)
	if err != nil {
		s.refuse(w, &ev, &refusal{http.StatusBadRequest, ReasonBadRequest, err.Error()})
		return
	}
	ev.Host, ev.Port = t.host.String(), t.port
	if req.Header.Get("Upgrade") != "" {
		s.refuse(w, &ev, &refusal{http.StatusForbidden, ReasonUnsupported,
			"protocol upgrades are not forwarded as plain HTTP; use CONNECT (wss://)"})
		return
	}
	pl, ref := s.decide(req.Context(), t)
	if ref != nil {
		s.refuse(w, &ev, ref)
		return
	}
	all := s.grant.Secrets.snapshot()
	allowed := s.grant.Secrets.forHost(t.host, t.port, false)
	injected, undo, err := injectRequest(req, allowed, all)
	if err != nil {
		s.refuse(w, &ev, &refusal{http.StatusForbidden, ReasonSecretLeak, err.Error()})
		return
	}
	body, err := guardBody(req, all)
	if err != nil {
		s.refuse(w, &ev, bodyRefusal(err))
		return
	}
	if len(allowed) > 0 {
		undo = append(undo, masks(all)...)
	}
	m := &meter{}
	rt := &oneShot{s: s, pl: pl, m: m}
	var failed atomic.Pointer[refusal]
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", t.authority(portHTTP)
			pr.Out.Host = t.authority(portHTTP)
			pr.Out.Header.Del("Expect")
			if len(allowed) > 0 {
				pr.Out.Header.Set("Accept-Encoding", "identity")
			}
		},
		Transport:     rt,
		FlushInterval: -1,
		ModifyResponse: func(resp *http.Response) error {
			maskResponse(resp, undo)
			return nil
		},
		ErrorHandler: func(w http.ResponseWriter, _ *http.Request, err error) {
			ref := upstreamRefusal(err, body.leak(), m, pl)
			ref.detail = maskString(ref.detail, all)
			failed.Store(ref)
			ev.IP = rt.ip
			ev.BytesUp, ev.BytesDown = m.up.Load(), m.down.Load()
			s.refuse(w, &ev, ref)
		},
	}
	rp.ServeHTTP(w, req)
	if failed.Load() != nil {
		return
	}
	ev.IP, ev.Secrets = rt.ip, injected
	if len(ev.Secrets) == 0 {
		ev.Secrets = nil
	}
	s.finishTunnel(&ev, m)
}

// oneShot is a RoundTripper that sends one request over a new connection
// to a checked address and closes it with the response body.
type oneShot struct {
	s  *session
	pl *plan
	m  *meter
	ip netip.Addr
}

func (o *oneShot) RoundTrip(req *http.Request) (*http.Response, error) {
	conn, ip, err := o.s.dial(req.Context(), o.pl, o.m)
	o.ip = ip
	if err != nil {
		return nil, &refusal{http.StatusBadGateway, ReasonDial, fmt.Sprintf("connecting to %s: %v", o.pl.authority(0), err)}
	}
	wrote := make(chan error, 1)
	go func() {
		err := req.Write(conn)
		if err != nil {
			conn.Close() // a refused body must not be answered: end the request here
		}
		wrote <- err
	}()
	head := &io.LimitedReader{R: conn, N: int64(o.s.run.lim.MaxHeaderBytes)}
	br := bufio.NewReader(head)
	var resp *http.Response
	for {
		resp, err = http.ReadResponse(br, req)
		if err != nil || resp.StatusCode >= 200 || resp.StatusCode == http.StatusSwitchingProtocols {
			break
		}
	}
	if err != nil {
		conn.Close()
	}
	if werr := <-wrote; werr != nil {
		conn.Close()
		return nil, werr
	}
	if err != nil {
		if head.N <= 0 {
			return nil, fmt.Errorf("response head over %d bytes", o.s.run.lim.MaxHeaderBytes)
		}
		return nil, err
	}
	head.N = math.MaxInt64
	resp.Body = &closeBoth{ReadCloser: resp.Body, conn: conn}
	return resp, nil
}

// closeBoth closes the response body and its connection.
type closeBoth struct {
	io.ReadCloser
	conn net.Conn
}

func (c *closeBoth) Close() error {
	err := c.ReadCloser.Close()
	c.conn.Close()
	return err
}
