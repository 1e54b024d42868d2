package nsjail

import (
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// copyTree copies the directory src into dst (which exists).
func copyTree(t *testing.T, src, dst string) {
	t.Helper()
	err := filepath.WalkDir(src, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		rel, _ := filepath.Rel(src, path)
		target := filepath.Join(dst, rel)
		if d.IsDir() {
			return os.MkdirAll(target, 0o755)
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		return os.WriteFile(target, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}
}

// goToolchain returns a read-only bind of the host's Go toolchain: at its
// own path when that lies under /usr (over the jail's read-only /usr),
// else at /opt/go.
func goToolchain(t *testing.T) (Bind, string) {
	t.Helper()
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	goroot := strings.TrimSpace(string(out))
	target := goroot
	if !strings.HasPrefix(goroot, "/usr/") {
		target = "/opt/go"
	}
	return Bind{Source: goroot, Target: target, ReadOnly: true}, target
}

// TestGoTestInJail runs `go test ./...` of the module in testdata/gomod in
// a jail, offline, with the host's Go toolchain bound read-only and the
// caches in the persistent home: it passes twice, the build cache is on
// the host after the first call, and the second call reuses it.
func TestGoTestInJail(t *testing.T) {
	t.Parallel()
	bind, goroot := goToolchain(t)
	cfg := Config{
		Workspace: t.TempDir(), Home: t.TempDir(), Binds: []Bind{bind},
		Env:    map[string]string{"GOTOOLCHAIN": "local", "GOPROXY": "off", "GOFLAGS": "-mod=mod"},
		Memory: 2 << 30, CPU: 2, Pids: 512, Timeout: 10 * time.Minute,
	}
	copyTree(t, "testdata/gomod", cfg.Workspace)
	command := "export PATH=" + goroot + "/bin:$PATH; go env GOCACHE GOMODCACHE; go test -count=1 ./..."
	var took [2]time.Duration
	for i := range took {
		start := time.Now()
		out := okBash(t, cfg, command)
		took[i] = time.Since(start)
		want := "/root/.cache/go-build\n/root/go/pkg/mod\n"
		if !strings.HasPrefix(out, want) || !strings.Contains(out, "ok  \texample.com/calc\t") || !strings.Contains(out, "ok  \texample.com/calc/strutil\t") {
			t.Fatalf("call %d: %q, want %q and both packages ok", i, out, want)
		}
		if i == 0 {
			entries, err := os.ReadDir(filepath.Join(cfg.Home, ".cache/go-build"))
			if err != nil || len(entries) < 10 {
				t.Fatalf("the build cache in the home after the first call: %d entries, %v", len(entries), err)
			}
		}
	}
	t.Logf("go test ./... in a jail: first call %v, second call %v", took[0].Round(time.Millisecond), took[1].Round(time.Millisecond))
}

// TestPythonVenv makes a virtual environment in the workspace and installs
// the local package in testdata/pypkg into it, offline (it builds with its
// own PEP 517 backend); a second call imports it.
func TestPythonVenv(t *testing.T) {
	t.Parallel()
	cfg := jailConfig(t)
	cfg.Home = t.TempDir()
	copyTree(t, "testdata/pypkg", filepath.Join(cfg.Workspace, "pypkg"))
	out := okBash(t, cfg, "python3 -m venv venv && venv/bin/pip install --quiet --no-index --no-build-isolation ./pypkg && venv/bin/python -c 'import greet; print(greet.hello(\"jail\"))'")
	if out != "hello, jail\n" {
		t.Errorf("first call: %q", out)
	}
	if out := okBash(t, cfg, "venv/bin/python -c 'import greet, sys; print(greet.hello(sys.prefix))'"); out != "hello, /workspace/venv\n" {
		t.Errorf("second call: %q", out)
	}
}

// TestGitInWorkspace makes a repository and a commit in the workspace,
// with the identity in the persistent home's .gitconfig.
func TestGitInWorkspace(t *testing.T) {
	t.Parallel()
	cfg := jailConfig(t)
	cfg.Home = t.TempDir()
	okBash(t, cfg, "git config --global user.name agent && git config --global user.email agent@example.com")
	out := okBash(t, cfg, "git init -q repo && cd repo && echo x > f && git add f && git commit -qm first && git log --format='%an %s'")
	if out != "agent first\n" {
		t.Errorf("git log: %q", out)
	}
	if _, err := os.Stat(filepath.Join(cfg.Workspace, "repo/.git/HEAD")); err != nil {
		t.Errorf("the repository on the host: %v", err)
	}
	if data, err := os.ReadFile(filepath.Join(cfg.Home, ".gitconfig")); err != nil || !strings.Contains(string(data), "agent@example.com") {
		t.Errorf("the home's .gitconfig: %q, %v", data, err)
	}
}
