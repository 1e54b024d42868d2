package runtime

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"github.com/bulkhead-dev/bulkhead/quota"
)

// bashRun runs the commands, one bash call per turn, in workspace w with
// req's settings, and returns the tool results.
func bashRun(t *testing.T, w *Workspace, req RunRequest, commands ...map[string]any) []ToolCall {
	t.Helper()
	var steps []fakellm.Step
	for _, c := range commands {
		steps = append(steps, fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "bash", Input: c}}})
	}
	srv := fakellm.New(append(steps, fakellm.Step{Text: "done"})...)
	defer srv.Close()
	base := anthropicRequest(srv, "work")
	base.Jail, base.SessionID = req.Jail, req.SessionID
	res, err := w.Run(bg, base)
	if err != nil {
		t.Fatal(err)
	}
	return res.ToolCalls
}

func cmd(c string) map[string]any { return map[string]any{"command": c} }

// TestJailSettingsPerWorkspace: the workspace's limits reach its jails, a
// run may tighten them but not loosen them, the model's bash timeout is
// capped, the home persists across runs, and extra mounts are read-only
// where asked.
func TestJailSettingsPerWorkspace(t *testing.T) {
	p := newTestPlatform(t)
	tool := t.TempDir()
	writeFile(t, filepath.Join(tool, "version"), "tool 1.2\n")
	ws, err := p.CreateWorkspace("w", WorkspaceConfig{
		JailLimits: JailLimits{Pids: 64, Memory: 256 << 20, MaxBashTimeout: Duration(time.Second)},
		Mounts:     []Mount{{Source: tool, Target: "/opt/tool", ReadOnly: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	calls := bashRun(t, ws, RunRequest{SessionID: "a"},
		cmd("ulimit -u; echo $HOME; mkdir -p $HOME/.cache && echo kept > $HOME/.cache/x"),
		cmd("cat /opt/tool/version; touch /opt/tool/new"),
		map[string]any{"command": "sleep 5", "timeout": 100},
	)
	if out := calls[0].Output; !strings.HasPrefix(out, "64\n/root\n") {
		t.Errorf("limits and home: %q", out)
	}
	if out := calls[1].Output; !strings.Contains(out, "tool 1.2") || !strings.Contains(out, "Read-only file system") {
		t.Errorf("mount: %q", out)
	}
	if out := calls[2].Output; !strings.Contains(out, "timed out after 1s") {
		t.Errorf("the model's timeout was not capped: %q", out)
	}
	if got := readFile(t, filepath.Join(ws.HomeDir(), ".cache", "x")); got != "kept\n" {
		t.Errorf("home on the host: %q", got)
	}
	calls = bashRun(t, ws, RunRequest{SessionID: "b", Jail: JailLimits{Pids: 32}}, cmd("ulimit -u; cat $HOME/.cache/x"))
	if out := calls[0].Output; !strings.HasPrefix(out, "32\nkept\n") {
		t.Errorf("a tightened run and the home of an earlier run: %q", out)
	}
	_, err = ws.Run(bg, RunRequest{Message: "x", LLM: unusedLLM{}, Jail: JailLimits{Pids: 128}})
	if !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), "pids may only tighten") {
		t.Errorf("a loosening run: %v", err)
	}
	if err := p.DeleteWorkspace("w"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(ws.HomeDir()); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("home after delete: %v", err)
	}
}

// TestGoTestInAgentBash: the agent's bash runs a real Go module's tests
// offline, with the host's toolchain mounted read-only by the workspace
// config and the build cache in the persistent home; the second run hits
// the cache.
func TestGoTestInAgentBash(t *testing.T) {
	out, err := exec.Command("go", "env", "GOROOT").Output()
	if err != nil {
		t.Fatal(err)
	}
	goroot := strings.TrimSpace(string(out))
	p := newTestPlatform(t)
	ws, err := p.CreateWorkspace("go", WorkspaceConfig{
		JailLimits: JailLimits{Memory: 2 << 30, CPU: 2, Pids: 512, MaxBashTimeout: Duration(10 * time.Minute)},
		Mounts:     []Mount{{Source: goroot, Target: "/opt/go", ReadOnly: true}},
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(ws.FilesDir(), os.DirFS("../nsjail/testdata/gomod")); err != nil {
		t.Fatal(err)
	}
	command := map[string]any{"timeout": 600, "command": "export PATH=/opt/go/bin:$PATH GOTOOLCHAIN=local GOPROXY=off GOFLAGS=-mod=mod; go test -count=1 ./..."}
	var took [2]time.Duration
	for i := range took {
		start := time.Now()
		calls := bashRun(t, ws, RunRequest{}, command)
		took[i] = time.Since(start)
		if out := calls[0].Output; !strings.Contains(out, "ok  \texample.com/calc\t") || !strings.Contains(out, "ok  \texample.com/calc/strutil\t") {
			t.Fatalf("run %d: %q", i+1, out)
		}
	}
	if entries, err := os.ReadDir(filepath.Join(ws.HomeDir(), ".cache", "go-build")); err != nil || len(entries) < 10 {
		t.Fatalf("the build cache in the workspace's home: %d entries, %v", len(entries), err)
	}
	t.Logf("go test ./... in the agent's bash: first run %v, second %v", took[0].Round(time.Millisecond), took[1].Round(time.Millisecond))
}

// TestDiskQuota: a workspace's quota is enforced by the kernel inside its
// jails (a write past it fails), the host and another workspace are
// unaffected, its use is reported, and deleting the workspace removes the
// volume.
func TestDiskQuota(t *testing.T) {
	if err := quota.Available(); err != nil {
		t.Fatalf("this test runs as root on a host with loop devices: %v", err)
	}
	p := newTestPlatform(t)
	ws, err := p.CreateWorkspace("q", WorkspaceConfig{DiskQuota: 32 << 20})
	if err != nil {
		t.Fatal(err)
	}
	other := newTestWorkspace(t, p, "free")
	calls := bashRun(t, ws, RunRequest{}, cmd("head -c 64M /dev/zero > /workspace/big; echo status=$?; head -c 64M /dev/zero > $HOME/big2 || echo home-full"))
	if out := calls[0].Output; !strings.Contains(out, "No space left on device") || !strings.Contains(out, "home-full") {
		t.Errorf("writes past the quota: %q", out)
	}
	u, ok, err := ws.DiskUsage()
	if err != nil || !ok || u.Limit != 32<<20 || u.Used < 16<<20 {
		t.Errorf("usage %+v, %v, %v", u, ok, err)
	}
	calls = bashRun(t, other, RunRequest{}, cmd("head -c 64M /dev/zero > /workspace/big && echo fine"))
	if !strings.Contains(calls[0].Output, "fine") {
		t.Errorf("another workspace: %q", calls[0].Output)
	}
	disk := filepath.Join(ws.Dir(), diskDirName)
	if err := p.DeleteWorkspace("q"); err != nil {
		t.Fatal(err)
	}
	if mi, _ := os.ReadFile("/proc/self/mountinfo"); strings.Contains(string(mi), disk) {
		t.Error("the volume is still mounted after delete")
	}
}

// TestWorkspaceOwnedByAnotherUser: a files directory owned by uid 1000 is
// written by the jail's root, and what it creates belongs to uid 1000.
func TestWorkspaceOwnedByAnotherUser(t *testing.T) {
	p := newTestPlatform(t)
	ws := newTestWorkspace(t, p, "owned")
	if err := os.Chown(ws.FilesDir(), 1000, 1000); err != nil {
		t.Fatal(err)
	}
	calls := bashRun(t, ws, RunRequest{}, cmd("echo hi > made.txt && id -u && stat -c %u made.txt"))
	if out := calls[0].Output; !strings.HasPrefix(out, "0\n0\n") {
		t.Errorf("inside: %q", out)
	}
	fi, err := os.Stat(filepath.Join(ws.FilesDir(), "made.txt"))
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 1000 || st.Gid != 1000 {
		t.Errorf("on the host: owner %d:%d, want 1000:1000", st.Uid, st.Gid)
	}
}
