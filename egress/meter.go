package egress

import (
	"errors"
	"net"
	"sync/atomic"
)

// errByteLimit ends a connection that would exceed the run's byte limits.
var errByteLimit = errors.New("egress: the run's byte limit is reached")

// meter counts the bytes of one event's upstream connections.
type meter struct {
	up, down atomic.Int64
	limited  atomic.Bool // a byte limit ended a connection
}

// meteredConn is an upstream connection: it counts bytes into its meter
// and the run, enforces the run's byte limits, and resets the session's
// idle timer.
type meteredConn struct {
	net.Conn
	s *session
	m *meter
}

func (c *meteredConn) Read(p []byte) (int, error) {
	r := c.s.run
	left := r.lim.MaxBytesDown - r.down.Load()
	if left <= 0 {
		c.m.limited.Store(true)
		return 0, errByteLimit
	}
	if int64(len(p)) > left {
		p = p[:left]
	}
	n, err := c.Conn.Read(p)
	if n > 0 {
		c.s.touch()
		c.m.down.Add(int64(n))
		r.down.Add(int64(n))
	}
	return n, err
}

func (c *meteredConn) Write(p []byte) (int, error) {
	r := c.s.run
	if r.up.Load()+int64(len(p)) > r.lim.MaxBytesUp {
		c.m.limited.Store(true)
		return 0, errByteLimit
	}
	n, err := c.Conn.Write(p)
	if n > 0 {
		c.s.touch()
		c.m.up.Add(int64(n))
		r.up.Add(int64(n))
	}
	return n, err
}

func (c *meteredConn) CloseWrite() error { return closeWrite(c.Conn) }
