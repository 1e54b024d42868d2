package main

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
)

// TestAllowHostFlags: workspace create|update --allow-host set and clear
// the policy (refusing a malformed destination as a usage error), and
// sandbox exec --allow-host gives a one-off command exactly that network.
func TestAllowHostFlags(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "reached") })}
	go srv.Serve(ln)
	defer srv.Close()
	addr := ln.Addr().String()
	state := t.TempDir()
	if r := cli(t, state, nil, "workspace", "create", "w", "--allow-host", "api.github.com", "--allow-host", addr); r.code != 0 {
		t.Fatalf("create: %d %s", r.code, r.stderr)
	}
	show := func() []string {
		r := cli(t, state, nil, "workspace", "show", "w", "--json")
		var ws struct {
			Config struct {
				AllowHosts []string `json:"allow_hosts"`
			} `json:"config"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &ws); err != nil {
			t.Fatalf("show: %q %v", r.stdout, err)
		}
		return ws.Config.AllowHosts
	}
	if got := show(); strings.Join(got, " ") != "api.github.com "+addr {
		t.Errorf("policy %v", got)
	}
	if r := cli(t, state, nil, "workspace", "update", "w", "--allow-host", "0x7f000001"); r.code != exitUsage {
		t.Errorf("a numeric host form: exit %d, stderr %q", r.code, r.stderr)
	}
	if r := cli(t, state, nil, "workspace", "update", "w", "--allow-host", "none"); r.code != 0 || len(show()) != 0 {
		t.Errorf("--allow-host none: exit %d, policy %v", r.code, show())
	}
	r := cli(t, state, nil, "sandbox", "exec", "--workspace", t.TempDir(), "--allow-host", addr, "--", "sh", "-c",
		"curl -sS http://"+addr+"/; echo; curl -sS http://127.0.0.3:9/ | head -c 60")
	if r.code != 0 || !strings.HasPrefix(r.stdout, "reached\n") || !strings.Contains(r.stdout, "refused 127.0.0.3:9") {
		t.Errorf("sandbox exec --allow-host: exit %d stdout %q stderr %q", r.code, r.stdout, r.stderr)
	}
}
