package skillrun

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/skills"
)

func TestNativeInterpreters(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const script = `read -r p; echo "sh params=$p dir=$SKILL_DIR pwd=$(pwd) args=$#"; ls "$SKILL_DIR"`
	cases := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"sh-skill", map[string]string{"execute.sh": script}, "sh params={\"n\":1} dir=/skills/sh-skill pwd=/workspace args=0\nSKILL.md\nexecute.sh\n"},
		{"py-skill", map[string]string{"execute.py": "import json, os, sys\np = json.load(sys.stdin)\nprint('py', p['n'] + 1, os.getcwd(), os.environ['SKILL_DIR'], sys.argv[0])\n"},
			"py 2 /workspace /skills/py-skill /skills/py-skill/execute.py\n"},
		{"js-skill", map[string]string{"execute.js": "let d='';process.stdin.on('data',c=>d+=c).on('end',()=>console.log('js', JSON.parse(d).n * 10))\n"}, "js 10\n"},
		{"exec-skill", map[string]string{"execute+x": "#!/bin/sh\nprintf 'exec %s\\n' \"$0\"\n"}, "exec /skills/exec-skill/execute\n"},
		// An archive without modes loses the executable bit: the "#!" line
		// still says how to run it, with its optional argument.
		{"noexec-skill", map[string]string{"execute": "#!/bin/sh -e\nprintf 'noexec %s\\n' \"$0\"\n"}, "noexec /skills/noexec-skill/execute\n"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := f.add(t, tc.name, "", tc.files)
			if s.Kind != skills.Native {
				t.Fatalf("kind %v", s.Kind)
			}
			if got := f.ok(t, Request{Skill: s, Params: []byte(`{"n":1}`)}); got != tc.want {
				t.Errorf("stdout %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNativeNotExecutable(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.add(t, "no-shebang", "", map[string]string{"execute": "echo hi\n"})
	_, err := f.exec.Execute(context.Background(), Request{Skill: s, ProtectedPaths: f.protected})
	if !errors.Is(err, ErrNotExecutable) || !strings.Contains(err.Error(), "no-shebang") || !strings.Contains(err.Error(), "#!") {
		t.Errorf("Execute = %v, want ErrNotExecutable naming the skill and the missing #! line", err)
	}
	inst := f.add(t, "instructions", "", map[string]string{"README.md": "read me"})
	if _, err := f.exec.Execute(context.Background(), Request{Skill: inst}); !errors.Is(err, ErrNotExecutable) {
		t.Errorf("instruction skill: %v", err)
	}
	gone := f.add(t, "gone", "", map[string]string{"execute.sh": "echo hi"})
	if err := os.Remove(filepath.Join(gone.Dir, "execute.sh")); err != nil {
		t.Fatal(err)
	}
	if _, err := f.exec.Execute(context.Background(), Request{Skill: gone}); !errors.Is(err, ErrNotExecutable) {
		t.Errorf("entry point removed: %v", err)
	}
}

// TestMissingInterpreter points execute.js at a program no jail has.
func TestMissingInterpreter(t *testing.T) {
	f := newFixture(t)
	s := f.add(t, "js-missing", "", map[string]string{"execute.js": "console.log(1)"})
	interpreters["execute.js"] = "node-not-installed-here"
	defer func() { interpreters["execute.js"] = "node" }()
	_, err := f.exec.Execute(context.Background(), Request{Skill: s})
	if !errors.Is(err, ErrMissingInterpreter) || !strings.Contains(err.Error(), "node-not-installed-here") || !strings.Contains(err.Error(), "execute.js") {
		t.Errorf("Execute = %v, want ErrMissingInterpreter naming the program and the entry point", err)
	}
}

// TestJailPATH checks that interpreters are looked up in the jail's own
// PATH.
func TestJailPATH(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.add(t, "path", "", map[string]string{"execute.sh": `echo "$PATH"`})
	if got := f.ok(t, Request{Skill: s}); got != jailPATH+"\n" {
		t.Errorf("PATH in the jail = %q, want %q", got, jailPATH)
	}
}

func TestNativeEnvironment(t *testing.T) {
	f := newFixture(t)
	t.Setenv("BULKHEAD_TEST_HOST_ONLY", "host-value")
	s := f.add(t, "env", "credentials: [api]\n", map[string]string{"execute.sh": `env | sort`})
	got := f.ok(t, Request{Skill: s, Credentials: map[string][]byte{"API_TOKEN": []byte("tok-123456")}, Env: map[string]string{"HTTPS_PROXY": "http://127.0.0.1:3128"}})
	want := "API_TOKEN=***\nHOME=/tmp\nHTTPS_PROXY=http://127.0.0.1:3128\nLANG=C.UTF-8\nLOGNAME=root\nPATH=" + jailPATH +
		"\nPWD=/workspace\nSHELL=/bin/bash\nSHLVL=1\nSKILL_DIR=/skills/env\nTERM=dumb\nTMPDIR=/tmp\nUSER=root\n_=/usr/bin/env\n"
	if got != want {
		t.Errorf("environment:\n%s\nwant:\n%s", got, want)
	}
}

// leakScript prints the variable varName raw, in base64 (standard and
// URL-safe unpadded), in hex (both cases), URL-encoded, inside a Basic
// credential, split across two writes, and on stderr whole and split.
func leakScript(varName string) string {
	return fmt.Sprintf(`v="$%[1]s"
echo "raw: $v"
printf '%%s' "$v" | base64 -w0; echo
printf '%%s' "$v" | base64 -w0 | tr '+/' '-_' | tr -d '='; echo
printf '%%s' "$v" | od -An -tx1 | tr -d ' \n'; echo
printf '%%s' "$v" | od -An -tx1 | tr -d ' \n' | tr a-f A-F; echo
python3 -c 'import os, urllib.parse; print(urllib.parse.quote(os.environ["%[1]s"], safe=""))'
printf 'user:%%s' "$v" | base64 -w0; echo
printf '%%s' "${v:0:7}"; sleep 0.2; printf '%%s\n' "${v:7}"
echo "stderr: $v" >&2
printf '%%s' "${v:0:5}" >&2; sleep 0.2; printf '%%s\n' "${v:5}" >&2
`, varName)
}

// forms returns the encodings of v that must never appear in output.
func forms(v string) []string {
	return []string{v, hexOf(v), strings.ToUpper(hexOf(v)), b64(v), b64url(v), urlQuote(v)}
}

func TestNativeMasking(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	const secret = "ghp_S3cr3t/Value+with=chars?&"
	s := f.add(t, "leaky", "credentials: [gh]\n", map[string]string{"execute.sh": leakScript("GH_TOKEN")})
	cred := []byte(secret)
	res := f.run(t, Request{Skill: s, Credentials: map[string][]byte{"GH_TOKEN": cred}})
	out, tail := string(res.Stdout), string(res.StderrTail)
	if strings.Count(out, "***") < 8 || strings.Count(tail, "***") != 2 {
		t.Errorf("expected every form masked:\nstdout %q\nstderr %q", out, tail)
	}
	for _, form := range forms(secret) {
		if strings.Contains(out, form) || strings.Contains(tail, form) {
			t.Errorf("form %q leaked:\nstdout %q\nstderr %q", form, out, tail)
		}
	}
	if strings.Contains(out, "S3cr3t") || strings.Contains(tail, "S3cr3t") {
		t.Errorf("a piece of the secret leaked:\nstdout %q\nstderr %q", out, tail)
	}
	if strings.Trim(string(cred), "\x00") != "" {
		t.Errorf("credential value not zeroed after Execute: %q", cred)
	}
}

func TestNativeTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.add(t, "sleepy", "timeout: 1\n", map[string]string{"execute.sh": "echo started; sleep 30"})
	start := time.Now()
	res := f.run(t, Request{Skill: s})
	if !res.TimedOut || res.Succeeded() || res.Timeout != time.Second || time.Since(start) > 10*time.Second {
		t.Fatalf("result %+v after %v, want a 1 s timeout", res, time.Since(start))
	}
	text, isErr := res.ToolResult()
	if !isErr || text != "started\n[skill stopped: time limit of 1s exceeded]\n" {
		t.Errorf("tool result %q", text)
	}
	// The platform maximum cuts a longer frontmatter timeout.
	e := New(Options{MaxTimeout: 500 * time.Millisecond, ScratchDir: t.TempDir()})
	defer e.Close(context.Background())
	res, err := e.Execute(context.Background(), Request{Skill: s, ProtectedPaths: f.protected})
	if err != nil || !res.TimedOut || res.Timeout != 500*time.Millisecond {
		t.Errorf("with MaxTimeout 500ms: %+v, %v", res, err)
	}
	// Limits.Timeout replaces the frontmatter's.
	res = f.run(t, Request{Skill: s, Limits: Limits{Timeout: 300 * time.Millisecond}})
	if !res.TimedOut || res.Timeout != 300*time.Millisecond {
		t.Errorf("with Limits.Timeout 300ms: %+v", res)
	}
}

func TestNativeDefaultTimeout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.add(t, "quick", "", map[string]string{"execute.sh": "true"})
	if res := f.run(t, Request{Skill: s}); res.Timeout != 30*time.Second {
		t.Errorf("default timeout %v, want 30s", res.Timeout)
	}
}

func TestNativeOutputLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.add(t, "chatty", "", map[string]string{"execute.sh": "head -c 12582912 /dev/zero | tr '\\0' x; head -c 100000 /dev/zero | tr '\\0' e >&2; exit 3"})
	res := f.run(t, Request{Skill: s})
	notice := "\n[output truncated: 2097152 bytes omitted]\n"
	if !res.StdoutTruncated || len(res.Stdout) != 10<<20+len(notice) || !strings.HasSuffix(string(res.Stdout), notice) {
		t.Errorf("stdout %d bytes, truncated %v, ends %q", len(res.Stdout), res.StdoutTruncated, res.Stdout[max(0, len(res.Stdout)-60):])
	}
	if len(res.StderrTail) != DefaultStderrTail || res.ExitCode != 3 {
		t.Errorf("stderr tail %d bytes, exit %d", len(res.StderrTail), res.ExitCode)
	}
	// stderr is capped too, and ends with nsjail's notice.
	res = f.run(t, Request{Skill: s, Limits: Limits{OutputLimit: 1000, StderrTail: 10}})
	if len(res.Stdout) != 1000+len("\n[output truncated: 12581912 bytes omitted]\n") || string(res.StderrTail) != " omitted]\n" {
		t.Errorf("small limits: stdout %d bytes, stderr tail %q", len(res.Stdout), res.StderrTail)
	}
}

func TestNativeTmpSize(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.add(t, "tmp-filler", "", map[string]string{"execute.sh": `head -c 2097152 /dev/zero > /tmp/f && echo fits || echo full`})
	if got := f.ok(t, Request{Skill: s, Limits: Limits{TmpSize: 1 << 20}}); got != "full\n" {
		t.Errorf("2 MiB into a 1 MiB /tmp: %q", got)
	}
	if got := f.ok(t, Request{Skill: s}); got != "fits\n" {
		t.Errorf("2 MiB into the default /tmp: %q", got)
	}
}

func TestNativeMemoryLimit(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.add(t, "hungry", "", map[string]string{"execute.py": "b = bytearray(200 << 20)\nprint(len(b))\n"})
	res := f.run(t, Request{Skill: s, Limits: Limits{Memory: 64 << 20}})
	if res.Succeeded() || !res.OOMKilled {
		t.Errorf("200 MiB under a 64 MiB limit: %+v", res)
	}
	if got := f.ok(t, Request{Skill: s}); got != "209715200\n" {
		t.Errorf("under the default limit: %q", got)
	}
}

// TestNativeConfinement has a skill try to read the vault of its
// workspace and of another, another skill's folder (by its jail path and
// its host path), and host secrets.
func TestNativeConfinement(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	mine := filepath.Join(f.state, "workspaces", "mine")
	other := filepath.Join(f.state, "workspaces", "other")
	for _, ws := range []string{mine, other} {
		if err := os.MkdirAll(filepath.Join(ws, "files"), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(ws, "credentials.enc.json"), []byte("VAULT-CONTENT"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(other, "files", "private.txt"), []byte("OTHER-TENANT"), 0o600); err != nil {
		t.Fatal(err)
	}
	victim := f.add(t, "victim", "", map[string]string{"execute.sh": "true", "data.txt": "VICTIM-SKILL"})
	paths := []string{
		filepath.Join(mine, "credentials.enc.json"),
		filepath.Join(other, "credentials.enc.json"),
		filepath.Join(other, "files", "private.txt"),
		filepath.Join(victim.Dir, "data.txt"),
		"/skills/victim/data.txt",
		"/workspace/../credentials.enc.json",
		"/skills/prober/../victim/data.txt",
		"/etc/shadow",
		"/root/.bash_history",
		"/proc/1/environ",
	}
	// The first path is the control: the skill's own file is readable.
	script := "for p in /skills/prober/own.txt " + strings.Join(paths, " ") + `; do if cat "$p" 2>/dev/null; then echo " READ $p"; fi; done; ls /skills; echo done`
	s := f.add(t, "prober", "workspace: write\n", map[string]string{"execute.sh": script, "own.txt": "OWN"})
	out := f.ok(t, Request{Skill: s, Workspace: filepath.Join(mine, "files")})
	if out != "OWN READ /skills/prober/own.txt\nprober\ndone\n" {
		t.Errorf("the skill reached something outside its mounts:\n%s", out)
	}
	// A workspace that would expose the state directory is refused.
	_, err := f.exec.Execute(context.Background(), Request{Skill: s, Workspace: f.state, ProtectedPaths: f.protected})
	if err == nil || !strings.Contains(err.Error(), "protected path") {
		t.Errorf("workspace = state directory: %v", err)
	}
}

func TestNativeWorkspaceModes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ws := t.TempDir()
	if err := os.WriteFile(filepath.Join(ws, "in.txt"), []byte("data"), 0o644); err != nil {
		t.Fatal(err)
	}
	script := `ls -A /workspace | tr '\n' ' '; cat in.txt 2>/dev/null; if echo x > out.txt 2>/dev/null; then echo " wrote"; else echo " refused"; fi`
	cases := []struct{ mode, want string }{
		{"", " refused\n"},
		{"workspace: none\n", " refused\n"},
		{"workspace: read\n", "in.txt data refused\n"},
		{"workspace: write\n", "in.txt data wrote\n"},
	}
	for i, tc := range cases {
		s := f.add(t, fmt.Sprintf("ws-%d", i), tc.mode, map[string]string{"execute.sh": script})
		if got := f.ok(t, Request{Skill: s, Workspace: ws}); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.mode, got, tc.want)
		}
	}
	if data, err := os.ReadFile(filepath.Join(ws, "out.txt")); err != nil || string(data) != "x\n" {
		t.Errorf("workspace: write left %q, %v", data, err)
	}
	s := f.add(t, "ws-missing", "workspace: read\n", map[string]string{"execute.sh": "true"})
	if _, err := f.exec.Execute(context.Background(), Request{Skill: s}); !errors.Is(err, ErrInvalidRequest) {
		t.Errorf("workspace: read without Workspace: %v", err)
	}
	entries, _ := filepath.Glob(filepath.Join(os.TempDir(), "bulkhead-skill-*"))
	for _, e := range entries {
		if fi, err := os.Stat(e); err == nil && time.Since(fi.ModTime()) > time.Minute {
			t.Logf("old scratch directory left by another process: %s", e)
		}
	}
}

func TestNativeSkillMounts(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	lib := f.add(t, "lib", "", map[string]string{"helper.sh": "echo from-lib"})
	s := f.add(t, "uses-lib", "", map[string]string{"execute.sh": "ls /skills | tr '\\n' ' '; sh /skills/lib/helper.sh; touch /skills/lib/x 2>/dev/null || echo ro"})
	if got := f.ok(t, Request{Skill: s, SkillMounts: []*skills.Skill{lib}}); got != "lib uses-lib from-lib\nro\n" {
		t.Errorf("stdout %q", got)
	}
}

// TestConcurrentCredentials runs one skill enabled in two workspaces at
// once, each call with its own credential; each sees only its own.
func TestConcurrentCredentials(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	s := f.add(t, "whoami", "credentials: [svc]\nworkspace: write\n", map[string]string{
		"execute.sh": `printf '%s' "$SVC_TOKEN" | sha256sum | cut -d' ' -f1; echo "$SVC_TOKEN"; cat marker.txt`,
	})
	var wg sync.WaitGroup
	for i := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ws := t.TempDir()
			marker := fmt.Sprintf("tenant-%d", i)
			os.WriteFile(filepath.Join(ws, "marker.txt"), []byte(marker), 0o644)
			token := fmt.Sprintf("token-of-tenant-%d-%s", i, strings.Repeat("z", i))
			sum := sha256.Sum256([]byte(token))
			res, err := f.exec.Execute(context.Background(), Request{Skill: s, Workspace: ws, ProtectedPaths: f.protected,
				Credentials: map[string][]byte{"SVC_TOKEN": []byte(token)}})
			if err != nil {
				t.Errorf("call %d: %v", i, err)
				return
			}
			if want := hex.EncodeToString(sum[:]) + "\n***\n" + marker; string(res.Stdout) != want {
				t.Errorf("call %d: %q, want %q", i, res.Stdout, want)
			}
		}()
	}
	wg.Wait()
}
