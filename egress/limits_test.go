package egress

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestLimitsDefaults(t *testing.T) {
	got, err := Limits{}.withDefaults()
	if err != nil || got != DefaultLimits {
		t.Fatalf("zero Limits = %+v, %v; want DefaultLimits", got, err)
	}
	got, _ = Limits{MaxConns: 3, IdleTimeout: time.Second}.withDefaults()
	if got.MaxConns != 3 || got.IdleTimeout != time.Second || got.MaxBytesUp != DefaultLimits.MaxBytesUp {
		t.Errorf("partial Limits = %+v", got)
	}
	_, err = Limits{MaxConns: -1, MaxBytesDown: -5}.withDefaults()
	if err == nil || !strings.Contains(err.Error(), "MaxConns is negative") || !strings.Contains(err.Error(), "MaxBytesDown is negative") {
		t.Errorf("negative limits: %v", err)
	}
	p, _ := New(Config{})
	if _, err := p.StartRun("ws", "r", Limits{ConnRate: -1}); err == nil {
		t.Error("StartRun accepted a negative limit")
	}
	if _, err := p.StartRun("../ws", "r", Limits{}); err == nil {
		t.Error("StartRun accepted a bad workspace id")
	}
	if _, err := p.StartRun("ws", "", Limits{}); err == nil {
		t.Error("StartRun accepted an empty run id")
	}
}

func TestConcurrentConnectionLimit(t *testing.T) {
	w := newWorld(t, Limits{MaxConns: 2})
	addr := w.serve(w.run, Grant{Policy: mustPolicy(t, defaultPolicy...)})
	// Two connections hold the slots (tunnels that stay open).
	for range 2 {
		_, _, resp := connectRaw(t, addr, "api.example.com:443")
		if resp.StatusCode != 200 {
			t.Fatalf("CONNECT within the limit: %d", resp.StatusCode)
		}
	}
	_, _, resp := connectRaw(t, addr, "api.example.com:443")
	if body := bodyOf(resp); resp.StatusCode != http.StatusTooManyRequests || !hasReason(resp, ReasonConnLimit) {
		t.Fatalf("third connection: %d %q", resp.StatusCode, body)
	}
}

func TestConnectionRateLimit(t *testing.T) {
	w := newWorld(t, Limits{ConnRate: 0.001, ConnBurst: 3})
	addr := w.serve(w.run, Grant{Policy: mustPolicy(t, defaultPolicy...)})
	c := w.client(addr, nil)
	codes := []int{}
	for range 5 {
		resp, err := c.Get("http://plain.example.com/")
		if err != nil {
			t.Fatal(err)
		}
		bodyOf(resp)
		codes = append(codes, resp.StatusCode)
	}
	if fmt.Sprint(codes) != "[200 200 200 429 429]" {
		t.Errorf("status codes %v, want three allowed then rate-limited", codes)
	}
	// Refusals by policy do not spend the budget.
	resp, _ := c.Get("http://denied.example.com/")
	if bodyOf(resp); !hasReason(resp, ReasonNotAllowed) {
		t.Errorf("policy refusal while rate-limited: %s", resp.Header.Get("X-Bulkhead-Egress"))
	}
}

func TestByteLimitDown(t *testing.T) {
	const limit = 256 << 10
	w := newWorld(t, Limits{MaxBytesDown: limit})
	addr := w.serve(w.run, Grant{Policy: mustPolicy(t, defaultPolicy...)})
	c := w.client(addr, w.pki.pool)
	resp, err := c.Get("https://api.example.com/bytes?n=4194304")
	if err == nil {
		n, rerr := io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if rerr == nil || n >= 4<<20 {
			t.Fatalf("download of 4 MiB completed (%d bytes) under a %d-byte limit", n, limit)
		}
	}
	ev := w.events.wait(t, 1)
	if ev[0].Reason != ReasonByteLimit || !ev[0].Allowed || ev[0].BytesDown > limit {
		t.Errorf("event %v, want byte_limit with at most %d bytes down", ev[0], limit)
	}
	if _, down := w.run.Usage(); down > limit {
		t.Errorf("run received %d bytes, limit %d", down, limit)
	}
	// The next connection is refused at its first read.
	resp, err = c.Get("http://plain.example.com/")
	if err == nil {
		body := bodyOf(resp)
		if resp.StatusCode != http.StatusTooManyRequests || !hasReason(resp, ReasonByteLimit) {
			t.Errorf("request after the limit: %d %q", resp.StatusCode, body)
		}
	}
}

func TestByteLimitUp(t *testing.T) {
	const limit = 64 << 10
	w := newWorld(t, Limits{MaxBytesUp: limit})
	addr := w.serve(w.run, Grant{Policy: mustPolicy(t, defaultPolicy...)})
	c := w.client(addr, nil)
	// The proxy answers 429 and closes; a client still sending may see
	// the reset before the answer, so either outcome is accepted here
	// and the event is what is checked.
	resp, err := c.Post("http://plain.example.com/upload", "application/octet-stream", bytes.NewReader(make([]byte, 1<<20)))
	if err == nil {
		if body := bodyOf(resp); resp.StatusCode != http.StatusTooManyRequests || !hasReason(resp, ReasonByteLimit) {
			t.Errorf("1 MiB upload under a 64 KiB limit: %d %q", resp.StatusCode, body)
		}
	}
	if ev := w.events.wait(t, 1); ev[0].Reason != ReasonByteLimit || ev[0].BytesUp > limit {
		t.Errorf("event %v, want byte_limit with at most %d bytes up", ev[0], limit)
	}
	if up, _ := w.run.Usage(); up > limit {
		t.Errorf("run sent %d bytes, limit %d", up, limit)
	}
	for _, r := range w.plainUp.requests() {
		if r.BodyErr == nil {
			t.Errorf("upstream received the whole upload")
		}
	}
}

func TestIdleTimeout(t *testing.T) {
	w := newWorld(t, Limits{IdleTimeout: 150 * time.Millisecond})
	echo := newEcho(t, "127.0.0.2:0")
	_, port := splitAddr(t, echo.Addr().String())
	addr := w.serve(w.run, Grant{Policy: mustPolicy(t, "127.0.0.2:"+port)})
	c, br, resp := connectRaw(t, addr, "127.0.0.2:"+port)
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	// Traffic keeps it open past the timeout...
	for range 4 {
		fmt.Fprint(c, "x\n")
		if line, err := br.ReadString('\n'); err != nil || line != "x\n" {
			t.Fatalf("echo: %q %v", line, err)
		}
		time.Sleep(60 * time.Millisecond)
	}
	// ...silence closes it.
	start := time.Now()
	if _, err := br.ReadByte(); err == nil {
		t.Fatal("read data from an idle tunnel")
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("idle tunnel closed after %v", d)
	}
	ev := w.events.wait(t, 1)
	if ev[0].Reason != ReasonIdle || !ev[0].Allowed {
		t.Errorf("event %v, want idle_timeout", ev[0])
	}
}

func TestHeaderSizeLimit(t *testing.T) {
	w := newWorld(t, Limits{MaxHeaderBytes: 4 << 10})
	addr := w.serve(w.run, Grant{Policy: mustPolicy(t, defaultPolicy...)})
	conn := dialProxy(t, addr)
	fmt.Fprintf(conn, "GET http://plain.example.com/ HTTP/1.1\r\nHost: plain.example.com\r\nX-Big: %s\r\n\r\n", strings.Repeat("a", 16<<10))
	resp, err := http.ReadResponse(bufioReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusRequestHeaderFieldsTooLarge {
		t.Errorf("16 KiB header under a 4 KiB limit: %d", resp.StatusCode)
	}
	conn.Close()
	ev := w.events.wait(t, 1)
	if ev[0].Reason != ReasonBadRequest || ev[0].Allowed {
		t.Errorf("event %v, want bad_request", ev[0])
	}
	// A "ClientHello" beyond the limit is refused too.
	c, br, resp := connectRaw(t, addr, "api.example.com:443")
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	record := append([]byte{0x16, 0x03, 0x01, 0x40, 0x00, 0x01, 0x00, 0x3f, 0xfc}, make([]byte, 16<<10)...)
	c.Write(record)
	refusal, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	if body := bodyOf(refusal); !hasReason(refusal, ReasonNotTLS) || !strings.Contains(body, "at most 4096 bytes") {
		t.Errorf("oversized ClientHello: %d %q", refusal.StatusCode, body)
	}
	if w.tlsUp.hits.Load() != 0 {
		t.Error("upstream reached")
	}
}

// TestAttributionUnderConcurrency runs three workspaces' runs with two
// jails each, all at once; every event names the workspace, run and tool
// call or skill whose jail opened the connection.
func TestAttributionUnderConcurrency(t *testing.T) {
	h := newHarness(t, Limits{})
	up := newUpstream(t, h.pki, "api.example.com")
	plain := newUpstream(t, nil)
	h.net.route(publicTLS+":443", up.addr())
	h.net.route(publicPlain+":80", plain.addr())
	const perJail = 20
	type jail struct {
		ws, run, call, skill, host, addr string
	}
	var jails []jail
	for i := range 3 {
		ws, runID := fmt.Sprintf("ws%d", i), fmt.Sprintf("run%d", i)
		run, err := h.proxy.StartRun(ws, runID, Limits{MaxConns: 2 * perJail})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { run.Close() })
		for j, g := range []Grant{{ToolCall: fmt.Sprintf("call-%d", i)}, {Skill: fmt.Sprintf("skill-%d", i)}} {
			host := fmt.Sprintf("j%d-%d.example.com", i, j)
			h.net.resolve(host, publicPlain)
			g.Policy = mustPolicy(t, host)
			jails = append(jails, jail{ws, runID, g.ToolCall, g.Skill, host, h.serve(run, g)})
		}
	}
	var wg sync.WaitGroup
	for _, j := range jails {
		c := h.client(j.addr, nil)
		for k := range perJail {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Every jail also tries another jail's host: refused, and
				// attributed to the jail that tried.
				target := j.host
				if k%5 == 0 {
					target = jails[(k/5)%len(jails)].host
				}
				resp, err := c.Get("http://" + target + "/")
				if err != nil {
					t.Error(err)
					return
				}
				bodyOf(resp)
			}()
		}
	}
	wg.Wait()
	ev := h.events.wait(t, len(jails)*perJail)
	counts := map[string]int{}
	for _, e := range ev {
		var owner *jail
		for i := range jails {
			if jails[i].ws == e.Workspace && jails[i].call == e.ToolCall && jails[i].skill == e.Skill {
				owner = &jails[i]
			}
		}
		if owner == nil || owner.run != e.Run {
			t.Fatalf("event %v matches no jail", e)
		}
		if e.Allowed != (e.Host == owner.host) {
			t.Errorf("event %v: allowed=%v for a jail whose host is %s", e, e.Allowed, owner.host)
		}
		counts[owner.host]++
	}
	for _, j := range jails {
		if counts[j.host] != perJail {
			t.Errorf("%s: %d events, want %d", j.host, counts[j.host], perJail)
		}
	}
}

func TestRunClose(t *testing.T) {
	w := newWorld(t, Limits{})
	echo := newEcho(t, "127.0.0.2:0")
	_, port := splitAddr(t, echo.Addr().String())
	addr := w.serve(w.run, Grant{Policy: mustPolicy(t, "127.0.0.2:"+port)})
	_, br, resp := connectRaw(t, addr, "127.0.0.2:"+port)
	if resp.StatusCode != 200 {
		t.Fatal(resp.Status)
	}
	done := make(chan struct{})
	go func() { w.run.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not return")
	}
	if _, err := br.ReadByte(); err == nil {
		t.Error("tunnel open after Close")
	}
	ev := w.events.wait(t, 1)
	if ev[0].Reason != ReasonRunClosed {
		t.Errorf("event %v, want run_closed", ev[0])
	}
	if err := w.run.ServeConn(t.Context(), nopConn{}, Grant{}); err != ErrRunClosed {
		t.Errorf("ServeConn after Close = %v", err)
	}
	if _, err := net.Dial("tcp", addr); err == nil {
		t.Error("the run's listener accepts connections after Close")
	}
}
