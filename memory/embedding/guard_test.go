package embedding

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
)

func TestCheckAddr(t *testing.T) {
	forbiddenAddrs := []string{
		"127.0.0.1", "127.8.9.10", "::1", "0.0.0.0", "::", "0.1.2.3",
		"10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1", "fd00::1",
		"169.254.169.254", "fd00:ec2::254", "fe80::1", "100.100.100.200", "100.64.0.1", "192.0.0.192",
		"::ffff:127.0.0.1", "::ffff:169.254.169.254", "::ffff:10.0.0.1",
		"224.0.0.1", "239.255.255.250", "ff02::1", "255.255.255.255", "240.0.0.1",
		"198.18.0.1", "192.0.2.1", "203.0.113.9", "2001:db8::1", "2001::1",
		"64:ff9b::a9fe:a9fe", // NAT64 of 169.254.169.254
		"64:ff9b::7f00:1",    // NAT64 of 127.0.0.1
		"2002:7f00:1::1",     // 6to4 of 127.0.0.1
		"2002:a00:1::1",      // 6to4 of 10.0.0.1
	}
	for _, s := range forbiddenAddrs {
		if err := CheckAddr(netip.MustParseAddr(s)); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("CheckAddr(%s) = %v, want ErrForbiddenAddress", s, err)
		}
	}
	allowed := []string{"8.8.8.8", "1.1.1.1", "93.184.215.14", "2606:4700:4700::1111", "64:ff9b::808:808", "2002:808:808::1", "172.32.0.1", "100.128.0.1"}
	for _, s := range allowed {
		if err := CheckAddr(netip.MustParseAddr(s)); err != nil {
			t.Errorf("CheckAddr(%s) = %v, want nil", s, err)
		}
	}
	if err := CheckAddr(netip.Addr{}); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("CheckAddr(zero) = %v, want ErrForbiddenAddress", err)
	}
}

// fakeResolver answers from a list of answers, one per call (the last one
// repeats), and counts calls.
type fakeResolver struct {
	answers [][]string
	calls   atomic.Int32
}

func (r *fakeResolver) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	n := int(r.calls.Add(1)) - 1
	ans := r.answers[min(n, len(r.answers)-1)]
	var out []netip.Addr
	for _, s := range ans {
		out = append(out, netip.MustParseAddr(s))
	}
	return out, nil
}

// recordingDial records the addresses it is asked to dial and fails.
type recordingDial struct{ addrs []string }

var errDialRecorded = errors.New("dial recorded")

func (d *recordingDial) dial(_ context.Context, _, address string) (net.Conn, error) {
	d.addrs = append(d.addrs, address)
	return nil, errDialRecorded
}

func TestGuardDialContext(t *testing.T) {
	tests := []struct {
		name      string
		private   bool
		address   string
		answers   [][]string
		wantErr   error
		wantDials []string
	}{
		{name: "name resolving to loopback", address: "evil.example:443", answers: [][]string{{"127.0.0.1"}}, wantErr: ErrForbiddenAddress},
		{name: "name resolving to metadata", address: "meta.example:80", answers: [][]string{{"169.254.169.254"}}, wantErr: ErrForbiddenAddress},
		{name: "mixed public and private answer", address: "mixed.example:443", answers: [][]string{{"93.184.215.14", "10.0.0.7"}}, wantErr: ErrForbiddenAddress},
		{name: "IPv4-mapped loopback literal", address: "[::ffff:127.0.0.1]:443", wantErr: ErrForbiddenAddress},
		{name: "metadata literal", address: "169.254.169.254:80", wantErr: ErrForbiddenAddress},
		{name: "public name is pinned to its checked address", address: "api.example:443",
			answers: [][]string{{"93.184.215.14"}, {"127.0.0.1"}}, wantErr: errDialRecorded, wantDials: []string{"93.184.215.14:443"}},
		{name: "each address tried in order", address: "api.example:443",
			answers: [][]string{{"93.184.215.14", "2606:4700:4700::1111"}}, wantErr: errDialRecorded,
			wantDials: []string{"93.184.215.14:443", "[2606:4700:4700::1111]:443"}},
		{name: "operator-configured private host", private: true, address: "ollama.lan:11434",
			answers: [][]string{{"192.168.1.20"}}, wantErr: errDialRecorded, wantDials: []string{"192.168.1.20:11434"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := &fakeResolver{answers: tt.answers}
			if r.answers == nil {
				r.answers = [][]string{{}}
			}
			d := &recordingDial{}
			g := &Guard{AllowPrivate: tt.private, Resolver: r, Dial: d.dial}
			_, err := g.DialContext(context.Background(), "tcp", tt.address)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("DialContext = %v, want %v", err, tt.wantErr)
			}
			if strings.Join(d.addrs, ",") != strings.Join(tt.wantDials, ",") {
				t.Errorf("dialed %v, want %v", d.addrs, tt.wantDials)
			}
			if tt.answers != nil && r.calls.Load() != 1 {
				t.Errorf("resolver called %d times, want 1", r.calls.Load())
			}
		})
	}
}

func TestControlCheck(t *testing.T) {
	if err := controlCheck("tcp4", "127.0.0.1:80", nil); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("controlCheck(loopback) = %v", err)
	}
	if err := controlCheck("tcp6", "[fd00:ec2::254]:80", nil); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("controlCheck(fd00:ec2::254) = %v", err)
	}
	if err := controlCheck("tcp4", "8.8.8.8:443", nil); err != nil {
		t.Errorf("controlCheck(public) = %v", err)
	}
	if err := controlCheck("tcp", "garbage", nil); !errors.Is(err, ErrForbiddenAddress) {
		t.Errorf("controlCheck(garbage) = %v", err)
	}
}

// TestUntrustedBaseURLRefused drives a real Embedder at a loopback server:
// without Trusted the request never reaches it, with Trusted it does.
func TestUntrustedBaseURLRefused(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		w.Write([]byte(`{"data":[{"index":0,"embedding":[1,0]}]}`))
	}))
	defer srv.Close()
	localhostURL := strings.Replace(srv.URL, "127.0.0.1", "localhost", 1)
	for _, base := range []string{srv.URL, localhostURL} {
		e, err := New(Config{Provider: OpenAI, APIKey: "k", BaseURL: base, MaxRetries: -1})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.Embed(context.Background(), []string{"x"}, Document); !errors.Is(err, ErrForbiddenAddress) {
			t.Errorf("untrusted %s: Embed = %v, want ErrForbiddenAddress", base, err)
		}
	}
	if hits.Load() != 0 {
		t.Fatalf("server saw %d requests from an untrusted client", hits.Load())
	}
	e, err := New(Config{Provider: OpenAI, APIKey: "k", BaseURL: srv.URL, Trusted: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(context.Background(), []string{"x"}, Document); err != nil {
		t.Fatalf("trusted: %v", err)
	}
	if hits.Load() != 1 {
		t.Fatalf("server saw %d requests, want 1", hits.Load())
	}
}

func TestRedirectRefused(t *testing.T) {
	var targetHits atomic.Int32
	target := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { targetHits.Add(1) }))
	defer target.Close()
	redirector := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, target.URL+"/embeddings", http.StatusTemporaryRedirect)
	}))
	defer redirector.Close()
	e, err := New(Config{Provider: OpenAI, APIKey: "k", BaseURL: redirector.URL, Trusted: true})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Embed(context.Background(), []string{"x"}, Document); !errors.Is(err, errRedirect) {
		t.Fatalf("Embed = %v, want errRedirect", err)
	}
	if targetHits.Load() != 0 {
		t.Fatal("redirect was followed")
	}
}
