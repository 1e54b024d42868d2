package nsjail

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestEnvironmentAllowlist(t *testing.T) {
	t.Setenv("BULKHEAD_TEST_HOST_SECRET", "hunter2-host-only")
	cfg := jailConfig(t)
	cfg.Env = map[string]string{"GREETING": "hello", "LANG": "C"}
	out := okBash(t, cfg, "env; echo ---; cat /proc/*/environ 2>/dev/null | tr '\\0' '\\n'; cat /proc/1/environ 2>/dev/null && echo INIT-ENV-READABLE; true")
	env, _, _ := strings.Cut(out, "---\n")
	if strings.Contains(out, "hunter2") || strings.Contains(out, "BULKHEAD_TEST_HOST_SECRET") || strings.Contains(out, "INIT-ENV-READABLE") {
		t.Errorf("host or init stage environment reachable in the jail:\n%s", out)
	}
	var names []string
	for _, line := range strings.Split(strings.TrimSpace(env), "\n") {
		name, _, _ := strings.Cut(line, "=")
		names = append(names, name)
	}
	slices.Sort(names)
	// PWD, SHLVL and _ are set by bash itself.
	want := []string{"GREETING", "HOME", "LANG", "LOGNAME", "PATH", "PWD", "SHELL", "SHLVL", "TERM", "TMPDIR", "USER", "_"}
	if !slices.Equal(names, want) {
		t.Errorf("variables = %v, want %v", names, want)
	}
	for _, kv := range []string{"GREETING=hello", "LANG=C", "HOME=/tmp", "TERM=dumb", "PATH=" + jailPath} {
		if !strings.Contains(env, kv+"\n") {
			t.Errorf("env lacks %s:\n%s", kv, env)
		}
	}
}

func TestHome(t *testing.T) {
	t.Parallel()
	out := okBash(t, jailConfig(t), `echo "$HOME"; cd ~ && pwd; id -un; touch ~/.dotfile && echo ok`)
	if out != "/tmp\n/tmp\nroot\nok\n" {
		t.Errorf("got %q", out)
	}
}

func TestHostname(t *testing.T) {
	t.Parallel()
	hostBefore, err := os.Hostname()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct{ set, want string }{
		{"", DefaultHostname},
		{"tenant-a.example", "tenant-a.example"},
	}
	for _, tc := range tests {
		cfg := jailConfig(t)
		cfg.Hostname = tc.set
		out := okBash(t, cfg, "hostname; cat /proc/sys/kernel/domainname; grep -c "+tc.want+" /etc/hosts; hostname evil 2>/dev/null; hostname")
		lines := strings.Split(out, "\n")
		if len(lines) < 4 || lines[0] != tc.want || lines[1] != "(none)" || lines[2] != "1" {
			t.Errorf("Hostname %q: got %q", tc.set, out)
		}
	}
	if hostAfter, _ := os.Hostname(); hostAfter != hostBefore {
		t.Errorf("host hostname changed from %q to %q", hostBefore, hostAfter)
	}
}

func TestPIDNamespace(t *testing.T) {
	t.Parallel()
	out := okBash(t, jailConfig(t), "echo $$; test -e /proc/1 && echo PID1-VISIBLE; ps -e -o pid=,comm=; exit 0") // exit keeps bash from exec-ing ps
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 2 {
		t.Fatalf("got %q", out)
	}
	bashPID, err := strconv.Atoi(lines[0])
	if err != nil || bashPID < 2 || bashPID > 64 {
		t.Errorf("bash PID = %q, want a small PID in a new namespace", lines[0])
	}
	var pids []int
	for _, l := range lines[1:] {
		f := strings.Fields(l)
		pid, _ := strconv.Atoi(f[0])
		pids = append(pids, pid)
	}
	// bash ($$) and ps; the init stage (PID 1) is hidden by hidepid, and
	// nothing of the host is there.
	if len(pids) != 2 || !slices.Contains(pids, bashPID) || slices.Contains(pids, 1) {
		t.Errorf("processes in the jail:\n%s\nwant only bash and ps", strings.Join(lines[1:], "\n"))
	}
}

func TestNetworkIsolation(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	accepted := make(chan struct{}, 1)
	go func() {
		if c, err := ln.Accept(); err == nil {
			c.Close()
			accepted <- struct{}{}
		}
	}()
	cmd := fmt.Sprintf("grep -o '^ *[a-z0-9]*:' /proc/net/dev | tr -d ' '; exec 3<>/dev/tcp/127.0.0.1/%d && echo CONNECTED", port)
	res := mustBash(t, jailConfig(t), cmd)
	if res.ExitCode == 0 || strings.Contains(string(res.Stdout), "CONNECTED") {
		t.Errorf("the jail reached the host's listener: stdout %q", res.Stdout)
	}
	// "Connection refused" (not "Network is unreachable") shows the jail's
	// own loopback is up and answered instead of the host's.
	if !strings.Contains(string(res.Stderr), "Connection refused") {
		t.Errorf("stderr = %q, want the jail's loopback to refuse the connection", res.Stderr)
	}
	if got := string(res.Stdout); got != "lo:\n" {
		t.Errorf("interfaces = %q, want only lo", got)
	}
	select {
	case <-accepted:
		t.Error("host listener accepted a connection from the jail")
	case <-time.After(200 * time.Millisecond):
	}
}

func TestHostFilesHidden(t *testing.T) {
	t.Parallel()
	secretDir := t.TempDir()
	secret := filepath.Join(secretDir, "secret.txt")
	if err := os.WriteFile(secret, []byte("top secret"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{"/etc/shadow", "/root", "/home", "/etc/hostname", secret, secretDir, "/sys", "/oldroot", "/newroot", "/var", "/run", "/etc/ssh"} {
		out := okBash(t, jailConfig(t), fmt.Sprintf("cat %q 2>&1; ls %q 2>&1; test -e %q && echo EXISTS; true", path, path, path))
		if strings.Contains(out, "EXISTS") || strings.Contains(out, "top secret") {
			t.Errorf("%s is reachable in the jail:\n%s", path, out)
		}
	}
	if out := okBash(t, jailConfig(t), "cat /etc/passwd"); strings.Count(out, "\n") != 2 {
		t.Errorf("/etc/passwd is not the synthesized one:\n%s", out)
	}
}

func TestRootLayout(t *testing.T) {
	t.Parallel()
	plan, err := planRootfs()
	if err != nil {
		t.Fatal(err)
	}
	wantRoot := []string{"dev", "etc", "proc", "tmp", "usr", "workspace"}
	for _, l := range plan.Links {
		wantRoot = append(wantRoot, l.Name)
	}
	slices.Sort(wantRoot)
	wantEtc := []string{"group", "hosts", "nsswitch.conf", "passwd"}
	for _, f := range []struct{ host, name string }{{plan.LdSoCache, "ld.so.cache"}, {plan.ResolvConf, "resolv.conf"}, {plan.Certs, "ssl"}, {plan.Alternatives, "alternatives"}} {
		if f.host != "" {
			wantEtc = append(wantEtc, f.name)
		}
	}
	slices.Sort(wantEtc)
	wantDev := []string{"fd", "full", "null", "ptmx", "pts", "random", "shm", "stderr", "stdin", "stdout", "tty", "urandom", "zero"}
	tests := []struct {
		dir  string
		want []string
	}{
		{"/", wantRoot},
		{"/etc", wantEtc},
		{"/dev", wantDev},
	}
	for _, tc := range tests {
		out := okBash(t, jailConfig(t), "ls -A "+tc.dir)
		if got := strings.Fields(out); !slices.Equal(got, tc.want) {
			t.Errorf("ls %s = %v, want %v", tc.dir, got, tc.want)
		}
	}
	if plan.Certs != "" {
		okBash(t, jailConfig(t), "test -s /etc/ssl/certs/ca-certificates.crt || ls /etc/ssl/certs | grep -q .")
	}
}

func TestDevices(t *testing.T) {
	t.Parallel()
	out := okBash(t, jailConfig(t), "echo x > /dev/null && echo null-ok; head -c 16 /dev/urandom | wc -c; head -c 4 /dev/zero | wc -c; "+
		"echo x > /dev/full 2>/dev/null || echo full-ok; cat /dev/tty 2>/dev/null || echo no-tty; echo fd > /dev/stdout")
	if out != "null-ok\n16\n4\nfull-ok\nno-tty\nfd\n" {
		t.Errorf("got %q", out)
	}
}

func TestReadOnlyPaths(t *testing.T) {
	t.Parallel()
	for _, path := range []string{"/usr/bulkhead-test", "/bin/bulkhead-test", "/lib/bulkhead-test", "/bulkhead-test", "/etc/bulkhead-test", "/etc/passwd", "/dev/bulkhead-test", "/proc/sys/vm/swappiness", "/etc/ssl/certs/bulkhead-test"} {
		res := mustBash(t, jailConfig(t), fmt.Sprintf("echo 1 > %q", path))
		if res.ExitCode == 0 {
			t.Errorf("writing %s succeeded", path)
		}
		if !strings.Contains(string(res.Stderr), "Read-only file system") {
			t.Errorf("writing %s: stderr %q, want a read-only file system", path, res.Stderr)
		}
	}
	out := okBash(t, jailConfig(t), "echo a > /tmp/f && echo a > /dev/shm/f && echo a > /workspace/f && cat /tmp/f /dev/shm/f /workspace/f")
	if out != "a\na\na\n" {
		t.Errorf("writable mounts: got %q", out)
	}
}

// TestTmpSize reads the sizes of /tmp and /dev/shm (capped at MaxShmSize)
// and fills /tmp past a small limit. The default /tmp is not filled: its
// 1 GiB is more than the default memory limit its pages count against.
func TestTmpSize(t *testing.T) {
	t.Parallel()
	tests := []struct {
		set, tmp, shm int64
	}{
		{0, DefaultTmpSize, MaxShmSize},
		{1 << 20, 1 << 20, 1 << 20},
		{256 << 20, 256 << 20, MaxShmSize},
	}
	for _, tc := range tests {
		cfg := jailConfig(t)
		cfg.TmpSize = tc.set
		out := okBash(t, cfg, "stat -f -c '%b %S' /tmp /dev/shm")
		for i, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var blocks, size int64
			want := []int64{tc.tmp, tc.shm}[i]
			if _, err := fmt.Sscan(line, &blocks, &size); err != nil || blocks*size != want {
				t.Errorf("TmpSize %d: stat -f of %s = %q, want %d bytes", tc.set, []string{"/tmp", "/dev/shm"}[i], line, want)
			}
		}
		if tc.set != 1<<20 {
			continue
		}
		res := mustBash(t, cfg, fmt.Sprintf("head -c %d /dev/zero > /tmp/big", tc.tmp+1))
		if res.ExitCode == 0 || !strings.Contains(string(res.Stderr), "No space left") {
			t.Errorf("TmpSize %d: writing past the limit: exit %d stderr %q", tc.set, res.ExitCode, res.Stderr)
		}
	}
}

func TestWorkspace(t *testing.T) {
	t.Parallel()
	cfg := jailConfig(t)
	if err := os.WriteFile(filepath.Join(cfg.Workspace, "in.txt"), []byte("from host\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	out := okBash(t, cfg, "pwd; cat in.txt; echo from jail > out.txt; mkdir -p sub/dir && echo deep > sub/dir/f; ln -s out.txt link")
	if out != "/workspace\nfrom host\n" {
		t.Errorf("got %q", out)
	}
	for path, want := range map[string]string{"out.txt": "from jail\n", "sub/dir/f": "deep\n", "link": "from jail\n"} {
		data, err := os.ReadFile(filepath.Join(cfg.Workspace, path))
		if err != nil || string(data) != want {
			t.Errorf("host reads %s: %q, %v; want %q", path, data, err, want)
		}
	}
	for path, mode := range map[string]os.FileMode{"out.txt": 0o644, "sub": os.ModeDir | 0o755, "sub/dir/f": 0o644} {
		fi, err := os.Lstat(filepath.Join(cfg.Workspace, path))
		if err != nil {
			t.Fatal(err)
		}
		st := fi.Sys().(*syscall.Stat_t)
		if int(st.Uid) != os.Geteuid() || int(st.Gid) != os.Getegid() || fi.Mode() != mode {
			t.Errorf("%s: owner %d:%d mode %v, want %d:%d %v", path, st.Uid, st.Gid, fi.Mode(), os.Geteuid(), os.Getegid(), mode)
		}
	}
	if err := os.WriteFile(filepath.Join(cfg.Workspace, "out.txt"), []byte("host edit"), 0o644); err != nil {
		t.Errorf("host cannot write a file the jail created: %v", err)
	}
	if err := os.RemoveAll(filepath.Join(cfg.Workspace, "sub")); err != nil {
		t.Errorf("host cannot remove a directory the jail created: %v", err)
	}
}
