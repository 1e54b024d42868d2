package egress

import (
	"context"
	"crypto/tls"
	"io"
	"log"
	"net"
	"net/http"
	"net/netip"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
)

// TestInNetworkNamespace runs the proxy with its default dialer (the
// Control re-check included) against "remote" servers on public and
// private addresses, in a network namespace of its own: the test binary
// re-executes itself in new user and network namespaces, where it gives
// the loopback interface the addresses 93.184.215.14 and 10.0.0.7. The
// host's network is not touched.
func TestInNetworkNamespace(t *testing.T) {
	if os.Getenv("EGRESS_NETNS_CHILD") == "1" {
		inNetworkNamespace(t)
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestInNetworkNamespace$", "-test.count=1", "-test.v")
	cmd.Env = append(os.Environ(), "EGRESS_NETNS_CHILD=1")
	cmd.SysProcAttr = &syscall.SysProcAttr{
		Cloneflags:  syscall.CLONE_NEWUSER | syscall.CLONE_NEWNET,
		UidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getuid(), Size: 1}},
		GidMappings: []syscall.SysProcIDMap{{ContainerID: 0, HostID: os.Getgid(), Size: 1}},
	}
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "--- PASS: TestInNetworkNamespace") {
		t.Fatalf("in a new network namespace: %v\n%s", err, out)
	}
	t.Logf("child:\n%s", out)
}

func inNetworkNamespace(t *testing.T) {
	ip, err := exec.LookPath("ip")
	if err != nil {
		t.Fatal("this test needs iproute2's ip(8): ", err)
	}
	for _, args := range [][]string{
		{"link", "set", "lo", "up"},
		{"addr", "add", publicTLS + "/32", "dev", "lo"},
		{"addr", "add", "10.0.0.7/32", "dev", "lo"},
	} {
		if out, err := exec.Command(ip, args...).CombinedOutput(); err != nil {
			t.Fatalf("ip %v: %v %s", args, err, out)
		}
	}
	h := &harness{t: t, net: newFakeNet(), pki: newTestPKI(t), events: &eventLog{}}
	h.net.resolve("api.example.com", publicTLS)
	h.net.resolve("internal.example.com", "10.0.0.7")
	cert := h.pki.leaf(t, "api.example.com", "internal.example.com")
	var hits, privateHits atomic.Int32
	for _, a := range []string{publicTLS + ":443", "10.0.0.7:443"} {
		l, err := tls.Listen("tcp", a, &tls.Config{Certificates: []tls.Certificate{cert}})
		if err != nil {
			t.Fatal(err)
		}
		defer l.Close()
		private := strings.HasPrefix(a, "10.")
		srv := &http.Server{ErrorLog: log.New(io.Discard, "", 0), Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if private {
				privateHits.Add(1)
			} else {
				hits.Add(1)
			}
			io.WriteString(w, "auth="+r.Header.Get("Authorization"))
		})}
		go srv.Serve(l)
	}
	p, err := New(Config{Resolver: h.net, RootCAs: h.pki.pool, OnEvent: h.events.add})
	if err != nil {
		t.Fatal(err)
	}
	h.proxy = p
	run, err := p.StartRun("ws", "run", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer run.Close()
	secrets := NewSecrets()
	ph, _ := secrets.Add("tok", []byte("real-token"), []string{"api.example.com"})
	addr := h.serve(run, Grant{Policy: mustPolicy(t, "api.example.com", "internal.example.com"), Secrets: secrets})

	c := h.client(addr, h.caPool())
	req, _ := http.NewRequest("GET", "https://api.example.com/", nil)
	req.Header.Set("Authorization", ph)
	resp, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := bodyOf(resp); body != "auth="+ph || hits.Load() != 1 {
		t.Fatalf("through the default dialer: %q (hits %d)", body, hits.Load())
	}
	if _, err := c.Get("https://internal.example.com/"); err == nil || !strings.Contains(err.Error(), "Forbidden") {
		t.Errorf("name resolving to a reachable private address: %v", err)
	}
	_, _, resp = connectRaw(t, addr, "10.0.0.7:443")
	if !hasReason(resp, ReasonSpecial) {
		t.Errorf("CONNECT 10.0.0.7: %d %s", resp.StatusCode, bodyOf(resp))
	}
	// The Control hook refuses the private address even when the plan
	// (here forged) lists it.
	s := newSession(run, nopConn{}, Grant{}, true)
	defer s.close("")
	forged := &plan{target: target{host: host{name: "api.example.com"}, port: 443}, addrs: []netip.Addr{netip.MustParseAddr("10.0.0.7")}}
	if _, _, err := s.dial(context.Background(), forged, &meter{}); err == nil {
		t.Error("default dialer connected to 10.0.0.7")
	}
	if privateHits.Load() != 0 {
		t.Errorf("the private server was reached %d times", privateHits.Load())
	}
	var d net.Dialer
	if c, err := d.Dial("tcp", "10.0.0.7:443"); err != nil {
		t.Errorf("the private server is not reachable directly, so the refusals prove nothing: %v", err)
	} else {
		c.Close()
	}
}
