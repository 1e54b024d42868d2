package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/nsjail"
)

// envSandboxCLI makes this test binary act as `bulkhead sandbox` with its
// arguments, so the tests drive the command in a process of its own, as a
// user would, whether or not the root command lists it yet.
const envSandboxCLI = "BULKHEAD_TEST_SANDBOX_CLI"

func init() {
	if os.Getenv(envSandboxCLI) == "" {
		return
	}
	cmd := newSandboxCmd(&globals{})
	cmd.SetArgs(os.Args[1:])
	cmd.SilenceUsage = true
	if err := cmd.Execute(); err != nil {
		fmt.Fprintln(os.Stderr, "bulkhead:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

// sandboxCLI runs `bulkhead sandbox ARGS…` in dir with stdin and returns
// stdout, stderr and the exit status.
func sandboxCLI(t *testing.T, dir, stdin string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(os.Args[0], args...)
	cmd.Env = append(os.Environ(), envSandboxCLI+"=1")
	cmd.Dir = dir
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
}

func TestSandboxExec(t *testing.T) {
	t.Parallel()
	ws := t.TempDir()
	if err := os.WriteFile(filepath.Join(ws, "in.txt"), []byte("workspace file\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	data, home, tmpDir := t.TempDir(), t.TempDir(), t.TempDir()
	fsType, err := exec.Command("stat", "-f", "-c", "%T", tmpDir).Output()
	if err != nil {
		t.Fatal(err)
	}
	hostFSType := string(fsType) // the jail's /tmp is on TmpDir's filesystem
	if err := os.WriteFile(filepath.Join(data, "f"), []byte("bound\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		stdin      string
		args       []string
		wantOut    string
		wantErr    string // substring of stderr
		wantStatus int
	}{
		{"streams and status", "", []string{"exec", "--", "/bin/sh", "-c", "echo out; echo err >&2; exit 7"}, "out\n", "err\n", 7},
		{"stdin", "hello\n", []string{"exec", "--", "cat"}, "hello\n", "", 0},
		{"workspace defaults to the current directory", "", []string{"exec", "--", "sh", "-c", "pwd; cat in.txt"}, "/workspace\nworkspace file\n", "", 0},
		{"limits reach the jail", "", []string{"exec", "--pids", "32", "--memory", "64M", "--cpu", "0.5", "--", "bash", "-c", "ulimit -u"}, "32\n", "", 0},
		{"home and tmp size", "", []string{"exec", "--home", home, "--tmp-size", "8M", "--", "sh", "-c", "echo $HOME; touch ~/kept; stat -f -c '%b %S' /tmp"}, "/root\n2048 4096\n", "", 0},
		{"tmp on disk", "", []string{"exec", "--tmp-dir", tmpDir, "--", "stat", "-f", "-c", "%T", "/tmp"}, hostFSType, "", 0},
		{"no cgroup", "", []string{"exec", "--cgroup", "none", "--", "true"}, "", "warning: --cgroup none", 0},
		{"invalid cgroup", "", []string{"exec", "--cgroup", "v3", "--", "true"}, "", "--cgroup", exitUsage},
		{"invalid tmp size", "", []string{"exec", "--tmp-size", "big", "--", "true"}, "", "--tmp-size", exitUsage},
		{"read-only bind", "", []string{"exec", "--bind", data + ":/data:ro", "--", "sh", "-c", "cat /data/f; echo x > /data/f"}, "bound\n", "Read-only file system", 2},
		{"network none", "", []string{"exec", "--net", "none", "--", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/1"}, "", "Network is unreachable", 1},
		{"timeout", "", []string{"exec", "--timeout", "500ms", "--", "sleep", "30"}, "", "timed out after 500ms", exitTimedOut},
		{"out of memory", "", []string{"exec", "--memory", "32M", "--", "sh", "-c", "head -c 512M /dev/zero | tail"}, "", "out of memory: the jail reached its limit of 32M", 137},
		{"signal", "", []string{"exec", "--", "sh", "-c", "kill -TERM $$"}, "", "command killed by SIGTERM", 143},
		{"command not found", "", []string{"exec", "--", "no-such-command-xyz"}, "", "no-such-command-xyz", exitNotFound},
		{"invalid network", "", []string{"exec", "--net", "host", "--", "true"}, "", "Network", exitUsage},
		{"invalid memory", "", []string{"exec", "--memory", "lots", "--", "true"}, "", "--memory", exitUsage},
		{"protected bind", "", []string{"exec", "--bind", "/etc:/data", "--", "true"}, "", "protected path", exitUsage},
		{"no command", "", []string{"exec"}, "", "requires at least 1 arg", 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			out, errOut, status := sandboxCLI(t, ws, tc.stdin, tc.args...)
			if out != tc.wantOut || !strings.Contains(errOut, tc.wantErr) || status != tc.wantStatus {
				t.Errorf("stdout %q stderr %q status %d, want stdout %q stderr containing %q status %d", out, errOut, status, tc.wantOut, tc.wantErr, tc.wantStatus)
			}
		})
	}
}

func TestSandboxCheck(t *testing.T) {
	t.Parallel()
	out, errOut, status := sandboxCLI(t, t.TempDir(), "", "check")
	if status != 0 {
		t.Fatalf("check exited %d: %s%s", status, out, errOut)
	}
	for _, check := range []string{"kernel", "privilege", "userns.sysctl", "userns.probe", "cgroup", "idmap", "seccomp", "loopback", "jail", "quota"} {
		found := false
		for _, line := range strings.Split(out, "\n") {
			if f := strings.Fields(line); len(f) >= 2 && f[0] == check && f[1] == "ok" {
				found = true
			}
		}
		if !found {
			t.Errorf("no ok line for %s in:\n%s", check, out)
		}
	}
	out, errOut, status = sandboxCLI(t, t.TempDir(), "", "check", "--json", "--cgroup", "none")
	var report checkReport
	if err := json.Unmarshal([]byte(out), &report); err != nil || status != 0 || !report.Healthy {
		t.Fatalf("check --json: status %d, %v, report %+v, stderr %s", status, err, report, errOut)
	}
	for _, f := range report.Findings {
		if f.Check == "cgroup" && (f.Status != nsjail.StatusWarn || f.Fix == "") {
			t.Errorf("cgroup finding with --cgroup none: %+v, want a warning with a fix", f)
		}
	}
	if _, errOut, status := sandboxCLI(t, t.TempDir(), "", "check", "--cgroup", "v3"); status != exitUsage || !strings.Contains(errOut, "--cgroup") {
		t.Errorf("check --cgroup v3: status %d stderr %q", status, errOut)
	}
}

// TestSandboxUnprivileged runs the real CLI as an ordinary user the test
// creates (useradd), started with that user's credentials as a login
// would: the jail runs with --cgroup none and warns, the default refuses
// for want of a delegated cgroup and names the opt-out, and check says so.
func TestSandboxUnprivileged(t *testing.T) {
	t.Parallel()
	uid, gid := testUser(t)
	bin := userExecutable(t, binary)
	ws, err := os.MkdirTemp("", "bulkhead-unpriv-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(ws) })
	if err := os.Chown(ws, uid, gid); err != nil {
		t.Fatal(err)
	}
	run := func(args ...string) (string, string, int) {
		cmd := exec.Command(bin, args...)
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}}
		cmd.Dir = ws
		cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "HOME=" + ws + "-home", "BULKHEAD_STATE_DIR=" + ws + "-state"}
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
	}
	out, errOut, status := run("sandbox", "exec", "--cgroup", "none", "--", "sh", "-c", "id -u; touch made")
	if out != "0\n" || status != 0 || !strings.Contains(errOut, "warning: --cgroup none") {
		t.Errorf("exec --cgroup none: stdout %q stderr %q status %d", out, errOut, status)
	}
	if fi, err := os.Stat(filepath.Join(ws, "made")); err != nil || fi.Sys().(*syscall.Stat_t).Uid != uint32(uid) {
		t.Errorf("the jail's file: %v, want it owned by uid %d", err, uid)
	}
	if _, errOut, status := run("sandbox", "exec", "--", "true"); status != exitSetupFailed || !strings.Contains(errOut, "setup step cgroup") || !strings.Contains(errOut, "--cgroup none") {
		t.Errorf("exec without a delegated cgroup: stderr %q status %d, want a refusal naming --cgroup none", errOut, status)
	}
	out, _, status = run("sandbox", "check", "--json")
	var report checkReport
	if err := json.Unmarshal([]byte(out), &report); err != nil || status != 1 || report.Healthy {
		t.Fatalf("check --json: status %d, %v, %s", status, err, out)
	}
	for _, f := range report.Findings {
		if f.Check == "cgroup" && (f.Status != nsjail.StatusFail || !strings.Contains(f.Fix, "Delegate=yes")) {
			t.Errorf("cgroup finding %+v, want a failure naming the delegation", f)
		}
		if f.Check == "jail" && !strings.Contains(f.Detail, `without cgroup limits (Cgroup "none") the jail runs`) {
			t.Errorf("jail finding %+v, want it to say the opt-out works", f)
		}
		if f.Check == "quota" && (f.Status != nsjail.StatusWarn || !strings.Contains(f.Detail, "need root")) {
			t.Errorf("quota finding %+v, want a warning that quotas need root", f)
		}
	}
	if out, errOut, status := run("sandbox", "check", "--cgroup", "none"); status != 0 {
		t.Errorf("check --cgroup none as an ordinary user: status %d\n%s%s", status, out, errOut)
	}
}

// testUsers numbers the users testUser creates, so that parallel tests
// get their own.
var testUsers atomic.Int32

// testUser creates an ordinary host user with useradd(8) (a system
// account without a home), removed with userdel at the end of the test.
func testUser(t *testing.T) (uid, gid int) {
	t.Helper()
	name := fmt.Sprintf("bhcli%d-%d", os.Getpid()%1000000, testUsers.Add(1))
	var out []byte
	var err error
	for range 20 { // useradd fails while another process holds /etc/passwd's lock
		if out, err = exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", name).CombinedOutput(); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		t.Fatalf("useradd %s: %v: %s", name, err, out)
	}
	t.Cleanup(func() {
		// The user's last processes (a jail being torn down) may still be
		// exiting: userdel refuses while they run.
		var out []byte
		var err error
		for range 50 {
			if out, err = exec.Command("userdel", name).CombinedOutput(); err == nil || !strings.Contains(string(out), "currently used by process") {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if err != nil {
			t.Errorf("userdel %s: %v: %s", name, err, out)
		}
	})
	u, err := user.Lookup(name)
	if err != nil {
		t.Fatal(err)
	}
	uid, _ = strconv.Atoi(u.Uid)
	gid, _ = strconv.Atoi(u.Gid)
	return uid, gid
}

// userExecutable copies the binary at path into a directory any user may
// enter, removed at the end of the test.
func userExecutable(t *testing.T, path string) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "bulkhead-bin-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	dst := filepath.Join(dir, "bulkhead")
	if err := os.WriteFile(dst, data, 0o755); err != nil {
		t.Fatal(err)
	}
	return dst
}

func TestParseSize(t *testing.T) {
	tests := []struct {
		in   string
		want int64
		ok   bool
	}{
		{"512", 512, true},
		{"256M", 256 << 20, true},
		{"256m", 256 << 20, true},
		{"64MiB", 64 << 20, true},
		{"1G", 1 << 30, true},
		{"1.5G", 3 << 29, true},
		{"512k", 512 << 10, true},
		{"2KB", 2048, true},
		{"100b", 100, true},
		{"", 0, false},
		{"M", 0, false},
		{"-1M", 0, false},
		{"lots", 0, false},
		{"1e30G", 0, false},
	}
	for _, tc := range tests {
		got, err := parseSize(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSize(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	for n, want := range map[int64]string{512 << 20: "512M", 1 << 30: "1G", 1536: "1536", 3 << 10: "3K", 1000: "1000"} {
		if got := formatSize(n); got != want {
			t.Errorf("formatSize(%d) = %q, want %q", n, got, want)
		}
	}
}

func TestParseBind(t *testing.T) {
	tests := []struct {
		in   string
		want nsjail.Bind
		ok   bool
	}{
		{"/srv/data:/data", nsjail.Bind{Source: "/srv/data", Target: "/data"}, true},
		{"/srv/data:/data:ro", nsjail.Bind{Source: "/srv/data", Target: "/data", ReadOnly: true}, true},
		{"/srv/data:/data:rw", nsjail.Bind{Source: "/srv/data", Target: "/data"}, true},
		{"/srv/data", nsjail.Bind{}, false},
		{"/srv/data:/data:rx", nsjail.Bind{}, false},
		{":/data", nsjail.Bind{}, false},
		{"/srv/data:", nsjail.Bind{}, false},
	}
	for _, tc := range tests {
		got, err := parseBind(tc.in)
		if (err == nil) != tc.ok || (tc.ok && got != tc.want) {
			t.Errorf("parseBind(%q) = %+v, %v; want %+v, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}
