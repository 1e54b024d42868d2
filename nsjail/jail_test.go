package nsjail

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestWorkspaceOwnership checks the idmapped workspace both ways: files the
// host's tools write (as root, mode 0600) are readable and writable inside,
// and files the jail writes belong to host root and stay writable for the
// host. Jail processes run as JailHostID on the host.
func TestWorkspaceOwnership(t *testing.T) {
	t.Parallel()
	cfg := jailConfig(t)
	hostFile := filepath.Join(cfg.Workspace, "host.txt")
	if err := os.WriteFile(hostFile, []byte("from host\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(cfg.Workspace, "hostdir"), 0o700); err != nil {
		t.Fatal(err)
	}
	out := okBash(t, cfg, `stat -c '%u:%g %a' host.txt; cat host.txt; echo appended >> host.txt; echo new > hostdir/jail.txt; mkdir made; echo x > made/f; id -u; grep '^Uid:' /proc/self/status | tr '\t' ' '`)
	if want := "0:0 600\nfrom host\n0\nUid: 0 0 0 0\n"; out != want {
		t.Errorf("jail view = %q, want %q", out, want)
	}
	if data, _ := os.ReadFile(hostFile); string(data) != "from host\nappended\n" {
		t.Errorf("host file = %q, want the jail's append", data)
	}
	for _, p := range []string{"hostdir/jail.txt", "made", "made/f"} {
		fi, err := os.Stat(filepath.Join(cfg.Workspace, p))
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 || st.Gid != 0 {
			t.Errorf("%s is owned by %d:%d on the host, want 0:0", p, st.Uid, st.Gid)
		}
	}
	if err := os.WriteFile(filepath.Join(cfg.Workspace, "made/f"), []byte("host edit"), 0o600); err != nil {
		t.Errorf("host cannot write a file the jail made: %v", err)
	}
	arg := uniqueSleepArg(1)
	done := make(chan struct{})
	go func() {
		defer close(done)
		mustBash(t, jailConfig(t), "sleep "+arg)
	}()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		pids := hostProcessesWith(t, arg)
		if len(pids) > 0 {
			status, err := os.ReadFile("/proc/" + pids[0] + "/status")
			if err != nil {
				t.Fatal(err)
			}
			want := fmt.Sprintf("Uid:\t%d\t%d\t%d\t%d\n", JailHostID, JailHostID, JailHostID, JailHostID)
			if !strings.Contains(string(status), want) {
				t.Errorf("host status of the jailed sleep lacks %q:\n%s", want, status)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("the jailed sleep never appeared on the host")
		}
	}
	<-done
}

func TestAwk(t *testing.T) {
	t.Parallel()
	out := okBash(t, jailConfig(t), `printf 'a 1\nb 2\n' | awk '{s += $2} END {print s}'; readlink -f /usr/bin/awk`)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 2 || lines[0] != "3" || !strings.HasPrefix(lines[1], "/usr/bin/") {
		t.Errorf("awk: %q", out)
	}
}

func TestStreams(t *testing.T) {
	t.Parallel()
	var stdout, stderr bytes.Buffer
	cfg := jailConfig(t)
	cfg.Stdout, cfg.Stderr = &stdout, &stderr
	cfg.Stdin = strings.NewReader("via pipe\n")
	cfg.OutputLimit = 100
	res := mustBash(t, cfg, `cat /dev/stdin; echo to-stdout > /dev/stdout; echo to-stderr > /dev/stderr; head -c 200 /dev/zero | tr '\0' x`)
	if len(res.Stdout) != 0 || len(res.Stderr) != 0 {
		t.Errorf("Result kept output while streaming: %q %q", res.Stdout, res.Stderr)
	}
	full := "via pipe\nto-stdout\n" + strings.Repeat("x", 200)
	wantOut := full[:100] + fmt.Sprintf("\n[output truncated: %d bytes omitted]\n", len(full)-100)
	if stdout.String() != wantOut || !res.StdoutTruncated {
		t.Errorf("stdout = %q (truncated %v), want %q", stdout.String(), res.StdoutTruncated, wantOut)
	}
	if stderr.String() != "to-stderr\n" {
		t.Errorf("stderr = %q", stderr.String())
	}
}

func TestNetworkNone(t *testing.T) {
	t.Parallel()
	cfg := jailConfig(t)
	cfg.Network = NetworkNone
	res := mustBash(t, cfg, `grep -c . /proc/net/dev; exec 3<>/dev/tcp/127.0.0.1/1`)
	if !strings.Contains(string(res.Stderr), "Network is unreachable") {
		t.Errorf("stderr %q, want loopback down", res.Stderr)
	}
}

func TestBinds(t *testing.T) {
	t.Parallel()
	rw, ro := t.TempDir(), t.TempDir()
	file := filepath.Join(t.TempDir(), "tool.conf")
	for path, data := range map[string]string{filepath.Join(rw, "in"): "rw\n", filepath.Join(ro, "in"): "ro\n", file: "conf\n"} {
		if err := os.WriteFile(path, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	cfg := jailConfig(t)
	cfg.Binds = []Bind{
		{Source: rw, Target: "/data/rw"},
		{Source: ro, Target: "/data/ro", ReadOnly: true},
		{Source: file, Target: "/opt/tool/tool.conf", ReadOnly: true},
	}
	res := mustBash(t, cfg, `cat /data/rw/in /data/ro/in /opt/tool/tool.conf; echo out > /data/rw/out; echo x > /data/ro/out; grep -E ' /(data|opt)/' /proc/self/mountinfo | cut -d' ' -f5,6`)
	if want := "rw\nro\nconf\n"; !strings.HasPrefix(string(res.Stdout), want) {
		t.Errorf("stdout %q, want to start with %q", res.Stdout, want)
	}
	for _, w := range []string{"/data/rw rw,nosuid,nodev", "/data/ro ro,nosuid,nodev", "/opt/tool/tool.conf ro,nosuid,nodev"} {
		if !strings.Contains(string(res.Stdout), w) {
			t.Errorf("mount options lack %q:\n%s", w, res.Stdout)
		}
	}
	if data, err := os.ReadFile(filepath.Join(rw, "out")); err != nil || string(data) != "out\n" {
		t.Errorf("read-write bind: host sees %q, %v", data, err)
	}
	if _, err := os.Stat(filepath.Join(ro, "out")); err == nil {
		t.Errorf("read-only bind was written")
	}
}

func TestSetupStepsReported(t *testing.T) {
	t.Parallel()
	res := mustBash(t, jailConfig(t), "true")
	var names []string
	for _, s := range res.steps {
		names = append(names, s.Name)
	}
	if got, want := strings.Join(names, " "), "cgroup mnt uts net rlimit caps seccomp verify"; got != want {
		t.Errorf("steps %q, want %q", got, want)
	}
}

func TestSameJailForBashAndRun(t *testing.T) {
	t.Parallel()
	// Bash is Run with bash -c; both get the defaults from zero fields.
	cfg := jailConfig(t)
	a := okBash(t, cfg, "ulimit -n; ulimit -u; ulimit -f")
	res, err := Run(context.Background(), cfg, []string{"/bin/bash", "-c", "ulimit -n; ulimit -u; ulimit -f"})
	if err != nil || string(res.Stdout) != a {
		t.Fatalf("Run = %q, %v; Bash = %q", res.Stdout, err, a)
	}
	if want := fmt.Sprintf("%d\n%d\n%d\n", DefaultOpenFiles, DefaultPids, DefaultFileSize/1024); a != want {
		t.Errorf("limits %q, want %q", a, want)
	}
}

// TestReadOnlyWorkspaceAndExposedBind runs a jail the way a native skill
// runs: the workspace read-only, and a folder under a protected directory
// bound read-only through ExposeReadOnly.
func TestReadOnlyWorkspaceAndExposedBind(t *testing.T) {
	t.Parallel()
	state := t.TempDir()
	skill := filepath.Join(state, "skills", "one")
	if err := os.MkdirAll(skill, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(skill, "SKILL.md"), []byte("skill\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := jailConfig(t)
	if err := os.WriteFile(filepath.Join(cfg.Workspace, "in"), []byte("ws\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg.WorkspaceReadOnly = true
	cfg.ProtectedPaths = []string{state}
	cfg.ExposeReadOnly = []string{skill}
	cfg.Binds = []Bind{{Source: skill, Target: "/skills/one", ReadOnly: true}}
	res := mustBash(t, cfg, `cat in /skills/one/SKILL.md; pwd; echo x > out || echo ws-refused; echo x > /skills/one/new || echo skill-refused; grep -E ' /(workspace|skills/one) ' /proc/self/mountinfo | cut -d' ' -f5,6`)
	out := string(res.Stdout)
	for _, want := range []string{"ws\nskill\n/workspace\nws-refused\nskill-refused\n", "/workspace ro,nosuid,nodev", "/skills/one ro,nosuid,nodev"} {
		if !strings.Contains(out, want) {
			t.Errorf("stdout lacks %q:\n%s\nstderr: %s", want, out, res.Stderr)
		}
	}
	for _, p := range []string{filepath.Join(cfg.Workspace, "out"), filepath.Join(skill, "new")} {
		if _, err := os.Stat(p); err == nil {
			t.Errorf("%s was written through a read-only mount", p)
		}
	}
}
