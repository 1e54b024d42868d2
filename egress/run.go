package egress

import (
	"context"
	"crypto/tls"
	"errors"
	"net"
	"sync"
	"sync/atomic"

	"golang.org/x/time/rate"
)

// ErrRunClosed is returned by ServeConn and Serve after Run.Close.
var ErrRunClosed = errors.New("egress: run closed")

// Run holds one agent run's limits and counters across all its jails'
// connections.
type Run struct {
	p         *Proxy
	workspace string
	id        string
	lim       Limits
	limiter   *rate.Limiter
	up, down  atomic.Int64
	conns     atomic.Int64
	// tlsCache resumes TLS sessions with intercepted upstreams across
	// the run's connections (RFC 8446 §2.2); it is the run's own, so no
	// other run's sessions are ever offered.
	tlsCache tls.ClientSessionCache

	mu        sync.Mutex
	sessions  map[*session]struct{}
	listeners map[net.Listener]struct{}
	closed    bool
	wg        sync.WaitGroup
}

// Grant is what one jail may do: whose it is (the tool call or the
// skill), where it may connect, and which secrets it may use.
type Grant struct {
	ToolCall string
	Skill    string
	// Policy lists the allowed destinations; nil allows nothing.
	Policy *Policy
	// Secrets holds the placeholders given to the jail; nil means none.
	// A placeholder of this set is replaced only toward its hosts and
	// refused everywhere else.
	Secrets *Secrets
}

// Usage returns the bytes the run sent to and received from upstreams so
// far.
func (r *Run) Usage() (up, down int64) { return r.up.Load(), r.down.Load() }

// ServeConn serves one connection from a jail (one in-jail TCP connection
// to the proxy address) as an HTTP proxy, until the program closes it,
// it idles for Limits.IdleTimeout, ctx ends, or the run is closed. Events
// carry the run's attribution and the grant's tool call or skill.
//
// # Notes
//
//   - ServeConn takes ownership of conn and closes it.
//   - Beyond Limits.MaxConns open connections, every request on conn is
//     answered 429 (conn_limit).
//   - Returns ErrRunClosed when the run is closed, else nil.
func (r *Run) ServeConn(ctx context.Context, conn net.Conn, g Grant) error {
	s, err := r.open(conn, g)
	if err != nil {
		conn.Close()
		return err
	}
	defer r.finish(s)
	stop := context.AfterFunc(ctx, func() { s.close(ReasonRunClosed) })
	defer stop()
	s.serve(ctx)
	return nil
}

// Serve accepts connections on l and serves each with ServeConn under g,
// until ctx ends or the run is closed (either closes l) or l fails. It
// returns after every connection it accepted is over: nil when ctx ended,
// ErrRunClosed after Close, else the Accept error.
func (r *Run) Serve(ctx context.Context, l net.Listener, g Grant) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stop := context.AfterFunc(ctx, func() { l.Close() })
	defer stop()
	r.mu.Lock()
	if r.closed {
		r.mu.Unlock()
		l.Close()
		return ErrRunClosed
	}
	r.listeners[l] = struct{}{}
	r.mu.Unlock()
	defer func() {
		r.mu.Lock()
		delete(r.listeners, l)
		r.mu.Unlock()
	}()
	var wg sync.WaitGroup
	defer wg.Wait()
	for {
		c, err := l.Accept()
		if err != nil {
			switch {
			case ctx.Err() != nil:
				return nil
			case r.isClosed():
				return ErrRunClosed
			}
			return err
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			r.ServeConn(ctx, c, g)
		}()
	}
}

// Close ends every open connection of the run (their events say
// run_closed), closes the listeners Serve is serving, and waits for the
// connections; later ServeConn and Serve calls return ErrRunClosed.
func (r *Run) Close() error {
	r.mu.Lock()
	r.closed = true
	for l := range r.listeners {
		l.Close()
	}
	for s := range r.sessions {
		s.close(ReasonRunClosed)
	}
	r.mu.Unlock()
	r.wg.Wait()
	return nil
}

func (r *Run) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closed
}

func (r *Run) open(conn net.Conn, g Grant) (*session, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closed {
		return nil, ErrRunClosed
	}
	s := newSession(r, conn, g, r.conns.Add(1) <= int64(r.lim.MaxConns))
	r.sessions[s] = struct{}{}
	r.wg.Add(1)
	return s, nil
}

func (r *Run) finish(s *session) {
	s.close("")
	r.conns.Add(-1)
	r.mu.Lock()
	delete(r.sessions, s)
	r.mu.Unlock()
	r.wg.Done()
}
