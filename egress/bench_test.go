package egress

import (
	"bufio"
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"runtime"
	"slices"
	"testing"
	"time"
)

// benchLimits lift the limits out of the way of measurements.
var benchLimits = Limits{MaxConns: 1 << 20, MaxBytesUp: 1 << 50, MaxBytesDown: 1 << 50, ConnRate: 1e9, ConnBurst: 1 << 30}

// benchSetup is a proxy with a TLS upstream for api.example.com (no
// secret rules: tunnelled) and sec.example.com (intercepted), both the
// same loopback server.
type benchSetup struct {
	*harness
	up    *upstream
	addr  string
	ph    string
	roots *tls.Config
}

func newBenchSetup(b *testing.B) *benchSetup {
	h := newHarness(b, benchLimits)
	up := newUpstream(b, h.pki, "api.example.com", "sec.example.com")
	h.net.resolve("api.example.com", publicTLS)
	h.net.resolve("sec.example.com", publicTLS)
	h.net.route(publicTLS+":443", up.addr())
	h.events = &eventLog{} // keep the log from growing: count nothing
	h.proxy.onEvent = nil
	secrets := NewSecrets()
	b.Cleanup(secrets.Close)
	ph, _ := secrets.Add("tok", []byte("real-token-value"), []string{"sec.example.com"})
	addr := h.serve(h.run, Grant{Policy: mustPolicy(b, "api.example.com", "sec.example.com"), Secrets: secrets})
	return &benchSetup{harness: h, up: up, addr: addr, ph: ph}
}

// clientFor returns a client for mode: "direct" dials the upstream
// itself; "tunnel" and "intercept" go through the proxy.
func (s *benchSetup) clientFor(mode string, keepAlive bool) (*http.Client, string) {
	tr := &http.Transport{
		DisableKeepAlives: !keepAlive,
		TLSClientConfig:   &tls.Config{RootCAs: s.bothPool()},
		ForceAttemptHTTP2: false,
	}
	host := "api.example.com"
	switch mode {
	case "direct":
		upAddr := s.up.addr()
		tr.DialContext = func(ctx context.Context, _, _ string) (net.Conn, error) {
			return new(net.Dialer).DialContext(ctx, "tcp", upAddr)
		}
	case "intercept":
		host = "sec.example.com"
		fallthrough
	default:
		tr.Proxy = http.ProxyURL(mustURL("http://" + s.addr))
	}
	return &http.Client{Transport: tr}, "https://" + host
}

// BenchmarkHTTPSRequest measures one small HTTPS GET to a loopback
// upstream: directly, through a tunnel, and intercepted with a secret
// injected, on a new connection each time and on a kept-alive one.
// p50-µs and p99-µs are the median and 99th percentile latency.
func BenchmarkHTTPSRequest(b *testing.B) {
	for _, keepAlive := range []bool{false, true} {
		for _, mode := range []string{"direct", "tunnel", "intercept"} {
			name := mode + "/new-conn"
			if keepAlive {
				name = mode + "/keep-alive"
			}
			b.Run(name, func(b *testing.B) {
				s := newBenchSetup(b)
				c, base := s.clientFor(mode, keepAlive)
				defer c.CloseIdleConnections()
				req, _ := http.NewRequest("GET", base+"/", nil)
				req.Header.Set("Authorization", "Bearer "+s.ph)
				lat := make([]time.Duration, 0, b.N)
				b.ResetTimer()
				for range b.N {
					start := time.Now()
					resp, err := c.Do(req)
					if err != nil {
						b.Fatal(err)
					}
					io.Copy(io.Discard, resp.Body)
					resp.Body.Close()
					if resp.StatusCode != 200 {
						b.Fatal(resp.Status)
					}
					lat = append(lat, time.Since(start))
				}
				b.StopTimer()
				slices.Sort(lat)
				b.ReportMetric(float64(lat[len(lat)/2].Microseconds()), "p50-µs")
				b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds()), "p99-µs")
			})
		}
	}
}

// BenchmarkDownload measures one 64 MiB HTTPS download, directly,
// through a tunnel, and intercepted (the response scanned for the
// secret's value).
func BenchmarkDownload(b *testing.B) {
	const size = 64 << 20
	for _, mode := range []string{"direct", "tunnel", "intercept"} {
		b.Run(mode, func(b *testing.B) {
			s := newBenchSetup(b)
			c, base := s.clientFor(mode, true)
			defer c.CloseIdleConnections()
			b.SetBytes(size)
			b.ResetTimer()
			start := time.Now()
			for range b.N {
				resp, err := c.Get(fmt.Sprintf("%s/bytes?n=%d", base, size))
				if err != nil {
					b.Fatal(err)
				}
				n, err := io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if err != nil || n != size {
					b.Fatalf("read %d bytes: %v", n, err)
				}
			}
			b.ReportMetric(float64(b.N)*size/(1<<20)/time.Since(start).Seconds(), "MiB/s")
		})
	}
}

// BenchmarkMemoryPerConn opens 500 connections that stay open (a tunnel
// after CONNECT with TLS established through it, or an intercepted
// connection after one request) and reports the heap and stack they hold
// beyond the same number of direct connections, per connection.
func BenchmarkMemoryPerConn(b *testing.B) {
	const n = 500
	for _, mode := range []string{"tunnel", "intercept"} {
		b.Run(mode, func(b *testing.B) {
			for range b.N {
				s := newBenchSetup(b)
				direct := openConns(b, s, "direct", n)
				proxied := openConns(b, s, mode, n)
				b.ReportMetric(float64(proxied-direct)/n, "B/conn")
			}
		})
	}
}

// openConns opens n connections in mode, measures the memory in use
// with them open, closes them, and returns the increase.
func openConns(b *testing.B, s *benchSetup, mode string, n int) int64 {
	before := memInUse()
	var conns []io.Closer
	for range n {
		switch mode {
		case "direct":
			c, err := tls.Dial("tcp", s.up.addr(), &tls.Config{ServerName: "api.example.com", RootCAs: s.pki.pool})
			if err != nil {
				b.Fatal(err)
			}
			conns = append(conns, c)
		case "tunnel":
			c, br, resp := connectRaw(b, s.addr, "api.example.com:443")
			if resp.StatusCode != 200 || br.Buffered() != 0 {
				b.Fatal(resp.Status)
			}
			tc := tls.Client(c, &tls.Config{ServerName: "api.example.com", RootCAs: s.pki.pool})
			if err := tc.Handshake(); err != nil {
				b.Fatal(err)
			}
			c.SetDeadline(time.Time{})
			conns = append(conns, tc)
		case "intercept":
			c, br, resp := connectRaw(b, s.addr, "sec.example.com:443")
			if resp.StatusCode != 200 || br.Buffered() != 0 {
				b.Fatal(resp.Status)
			}
			c.SetDeadline(time.Time{})
			tc := tls.Client(c, &tls.Config{ServerName: "sec.example.com", RootCAs: s.caPool()})
			fmt.Fprint(tc, "GET / HTTP/1.1\r\nHost: sec.example.com\r\n\r\n")
			resp, err := http.ReadResponse(bufio.NewReader(tc), nil)
			if err != nil {
				b.Fatal(err)
			}
			bodyOf(resp)
			conns = append(conns, tc)
		}
	}
	time.Sleep(100 * time.Millisecond) // let the proxy's goroutines settle
	during := memInUse()
	for _, c := range conns {
		c.Close()
	}
	return during - before
}

func memInUse() int64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return int64(m.HeapAlloc + m.StackInuse)
}
