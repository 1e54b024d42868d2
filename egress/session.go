package egress

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"time"
)

// session is one connection from a jail.
type session struct {
	run   *Run
	grant Grant
	attr  Attribution
	slot  bool // within Limits.MaxConns
	conn  *clientConn
	l     *oneConnListener // the listener of the outer HTTP server

	last    atomic.Int64 // unix nanoseconds of the last byte either way
	idle    *time.Timer
	handled atomic.Int64 // requests that reached the handler

	mu      sync.Mutex
	closers []io.Closer
	closed  bool
	reason  Reason // why it was closed from outside: idle, run closed
}

func newSession(r *Run, conn net.Conn, g Grant, slot bool) *session {
	s := &session{
		run: r, grant: g, slot: slot,
		attr: Attribution{Workspace: r.workspace, Run: r.id, ToolCall: g.ToolCall, Skill: g.Skill},
	}
	s.conn = &clientConn{Conn: conn, s: s}
	s.touch()
	s.idle = time.AfterFunc(r.lim.IdleTimeout, s.checkIdle)
	return s
}

func (s *session) touch() { s.last.Store(time.Now().UnixNano()) }

// checkIdle closes the session when nothing moved for IdleTimeout, else
// re-arms the timer for the rest.
func (s *session) checkIdle() {
	quiet := time.Since(time.Unix(0, s.last.Load()))
	if quiet >= s.run.lim.IdleTimeout {
		s.close(ReasonIdle)
		return
	}
	s.idle.Reset(s.run.lim.IdleTimeout - quiet)
}

// addCloser registers an upstream connection to close with the session;
// it closes c and reports false when the session is already closed.
func (s *session) addCloser(c io.Closer) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		c.Close()
		return false
	}
	s.closers = append(s.closers, c)
	return true
}

// close closes the jail's connection and every upstream connection; the
// first reason given wins.
func (s *session) close(reason Reason) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.closed, s.reason = true, reason
	s.idle.Stop()
	s.conn.Conn.Close()
	for _, c := range s.closers {
		c.Close()
	}
}

func (s *session) closeReason() Reason {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.reason
}

// serve runs an HTTP/1.1 server over the session's connection.
func (s *session) serve(ctx context.Context) {
	s.l = newOneConnListener(s.conn)
	srv := s.httpServer(ctx, s, s.l)
	srv.Serve(s.l)
	if s.handled.Load() == 0 {
		ev := s.event(KindHTTP, time.Now())
		ev.Reason, ev.Detail = ReasonBadRequest, "the connection closed before a complete proxy request (none, malformed, or a head over the size limit)"
		s.run.p.emit(ev)
	}
}

// httpServer returns a server for one connection that stops listening
// once that connection is closed or hijacked and finished.
func (s *session) httpServer(ctx context.Context, h http.Handler, l *oneConnListener) *http.Server {
	lim := s.run.lim
	return &http.Server{
		Handler:           h,
		MaxHeaderBytes:    lim.MaxHeaderBytes,
		ReadHeaderTimeout: lim.IdleTimeout,
		IdleTimeout:       lim.IdleTimeout,
		ErrorLog:          log.New(io.Discard, "", 0),
		TLSNextProto:      map[string]func(*http.Server, *tls.Conn, http.Handler){},
		BaseContext:       func(net.Listener) context.Context { return ctx },
		ConnState: func(_ net.Conn, st http.ConnState) {
			if st == http.StateClosed {
				l.Close()
			}
		},
	}
}

// ServeHTTP dispatches a proxy request.
func (s *session) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	s.handled.Add(1)
	kind := KindHTTP
	if req.Method == http.MethodConnect {
		kind = KindTunnel
	}
	switch {
	case !s.slot:
		ev := s.event(kind, time.Now())
		ev.Host = req.Host
		w.Header().Set("Connection", "close")
		s.refuse(w, &ev, &refusal{http.StatusTooManyRequests, ReasonConnLimit,
			fmt.Sprintf("the run has %d proxy connections open, the limit", s.run.lim.MaxConns)})
	case kind == KindTunnel:
		s.connect(w, req)
	case req.URL.IsAbs():
		s.forward(w, req)
	default:
		ev := s.event(kind, time.Now())
		ev.Host = req.Host
		s.refuse(w, &ev, &refusal{http.StatusBadRequest, ReasonBadRequest,
			"not a proxy request: send CONNECT host:port, or an absolute http:// URI"})
	}
}

// event starts an Event for this session.
func (s *session) event(k Kind, start time.Time) Event {
	return Event{Attribution: s.attr, Time: start, Kind: k}
}

// refusal is a refused connection or request.
type refusal struct {
	status int
	reason Reason
	detail string
}

func (r *refusal) Error() string { return fmt.Sprintf("%s: %s", r.reason, r.detail) }

// refuse answers req with the refusal's status and reason, and emits ev.
func (s *session) refuse(w http.ResponseWriter, ev *Event, r *refusal) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("X-Bulkhead-Egress", string(r.reason))
	w.WriteHeader(r.status)
	fmt.Fprintf(w, "bulkhead egress refused %s: %s\n", reasonTarget(ev), r.detail)
	s.emitRefusal(ev, r)
}

func (s *session) emitRefusal(ev *Event, r *refusal) {
	ev.Allowed, ev.Reason, ev.Detail = false, r.reason, r.detail
	ev.Duration = time.Since(ev.Time)
	s.run.p.emit(*ev)
}

func reasonTarget(ev *Event) string {
	if ev.Port != 0 {
		return net.JoinHostPort(ev.Host, fmt.Sprint(ev.Port))
	}
	if ev.Host != "" {
		return ev.Host
	}
	return "the request"
}

// clientConn is the jail's connection; every byte resets the idle timer.
type clientConn struct {
	net.Conn
	s *session
}

func (c *clientConn) Read(p []byte) (int, error) {
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.s.touch()
	}
	return n, err
}

func (c *clientConn) Write(p []byte) (int, error) {
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.s.touch()
	}
	return n, err
}

func (c *clientConn) CloseWrite() error { return closeWrite(c.Conn) }

func closeWrite(c net.Conn) error {
	if cw, ok := c.(interface{ CloseWrite() error }); ok {
		return cw.CloseWrite()
	}
	return nil
}

// oneConnListener hands out one connection, then blocks until closed.
type oneConnListener struct {
	mu   sync.Mutex
	conn net.Conn
	done chan struct{}
	once sync.Once
}

func newOneConnListener(c net.Conn) *oneConnListener {
	return &oneConnListener{conn: c, done: make(chan struct{})}
}

func (l *oneConnListener) Accept() (net.Conn, error) {
	l.mu.Lock()
	c := l.conn
	l.conn = nil
	l.mu.Unlock()
	if c != nil {
		return c, nil
	}
	<-l.done
	return nil, net.ErrClosed
}

func (l *oneConnListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *oneConnListener) Addr() net.Addr { return dummyAddr{} }

type dummyAddr struct{}

func (dummyAddr) Network() string { return "egress" }
func (dummyAddr) String() string  { return "egress" }
