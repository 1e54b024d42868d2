package egress

import (
	"context"
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
)

func TestServeUnixSocket(t *testing.T) {
	w := newWorld(t, Limits{})
	path := filepath.Join(t.TempDir(), "egress.sock")
	l, err := ListenUnix(path, 0o666)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(path); err != nil || fi.Mode()&os.ModeSocket == 0 || fi.Mode().Perm() != 0o666 {
		t.Fatalf("socket file %v, %v", fi, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error)
	go func() {
		done <- w.run.Serve(ctx, l, Grant{ToolCall: "unix-call", Policy: mustPolicy(t, defaultPolicy...)})
	}()
	c := &http.Client{Transport: &http.Transport{
		Proxy: func(*http.Request) (*url.URL, error) { return url.Parse("http://proxy.invalid") },
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return new(net.Dialer).DialContext(ctx, "unix", path)
		},
	}}
	resp, err := c.Get("http://plain.example.com/via-unix")
	if err != nil {
		t.Fatal(err)
	}
	if body := bodyOf(resp); resp.StatusCode != 200 {
		t.Fatalf("%d %q", resp.StatusCode, body)
	}
	if ev := w.events.wait(t, 1); ev[0].ToolCall != "unix-call" || !ev[0].Allowed {
		t.Errorf("event %v", ev[0])
	}
	cancel()
	if err := <-done; err != nil {
		t.Errorf("Serve = %v after cancel", err)
	}
	if _, err := os.Stat(path); !os.IsNotExist(err) {
		t.Errorf("socket file left behind: %v", err)
	}
	if _, err := ListenUnix(filepath.Join(t.TempDir(), "no", "such", "dir.sock"), 0o600); err == nil {
		t.Error("ListenUnix in a missing directory succeeded")
	}
}
