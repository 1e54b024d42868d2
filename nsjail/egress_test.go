package nsjail

import (
	"context"
	"io"
	"net"
	"strings"
	"sync/atomic"
	"testing"
)

// TestEgressListener: with Config.Egress, the jail's 127.0.0.1:EgressPort
// is served by the host (here a function answering every connection), the
// proxy variables name it, the CA reaches the jail's files and variables,
// and nothing else routes out: DNS goes nowhere. Run twice for the
// pre-started init stage.
func TestEgressListener(t *testing.T) {
	var served atomic.Int32
	cfg := jailConfig(t)
	cfg.EgressCA = []byte("-----BEGIN CERTIFICATE-----\nTESTCA\n-----END CERTIFICATE-----\n")
	cfg.Egress = func(ctx context.Context, l net.Listener) {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			served.Add(1)
			io.WriteString(c, "hello from the host\n")
			c.Close()
		}
	}
	for i := range 3 {
		out := okBash(t, cfg, `exec 3<>/dev/tcp/127.0.0.1/3128 && head -1 <&3; echo "$HTTPS_PROXY $http_proxy $NO_PROXY"; `+
			`grep -c TESTCA "$SSL_CERT_FILE" "$NODE_EXTRA_CA_CERTS"; grep -c "BEGIN CERTIFICATE" "$SSL_CERT_FILE"; `+
			`timeout 5 getent hosts example.com || echo no-dns`)
		lines := strings.Split(strings.TrimSpace(out), "\n")
		if len(lines) < 5 || lines[0] != "hello from the host" || lines[1] != "http://127.0.0.1:3128 http://127.0.0.1:3128 localhost,127.0.0.1,::1" ||
			!strings.HasSuffix(lines[2], ":1") || lines[len(lines)-1] != "no-dns" {
			t.Fatalf("call %d:\n%s", i+1, out)
		}
	}
	if served.Load() != 3 {
		t.Errorf("the host served %d connections, want 3", served.Load())
	}
	// Without Egress the port is closed and no proxy variable is set.
	plain := jailConfig(t)
	out := okBash(t, plain, `(exec 3<>/dev/tcp/127.0.0.1/3128) 2>/dev/null && echo open; echo "[$HTTPS_PROXY]"`)
	if out != "[]\n" {
		t.Errorf("without Egress: %q", out)
	}
	// Egress needs the loopback.
	bad := jailConfig(t)
	bad.Egress, bad.Network = cfg.Egress, NetworkNone
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "Egress needs Network loopback") {
		t.Errorf("Egress with NetworkNone: %v", err)
	}
}
