package egress

import (
	"bytes"
	"crypto/tls"
	"io"
	"net"
	"testing"
	"time"
)

// clientHello returns the first flight of a crypto/tls client.
func clientHello(t *testing.T, serverName string) []byte {
	t.Helper()
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	go func() {
		tls.Client(a, &tls.Config{ServerName: serverName, InsecureSkipVerify: serverName == ""}).Handshake()
	}()
	b.SetReadDeadline(time.Now().Add(5 * time.Second))
	var out []byte
	buf := make([]byte, 64<<10)
	n, err := b.Read(buf)
	if err != nil {
		t.Fatal(err)
	}
	out = append(out, buf[:n]...)
	return out
}

func TestPeekHello(t *testing.T) {
	ch := clientHello(t, "api.example.com")
	sent := append(append([]byte(nil), ch...), "rest"...)
	h, raw, err := peekHello(bytes.NewReader(sent), 64<<10)
	if err != nil || !h.tls || h.serverName != "api.example.com" {
		t.Fatalf("peek = %+v, %v", h, err)
	}
	if !bytes.HasPrefix(sent, raw) || len(raw) < len(ch) {
		t.Errorf("raw is not what was read (%d bytes of %d sent)", len(raw), len(sent))
	}
	h, _, err = peekHello(bytes.NewReader(clientHello(t, "")), 64<<10)
	if err != nil || !h.tls || h.serverName != "" {
		t.Errorf("no SNI: %+v, %v", h, err)
	}
	h, raw, err = peekHello(bytes.NewReader([]byte("GET / HTTP/1.1\r\n")), 64<<10)
	if err != nil || h.tls || string(raw) != "G" {
		t.Errorf("plain text: %+v %q %v", h, raw, err)
	}
	if _, _, err := peekHello(bytes.NewReader(ch[:len(ch)/2]), 64<<10); err == nil {
		t.Error("truncated ClientHello accepted")
	}
	if _, _, err := peekHello(bytes.NewReader(ch), len(ch)/2); err == nil {
		t.Error("ClientHello over the limit accepted")
	}
	if _, _, err := peekHello(bytes.NewReader(nil), 100); err != io.EOF {
		t.Errorf("empty stream: %v", err)
	}
}
