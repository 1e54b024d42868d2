package main

import (
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

// fdShell starts the bulkhead binary from a shell that opened, without
// close-on-exec, a 0600 file, the host's root directory and a TCP socket,
// at low and high descriptor numbers: what a supervisor, a CI runner or
// `exec 7</etc/shadow` in an operator's shell leaves behind.
const fdShell = `exec 5<"$SECRET" 6</ 7<>/dev/tcp/127.0.0.1/$PORT 805<"$SECRET" 806</ 807<>/dev/tcp/127.0.0.1/$PORT; exec "$@"`

// fdJailProbe lists the jailed command's descriptors and tries every
// inherited number: read it, list it, climb out through it.
const fdJailProbe = `echo "fds: $(ls /proc/self/fd | sort -n | tr '\n' ' ')"; ` +
	`for fd in 5 6 7 805 806 807; do ` +
	`head -c 1 <&$fd 2>/dev/null | grep -q . && echo "ESCAPED read $fd"; ` +
	`ls /proc/self/fd/$fd/ 2>/dev/null | grep -q . && echo "ESCAPED list $fd"; ` +
	`(cd -P /proc/self/fd/$fd/.. 2>/dev/null && ls / | grep -q . && echo "ESCAPED walk $fd"); done; true`

// fdEnv returns the shell's environment: a secret file and a listener
// that sends data to every connection, so reading the socket would work.
func fdEnv(t *testing.T) []string {
	t.Helper()
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("host secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			c.Write([]byte("socket data\n"))
			t.Cleanup(func() { c.Close() })
		}
	}()
	return []string{"SECRET=" + secret, "PORT=" + strings.TrimPrefix(ln.Addr().String(), "127.0.0.1:")}
}

// cliWithFDs is cli run through fdShell.
func cliWithFDs(t *testing.T, stateDir string, env []string, args ...string) result {
	t.Helper()
	shell := append([]string{"-c", fdShell, "bash", binary}, args...)
	return cliCommand(t, exec.Command("bash", shell...), stateDir, append(env, fdEnv(t)...), nil)
}

// checkFDProbe asserts each probe output shows only 0-2 (and the
// directory ls reads) and no escape.
func checkFDProbe(t *testing.T, outputs []string) {
	t.Helper()
	for i, out := range outputs {
		if !strings.Contains(out, "fds: 0 1 2 3 \n") || strings.Contains(out, "ESCAPED") {
			t.Errorf("jail %d:\n%s", i+1, out)
		}
	}
}

func TestInheritedDescriptorsSandboxExec(t *testing.T) {
	r := cliWithFDs(t, t.TempDir(), nil, "sandbox", "exec", "--workspace", t.TempDir(), "--", "bash", "-c", fdJailProbe)
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	checkFDProbe(t, []string{r.stdout})
}

func TestInheritedDescriptorsAgentBash(t *testing.T) {
	// Three calls: two cold starts and one on the init stage started ahead.
	bash := fakellm.ToolCall{Name: "bash", Input: map[string]string{"command": fdJailProbe}}
	srv := fakellm.New(fakellm.Step{ToolCalls: []fakellm.ToolCall{bash}}, fakellm.Step{ToolCalls: []fakellm.ToolCall{bash}},
		fakellm.Step{ToolCalls: []fakellm.ToolCall{bash}}, fakellm.Step{Text: "done"})
	defer srv.Close()
	r := cliWithFDs(t, t.TempDir(), []string{"ANTHROPIC_API_KEY=k", "ANTHROPIC_BASE_URL=" + srv.AnthropicBaseURL()},
		"run", "-m", "probe", "--workspace", t.TempDir())
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var outputs []string
	for _, req := range srv.Requests()[1:] {
		outputs = append(outputs, req.LastToolResults()[0].Text)
	}
	if len(outputs) != 3 {
		t.Fatalf("%d bash results, want 3", len(outputs))
	}
	checkFDProbe(t, outputs)
}
