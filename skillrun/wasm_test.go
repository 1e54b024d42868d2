package skillrun

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/skills"
)

// examples is where `make wasm` puts the example skills.
const examples = "../testdata/skills"

// TestExampleGoSkill runs the committed hmac-sign example (Go, built with
// the SDK) with its credential.
func TestExampleGoSkill(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.addDir(t, filepath.Join(examples, "hmac-sign"))
	if s.Kind != skills.WASM || len(s.Credentials) != 1 || s.Credentials[0] != "signing" {
		t.Fatalf("skill %+v", s.Frontmatter)
	}
	key := "a-signing-key-of-the-tenant"
	mac := hmac.New(sha256.New, []byte(key))
	mac.Write([]byte("deploy v2"))
	var out struct {
		Message   string `json:"message"`
		Signature string `json:"hmac_sha256"`
	}
	got := f.ok(t, Request{Skill: s, Params: params(t, map[string]string{"message": "deploy v2"}), Credentials: map[string][]byte{"SIGNING_KEY": []byte(key)}})
	if err := json.Unmarshal([]byte(got), &out); err != nil || out.Message != "deploy v2" || out.Signature != hex.EncodeToString(mac.Sum(nil)) {
		t.Errorf("stdout %q (%v)", got, err)
	}
	if log := f.log.String(); !strings.Contains(log, `"skill":"hmac-sign"`) || !strings.Contains(log, "signed 9 bytes") {
		t.Errorf("host log %q lacks the skill's line", log)
	}
	res := f.run(t, Request{Skill: s, Params: params(t, map[string]string{"message": "x"})})
	text, isErr := res.ToolResult()
	if !isErr || res.ExitCode != 1 || !strings.Contains(text, "[skill exited with code 1]\n[stderr]\nerror: SIGNING_KEY is not set") {
		t.Errorf("without the credential: %q", text)
	}
}

// TestExampleGoSkillIsFresh rebuilds hmac-sign as `make wasm` does and
// compares it with the committed module.
func TestExampleGoSkillIsFresh(t *testing.T) {
	t.Parallel()
	out := filepath.Join(t.TempDir(), "execute.wasm")
	cmd := exec.Command("go", "build", "-trimpath", "-buildvcs=false", "-ldflags=-s -w", "-o", out, "../tools-wasm/skill/examples/hmac-sign")
	cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
	if msg, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, msg)
	}
	fresh, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	committed, err := os.ReadFile(filepath.Join(examples, "hmac-sign", "execute.wasm"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(fresh, committed) {
		t.Fatal("testdata/skills/hmac-sign/execute.wasm differs from a fresh build: run `make wasm` and commit it")
	}
}

// TestExampleCSkill runs the committed env-report example, compiled from C
// with clang and wasi-libc, with its credential.
func TestExampleCSkill(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.addDir(t, filepath.Join(examples, "env-report"))
	token := "report-token-0123456789"
	h := fnv.New32a()
	h.Write([]byte(token))
	got := f.ok(t, Request{Skill: s, Params: []byte(`{"q":[1,2]}`), Credentials: map[string][]byte{"REPORT_TOKEN": []byte(token)}})
	want := fmt.Sprintf(`{"params": {"q":[1,2]}, "token_length": %d, "token_fnv1a": "%08x"}`+"\n", len(token), h.Sum32())
	if got != want {
		t.Errorf("stdout %q, want %q", got, want)
	}
	if log := f.log.String(); !strings.Contains(log, `"skill":"env-report"`) || !strings.Contains(log, "env-report: 11 bytes of params") {
		t.Errorf("host log %q lacks the skill's line", log)
	}
	res := f.run(t, Request{Skill: s})
	if res.ExitCode != 1 || !strings.Contains(string(res.StderrTail), "REPORT_TOKEN is not set") {
		t.Errorf("without the credential: %+v, stderr %q", res, res.StderrTail)
	}
}

func TestWASMEnvironment(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.addProbe(t, "probe-env", "credentials: [x]\n")
	got := f.ok(t, Request{Skill: s, Params: []byte(`{"mode":"env"}`), Credentials: map[string][]byte{"X_TOKEN": []byte("secret-xyz")}, Env: map[string]string{"HTTPS_PROXY": "http://127.0.0.1:1"}})
	if want := "HTTPS_PROXY=http://127.0.0.1:1\nSKILL_DIR=/skill\nTMPDIR=/tmp\nX_TOKEN=***\n"; got != want {
		t.Errorf("environment %q, want %q", got, want)
	}
	ws := f.addProbe(t, "probe-env-ws", "workspace: read\n")
	if got := f.ok(t, Request{Skill: ws, Params: []byte(`{"mode":"env"}`), Workspace: t.TempDir()}); !strings.Contains(got, "PWD=/workspace\n") {
		t.Errorf("environment with a workspace: %q", got)
	}
}

func TestWASMMasking(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const secret = "wasm-S3cr3t/with+chars&="
	s := f.addProbe(t, "probe-leak", "")
	cred := []byte(secret)
	res := f.run(t, Request{Skill: s, Params: []byte(`{"mode":"leak","var":"LEAK"}`), Credentials: map[string][]byte{"LEAK": cred}})
	out, tail := string(res.Stdout), string(res.StderrTail)
	if strings.Count(out, "***") != 5 || tail != "err: ***\n" {
		t.Errorf("not every form masked:\nstdout %q\nstderr %q", out, tail)
	}
	for _, form := range forms(secret) {
		if strings.Contains(out, form) {
			t.Errorf("form %q leaked: %q", form, out)
		}
	}
	if strings.Trim(string(cred), "\x00") != "" {
		t.Errorf("credential not zeroed: %q", cred)
	}
	// The log host call is masked too.
	f.ok(t, Request{Skill: s, Params: params(t, map[string]string{"mode": "log", "message": "token is " + secret}), Credentials: map[string][]byte{"LEAK": []byte(secret)}})
	if log := f.log.String(); !strings.Contains(log, "token is ***") || strings.Contains(log, "S3cr3t") || !strings.Contains(log, `"level":"warn"`) {
		t.Errorf("host log %q", log)
	}
}

func TestWASMLogLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.addProbe(t, "probe-log", "")
	long := strings.Repeat("é", 5000) // 10000 bytes
	if got := f.ok(t, Request{Skill: s, Params: params(t, map[string]string{"mode": "log", "message": long})}); got != "err=<nil>\n" {
		t.Fatalf("long log: %q", got)
	}
	var line struct{ Message string }
	if err := json.Unmarshal([]byte(strings.TrimSpace(f.log.String())), &line); err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(line.Message, cutMark) || len(line.Message) > 8<<10+len(cutMark) || !strings.HasPrefix(line.Message, "éé") {
		t.Errorf("cut message: %d bytes, ends %q", len(line.Message), line.Message[len(line.Message)-12:])
	}
	big := strings.Repeat("x", 70<<10)
	if got := f.ok(t, Request{Skill: s, Params: params(t, map[string]string{"mode": "log", "message": big})}); !strings.Contains(got, "too large") {
		t.Errorf("log payload over 64 KiB: %q", got)
	}
}

// TestWASMLogRate floods the log host call: the burst of 100 passes, the
// rest of 150 calls in a few milliseconds is refused.
func TestWASMLogRate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.addProbe(t, "probe-flood", "")
	got := f.ok(t, Request{Skill: s, Params: []byte(`{"mode":"flood","n":150}`)})
	var limited int
	if _, err := fmt.Sscanf(got, "limited=%d", &limited); err != nil || limited < 40 || limited > 50 {
		t.Errorf("150 log calls: %q, want about 50 rate limited", got)
	}
	if n := strings.Count(f.log.String(), `"message":"flood"`); n != 150-limited {
		t.Errorf("host log holds %d lines, want %d", n, 150-limited)
	}
}

// TestWASMForbiddenHostCalls calls the agent's methods from a skill.
func TestWASMForbiddenHostCalls(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.addProbe(t, "probe-calls", "")
	for _, m := range []string{"llm.complete", "tool.call", "run.start", "transcript.append", "event.emit", "run.finish", "no.such"} {
		got := f.ok(t, Request{Skill: s, Params: params(t, map[string]string{"mode": "call", "method": m})})
		if !strings.Contains(got, "unknown method") {
			t.Errorf("%s: %q, want unknown method", m, got)
		}
	}
	got := f.ok(t, Request{Skill: s, Params: []byte(`{"mode":"host-params","n":7}`)})
	if got != "mode=host-params n=7 err=<nil>\n" {
		t.Errorf("params.read: %q", got)
	}
}

func TestWASMDeadline(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.addProbe(t, "probe-loop", "timeout: 1\n")
	start := time.Now()
	res := f.run(t, Request{Skill: s, Params: []byte(`{"mode":"loop"}`)})
	if !res.TimedOut || res.ExitCode != -1 || res.Succeeded() || time.Since(start) > 10*time.Second {
		t.Errorf("endless loop: %+v after %v", res, time.Since(start))
	}
	text, _ := res.ToolResult()
	if !strings.Contains(text, "time limit of 1s exceeded") {
		t.Errorf("tool result %q", text)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	res, err := f.exec.Execute(ctx, Request{Skill: s, Params: []byte(`{"mode":"loop"}`)})
	if !errors.Is(err, context.DeadlineExceeded) || res == nil || res.ExitCode != -1 {
		t.Errorf("caller's deadline: %+v, %v", res, err)
	}
}

func TestWASMLimits(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.addProbe(t, "probe-limits", "")
	res := f.run(t, Request{Skill: s, Params: []byte(`{"mode":"spew","n":100000}`), Limits: Limits{OutputLimit: 30000}})
	notice := "\n[output truncated: 70000 bytes omitted]\n"
	if !res.StdoutTruncated || string(res.Stdout) != strings.Repeat("x", 30000)+notice {
		t.Errorf("spew: %d bytes, ends %q", len(res.Stdout), res.Stdout[max(0, len(res.Stdout)-50):])
	}
	res = f.run(t, Request{Skill: s, Params: []byte(`{"mode":"oom"}`), Limits: Limits{Memory: 32 << 20}})
	if !res.OOMKilled || res.Succeeded() {
		t.Errorf("oom: %+v", res)
	}
	got := f.ok(t, Request{Skill: s, Params: []byte(`{"mode":"write","path":"/tmp/f"}`), Limits: Limits{TmpSize: 4}})
	if !strings.Contains(got, "I/O error") {
		t.Errorf("/tmp over its size: %q", got)
	}
	res = f.run(t, Request{Skill: s, Params: []byte(`{"mode":"fail","n":4}`)})
	text, isErr := res.ToolResult()
	if !isErr || text != "partial output\n[skill exited with code 4]\n[stderr]\nsomething went wrong\n" {
		t.Errorf("failing skill: %q", text)
	}
}

// TestWASMConfinement has a WASM skill try to reach the vault, another
// skill, another workspace and host files, and to change its own folder.
func TestWASMConfinement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	vault := filepath.Join(f.state, "workspaces", "w", "credentials.enc.json")
	if err := os.MkdirAll(filepath.Dir(vault), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(vault, []byte("VAULT"), 0o600); err != nil {
		t.Fatal(err)
	}
	other := t.TempDir()
	if err := os.WriteFile(filepath.Join(other, "private.txt"), []byte("OTHER"), 0o600); err != nil {
		t.Fatal(err)
	}
	victim := f.add(t, "victim", "", map[string]string{"execute.sh": "true", "data.txt": "VICTIM"})
	s := f.addProbe(t, "probe-confined", "workspace: write\n")
	ws := t.TempDir()
	read := func(path string) string {
		return f.ok(t, Request{Skill: s, Workspace: ws, Params: params(t, map[string]string{"mode": "read", "path": path})})
	}
	if got := read("/skill/SKILL.md"); !strings.Contains(got, "name: probe-confined") {
		t.Errorf("own SKILL.md: %q", got)
	}
	for _, p := range []string{vault, "/skill/../../workspaces/w/credentials.enc.json", filepath.Join(victim.Dir, "data.txt"),
		"/skills/victim/data.txt", "/skill/../victim/data.txt", filepath.Join(other, "private.txt"), "/workspace/../" + filepath.Base(other) + "/private.txt",
		"/etc/shadow", "/etc/passwd", "/proc/self/environ"} {
		got := read(p)
		if !strings.HasPrefix(got, "|err=") || strings.Contains(got, "<nil>") {
			t.Errorf("read %s: %q", p, got)
		}
	}
	write := func(path string) string {
		return f.ok(t, Request{Skill: s, Workspace: ws, Params: params(t, map[string]string{"mode": "write", "path": path})})
	}
	if got := write("/skill/SKILL.md"); !strings.Contains(got, "Read-only file system") {
		t.Errorf("write own SKILL.md: %q", got)
	}
	if got := write("/workspace/out"); got != "err=<nil>\n" {
		t.Errorf("write workspace: %q", got)
	}
	if data, err := os.ReadFile(filepath.Join(ws, "out")); err != nil || string(data) != "written" {
		t.Errorf("workspace file %q, %v", data, err)
	}
	if _, err := f.exec.Execute(context.Background(), Request{Skill: s, Workspace: f.state, ProtectedPaths: f.protected}); err == nil || !strings.Contains(err.Error(), "protected path") {
		t.Errorf("workspace = state directory: %v", err)
	}
	ro := f.addProbe(t, "probe-ro", "workspace: read\n")
	if got := f.ok(t, Request{Skill: ro, Workspace: ws, Params: []byte(`{"mode":"write","path":"/workspace/x"}`)}); !strings.Contains(got, "Read-only file system") {
		t.Errorf("workspace: read, write: %q", got)
	}
	none := f.addProbe(t, "probe-none", "")
	if got := f.ok(t, Request{Skill: none, Workspace: ws, Params: []byte(`{"mode":"read","path":"/workspace/out"}`)}); strings.Contains(got, "written") {
		t.Errorf("no workspace access, read: %q", got)
	}
}

func TestWASMConcurrentCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.addDir(t, filepath.Join(examples, "env-report"))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			token := fmt.Sprintf("tenant-%d-token-%s", i, strings.Repeat("q", i))
			h := fnv.New32a()
			h.Write([]byte(token))
			res, err := f.exec.Execute(context.Background(), Request{Skill: s, Params: []byte(fmt.Sprint(i)), Credentials: map[string][]byte{"REPORT_TOKEN": []byte(token)}})
			want := fmt.Sprintf(`{"params": %d, "token_length": %d, "token_fnv1a": "%08x"}`+"\n", i, len(token), h.Sum32())
			if err != nil || string(res.Stdout) != want {
				t.Errorf("call %d: %v %q, want %q", i, err, res.Stdout, want)
			}
		}()
	}
	wg.Wait()
}

func TestNoWASMHost(t *testing.T) {
	f := newFixture(t)
	s := f.addProbe(t, "probe-nohost", "")
	if _, err := New(Options{}).Execute(context.Background(), Request{Skill: s}); !errors.Is(err, ErrNoWASMHost) {
		t.Errorf("Execute without a host: %v", err)
	}
	bad := f.add(t, "not-wasm", "", map[string]string{"execute.wasm": "#!/bin/sh\n"})
	if _, err := f.exec.Execute(context.Background(), Request{Skill: bad}); err == nil || !strings.Contains(err.Error(), "compile") {
		t.Errorf("invalid module: %v", err)
	}
}
