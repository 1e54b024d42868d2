package runtime

import (
	"context"
	"crypto/x509"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"github.com/bulkhead-dev/bulkhead/skills"
	"github.com/bulkhead-dev/bulkhead/vault"
)

// fakeDNS answers every name of names with a public address, which the
// test's dialer routes to a loopback server: the proxy's checks see the
// public address, the bytes reach the test.
type fakeDNS struct {
	names  map[string]string // name → public IPv4
	routes map[string]string // public ip:port → loopback address
}

func (f fakeDNS) LookupNetIP(_ context.Context, _, name string) ([]netip.Addr, error) {
	if a, ok := f.names[name]; ok {
		return []netip.Addr{netip.MustParseAddr(a)}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: name, IsNotFound: true}
}

func (f fakeDNS) dial(ctx context.Context, network, address string) (net.Conn, error) {
	if to, ok := f.routes[address]; ok {
		address = to
	}
	var d net.Dialer
	return d.DialContext(ctx, network, address)
}

// TestEgressFromBash: a workspace allows exactly the hosts it needs; its
// bash reaches them through the proxy and nothing else; a credential bound
// to a host is a placeholder in the jail that the proxy swaps for the
// value on the way to that host only, and the value never appears in the
// jail, the transcript, the events or the model's requests.
func TestEgressFromBash(t *testing.T) {
	const secret = "tok-7c3f9e21d0b4"
	api := httptest.NewTLSServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch {
		case r.Header.Get("Authorization") == "Bearer "+secret:
			io.WriteString(w, "authorized")
		default:
			io.WriteString(w, "denied: "+r.Header.Get("Authorization")+" "+string(body))
		}
	}))
	defer api.Close()
	plain := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, "plain hello") })}
	ln, err := net.Listen("tcp", "127.0.0.2:0")
	if err != nil {
		t.Fatal(err)
	}
	go plain.Serve(ln)
	defer plain.Close()
	roots := x509.NewCertPool()
	roots.AddCert(api.Certificate())
	dns := fakeDNS{names: map[string]string{"example.com": "93.184.216.34"}, routes: map[string]string{"93.184.216.34:443": api.Listener.Addr().String()}}
	p, err := NewPlatform(Options{StateDir: t.TempDir(), CredentialPassphrase: []byte("pass"),
		Egress: EgressOptions{Resolver: dns, Dial: dns.dial, RootCAs: roots}})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	plainAddr := ln.Addr().String()
	ws, err := p.CreateWorkspace("w", WorkspaceConfig{AllowHosts: []string{"example.com", plainAddr}})
	if err != nil {
		t.Fatal(err)
	}
	v, err := ws.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	if err := v.Put("tenantapi", vault.Entry{Values: map[string]vault.Secret{"API_TOKEN": vault.Secret(secret)}, Hosts: []string{"example.com"}, ToBash: true}); err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var events []Event
	command := `echo "env=$API_TOKEN"; ` +
		`curl -sS -H "Authorization: Bearer $API_TOKEN" https://example.com/check; echo; ` +
		`curl -sS -X POST --data "$API_TOKEN" https://example.com/echo; echo; ` +
		`curl -sS http://` + plainAddr + `/; echo; ` +
		`curl -sS http://127.0.0.3:9/ ; echo; ` +
		`curl -sS --noproxy '*' --max-time 5 http://` + plainAddr + `/ >/dev/null 2>&1 || echo no-route; ` +
		`cat /proc/*/environ 2>/dev/null | tr '\0' '\n' | grep -c "^API_TOKEN=bulkhead-secret-"`
	srv := fakellm.New(fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "bash", Input: map[string]any{"command": command}}}}, fakellm.Step{Text: "done"})
	defer srv.Close()
	req := anthropicRequest(srv, "call the API")
	req.SessionID = "s"
	req.OnEvent = func(e Event) { mu.Lock(); events = append(events, e); mu.Unlock() }
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	out := res.ToolCalls[0].Output
	t.Logf("bash output:\n%s", out)
	for _, want := range []string{
		"env=bulkhead-secret-tenantapi-", // a placeholder, never the value
		"\nauthorized\n",                 // the API got the real token
		"refused example.com:443: placeholder of credential tenantapi in the request body",
		"\nplain hello\n", // plain HTTP to a literal address
		"refused 127.0.0.3:9: 127.0.0.3 is loopback", // outside the policy
	} {
		if !strings.Contains(out, want) {
			t.Errorf("bash output lacks %q", want)
		}
	}
	if !strings.Contains(out, "no-route") {
		t.Errorf("a program ignoring the proxy reached the network:\n%s", out)
	}
	var allowed, refused int
	for _, e := range events {
		if e.Type == EventNetwork {
			if e.Network.ToolCall != res.ToolCalls[0].ID || e.Network.Workspace != "w" {
				t.Errorf("attribution %+v", e.Network)
			}
			if e.Network.Allowed {
				allowed++
			} else {
				refused++
			}
		}
	}
	if allowed < 2 || refused < 2 || res.Network.Connections != allowed+refused || res.Network.Refused != refused {
		t.Errorf("network events: %d allowed, %d refused; result %+v", allowed, refused, res.Network)
	}
	transcript := readFile(t, filepath.Join(ws.Dir(), "sessions", "s.jsonl"))
	reqs, _ := json.Marshal(srv.Requests())
	evs, _ := json.Marshal(events)
	for where, text := range map[string]string{"tool output": out, "transcript": transcript, "requests": string(reqs), "events": string(evs)} {
		if strings.Contains(text, secret) {
			t.Errorf("the secret reached the %s", where)
		}
	}
	// A native skill with a network: list and the same credential.
	src := writeSkill(t, t.TempDir(), "api-check", "description: Checks the API.\ncredentials: [tenantapi]\nnetwork: [example.com]\n",
		map[string]string{"execute.sh": "#!/bin/sh\ncurl -sS -H \"Authorization: Bearer $API_TOKEN\" https://example.com/check; echo; curl -sS http://" + plainAddr + "/\n"})
	cat, _ := p.Skills()
	if _, err := cat.Add(bg, src, skills.AddOptions{}); err != nil {
		t.Fatal(err)
	}
	if err := ws.EnableSkill(bg, "api-check"); err != nil {
		t.Fatal(err)
	}
	srv2 := fakellm.New(fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "skill_execute", Input: map[string]any{"skillId": "api-check"}}}}, fakellm.Step{Text: "done"})
	defer srv2.Close()
	res, err = ws.Run(bg, anthropicRequest(srv2, "check"))
	if err != nil {
		t.Fatal(err)
	}
	if got := res.ToolCalls[0].Output; !strings.HasPrefix(got, "authorized\n") || !strings.Contains(got, "not allowed") && !strings.Contains(got, "refused") {
		t.Errorf("skill with a network: %q (want the API reached with the token, the other host refused)", got)
	}
}
