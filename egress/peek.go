package egress

import (
	"bytes"
	"crypto/tls"
	"errors"
	"io"
	"net"
	"time"
)

// recordTypeHandshake starts every TLS record that carries a ClientHello
// (RFC 8446 §5.1).
const recordTypeHandshake = 0x16

// hello is what peekHello learned of a tunnel's first bytes.
type hello struct {
	tls        bool
	serverName string
}

var errPeeked = errors.New("client hello read")

// peekHello reads the first bytes of a tunnel, at most max, and parses a
// TLS ClientHello with crypto/tls when the first byte starts a handshake
// record. It returns the bytes read, to be replayed. The error is non-nil
// when the bytes start like TLS but hold no ClientHello within max.
func peekHello(r io.Reader, max int) (hello, []byte, error) {
	var first [1]byte
	if _, err := io.ReadFull(r, first[:]); err != nil {
		return hello{}, nil, err
	}
	if first[0] != recordTypeHandshake {
		return hello{}, first[:], nil
	}
	var raw bytes.Buffer
	raw.WriteByte(first[0])
	src := io.MultiReader(bytes.NewReader(first[:]), io.TeeReader(io.LimitReader(r, int64(max)-1), &raw))
	var h hello
	got := false
	err := tls.Server(readOnlyConn{src}, &tls.Config{
		GetConfigForClient: func(ch *tls.ClientHelloInfo) (*tls.Config, error) {
			h, got = hello{tls: true, serverName: ch.ServerName}, true
			return nil, errPeeked
		},
	}).Handshake()
	if !got {
		return hello{}, raw.Bytes(), err
	}
	return h, raw.Bytes(), nil
}

// readOnlyConn feeds a reader to crypto/tls and swallows what it writes.
type readOnlyConn struct{ r io.Reader }

func (c readOnlyConn) Read(p []byte) (int, error)       { return c.r.Read(p) }
func (c readOnlyConn) Write(p []byte) (int, error)      { return len(p), nil }
func (c readOnlyConn) Close() error                     { return nil }
func (c readOnlyConn) LocalAddr() net.Addr              { return dummyAddr{} }
func (c readOnlyConn) RemoteAddr() net.Addr             { return dummyAddr{} }
func (c readOnlyConn) SetDeadline(time.Time) error      { return nil }
func (c readOnlyConn) SetReadDeadline(time.Time) error  { return nil }
func (c readOnlyConn) SetWriteDeadline(time.Time) error { return nil }

// prefixConn replays bytes already read before reading from the
// connection.
type prefixConn struct {
	net.Conn
	r io.Reader
}

func newPrefixConn(c net.Conn, prefix []byte) *prefixConn {
	return &prefixConn{Conn: c, r: io.MultiReader(bytes.NewReader(prefix), c)}
}

func (c *prefixConn) Read(p []byte) (int, error) { return c.r.Read(p) }
func (c *prefixConn) CloseWrite() error          { return closeWrite(c.Conn) }
