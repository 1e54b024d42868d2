package egress

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"syscall"
	"time"
)

// connect serves a CONNECT request: a checked tunnel, or an intercepted
// TLS connection for a host with secret rules.
func (s *session) connect(w http.ResponseWriter, req *http.Request) {
	ev := s.event(KindTunnel, time.Now())
	ev.Host = req.Host
	t, err := parseTarget(req.Host, 0)
	if err != nil {
		s.refuse(w, &ev, &refusal{http.StatusBadRequest, ReasonBadRequest, err.Error()})
		return
	}
	ev.Host, ev.Port = t.host.String(), t.port
	pl, ref := s.decide(req.Context(), t)
	if ref != nil {
		s.refuse(w, &ev, ref)
		return
	}
	m := &meter{}
	up, ip, err := s.dial(req.Context(), pl, m)
	ev.IP = ip
	if err != nil {
		s.refuse(w, &ev, &refusal{http.StatusBadGateway, ReasonDial, fmt.Sprintf("connecting to %s: %v", t.authority(0), err)})
		return
	}
	rc := http.NewResponseController(w)
	conn, brw, err := rc.Hijack()
	if err != nil {
		up.Close()
		s.refuse(w, &ev, &refusal{http.StatusInternalServerError, ReasonBadRequest, "cannot take over the connection"})
		return
	}
	defer s.l.Close()
	defer conn.Close()
	conn.SetDeadline(time.Time{})
	client := net.Conn(conn)
	if n := brw.Reader.Buffered(); n > 0 {
		early, _ := brw.Reader.Peek(n)
		client = newPrefixConn(conn, append([]byte(nil), early...))
	}
	if _, err := io.WriteString(client, "HTTP/1.1 200 Connection established\r\n\r\n"); err != nil {
		up.Close()
		s.finishTunnel(&ev, m)
		return
	}
	secrets := s.grant.Secrets.forHost(t.host, t.port, true)
	intercept := len(secrets) > 0
	var h hello
	var raw []byte
	if t.host.name != "" || intercept {
		h, raw, err = peekHello(client, s.run.lim.MaxHeaderBytes)
		if err != nil && len(raw) == 0 {
			up.Close()
			s.finishTunnel(&ev, m)
			return
		}
		if ref := checkHello(t, h, err, s.run.lim.MaxHeaderBytes); ref != nil {
			up.Close()
			s.refuseInTunnel(client, raw, t, h, ref)
			s.emitRefusal(&ev, ref)
			return
		}
	}
	if intercept {
		s.intercept(client, raw, pl, up, m, &ev)
		return
	}
	if _, err := up.Write(raw); err != nil {
		up.Close()
		s.finishTunnel(&ev, m)
		return
	}
	s.splice(client, up)
	s.finishTunnel(&ev, m)
}

// checkHello applies the tunnel rules to the first bytes: to a name, a
// ClientHello whose server name is the name; to an address (only when
// intercepted), any ClientHello.
func checkHello(t target, h hello, err error, max int) *refusal {
	switch {
	case err != nil:
		return &refusal{http.StatusForbidden, ReasonNotTLS, fmt.Sprintf(
			"the tunnel to %s did not start with a TLS ClientHello of at most %d bytes", t.authority(0), max)}
	case !h.tls:
		return &refusal{http.StatusForbidden, ReasonNotTLS, fmt.Sprintf(
			"a tunnel to a host name, or to a host with secret rules, must carry TLS; %s sent something else (list an address literally for other protocols)", t.authority(0))}
	case t.host.name == "":
		return nil
	case h.serverName == "":
		return &refusal{http.StatusForbidden, ReasonSNIMissing, fmt.Sprintf(
			"the TLS ClientHello to %s names no server (SNI)", t.authority(0))}
	}
	sni, perr := parseHost(h.serverName)
	if perr != nil || sni != t.host {
		return &refusal{http.StatusForbidden, ReasonSNIMismatch, fmt.Sprintf(
			"the TLS server name %q is not the CONNECT host %s", h.serverName, t.host)}
	}
	return nil
}

// refuseInTunnel tells the program why its tunnel was refused: over TLS
// with a certificate of the CA for the name it asked for (the jails trust
// it), or in plain text when it did not speak TLS.
func (s *session) refuseInTunnel(client net.Conn, raw []byte, t target, h hello, ref *refusal) {
	conn := net.Conn(newPrefixConn(client, raw))
	if h.tls {
		name := t.host.String()
		if sni, err := parseHost(h.serverName); err == nil && h.serverName != "" {
			name = sni.String()
		}
		tc := tls.Server(conn, &tls.Config{
			GetCertificate: func(*tls.ClientHelloInfo) (*tls.Certificate, error) { return s.run.p.ca.leaf(name) },
			NextProtos:     []string{"http/1.1"},
			MinVersion:     tls.VersionTLS12,
		})
		ctx, cancel := context.WithTimeout(context.Background(), s.run.lim.IdleTimeout)
		defer cancel()
		if err := tc.HandshakeContext(ctx); err != nil {
			return
		}
		conn = tc
	}
	br := bufio.NewReader(io.LimitReader(conn, int64(s.run.lim.MaxHeaderBytes)))
	if req, err := http.ReadRequest(br); err == nil && req.Body != nil {
		io.Copy(io.Discard, io.LimitReader(req.Body, 64<<10))
	}
	writeRefusal(conn, ref, t.authority(0))
	if tc, ok := conn.(*tls.Conn); ok {
		tc.CloseWrite()
	}
}

// writeRefusal writes a complete HTTP/1.1 refusal response.
func writeRefusal(w io.Writer, ref *refusal, what string) {
	body := fmt.Sprintf("bulkhead egress refused %s: %s\n", what, ref.detail)
	fmt.Fprintf(w, "HTTP/1.1 %d %s\r\nContent-Type: text/plain; charset=utf-8\r\nX-Bulkhead-Egress: %s\r\nConnection: close\r\nContent-Length: %d\r\n\r\n%s",
		ref.status, http.StatusText(ref.status), ref.reason, len(body), body)
}

// splice copies both ways until both directions are done, passing each
// end of stream on as a half-close; an error either way closes both.
func (s *session) splice(client, up net.Conn) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := copyConn(up, client); err != nil {
			up.Close()
			client.Close()
		}
		closeWrite(up)
	}()
	if err := copyConn(client, up); err != nil {
		up.Close()
		client.Close()
	}
	closeWrite(client)
	wg.Wait()
	up.Close()
}

var copyBufs = sync.Pool{New: func() any { b := make([]byte, 32<<10); return &b }}

// copyConn copies src to dst. It waits for src to be readable before it
// takes a buffer from the pool, so an idle tunnel holds none.
func copyConn(dst, src net.Conn) error {
	for {
		if err := waitReadable(src); err != nil {
			return err
		}
		b := copyBufs.Get().(*[]byte)
		n, rerr := src.Read(*b)
		var werr error
		if n > 0 {
			_, werr = dst.Write((*b)[:n])
		}
		copyBufs.Put(b)
		switch {
		case werr != nil:
			return werr
		case rerr == io.EOF:
			return nil
		case rerr != nil:
			return rerr
		}
	}
}

// waitReadable blocks until the socket under c has data, an end of stream
// or an error, by peeking one byte with MSG_PEEK (recv(2)) through the
// runtime's poller. A connection without a socket, or with bytes buffered
// in front of it, is taken as readable.
func waitReadable(c net.Conn) error {
	for {
		switch w := c.(type) {
		case *clientConn:
			c = w.Conn
			continue
		case *meteredConn:
			c = w.Conn
			continue
		}
		break
	}
	sc, ok := c.(syscall.Conn)
	if !ok {
		return nil
	}
	rc, err := sc.SyscallConn()
	if err != nil {
		return err
	}
	return rc.Read(func(fd uintptr) bool {
		var b [1]byte
		_, _, err := syscall.Recvfrom(int(fd), b[:], syscall.MSG_PEEK|syscall.MSG_DONTWAIT)
		return err != syscall.EAGAIN
	})
}

// finishTunnel completes and emits the event of an allowed tunnel or
// request; the reason is why it ended early, if it did.
func (s *session) finishTunnel(ev *Event, m *meter) {
	ev.Allowed = true
	ev.BytesUp, ev.BytesDown = m.up.Load(), m.down.Load()
	ev.Duration = time.Since(ev.Time)
	switch {
	case m.limited.Load():
		ev.Reason = ReasonByteLimit
	default:
		ev.Reason = s.closeReason()
	}
	s.run.p.emit(*ev)
}
