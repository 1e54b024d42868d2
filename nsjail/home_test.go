package nsjail

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestHomePersists mounts Config.Home at /root: HOME and /etc/passwd say
// so, what one call writes there the next reads, and the host sees it.
func TestHomePersists(t *testing.T) {
	t.Parallel()
	cfg := jailConfig(t)
	cfg.Home = t.TempDir()
	out := okBash(t, cfg, `echo "$HOME"; getent passwd root | cut -d: -f6; cd && pwd; mkdir -p .cache/tool && echo cached > .cache/tool/entry; grep ' /root ' /proc/self/mountinfo | cut -d' ' -f6 | cut -d, -f1-3`)
	if want := "/root\n/root\n/root\nrw,nosuid,nodev\n"; out != want {
		t.Errorf("first call: %q, want %q", out, want)
	}
	if out := okBash(t, cfg, "cat ~/.cache/tool/entry"); out != "cached\n" {
		t.Errorf("second call reads %q from the home", out)
	}
	fi, err := os.Stat(filepath.Join(cfg.Home, ".cache/tool/entry"))
	if err != nil {
		t.Fatal(err)
	}
	if st := fi.Sys().(*syscall.Stat_t); st.Uid != 0 || st.Gid != 0 {
		t.Errorf("the home's file belongs to %d:%d on the host, want the home's owner 0:0", st.Uid, st.Gid)
	}
}

// TestTmpDir puts each call's /tmp on disk under Config.TmpDir: private to
// the call, not a tmpfs, and gone afterwards even when the jail left a
// directory nobody may enter; a directory a dead process left there is
// removed by the first call.
func TestTmpDir(t *testing.T) {
	t.Parallel()
	cfg := jailConfig(t)
	cfg.TmpDir = t.TempDir()
	pid, start := deadProcess(t)
	stale := filepath.Join(cfg.TmpDir, fmt.Sprintf("%d-%d-1", pid, start))
	if err := os.MkdirAll(filepath.Join(stale, "sub"), 0o700); err != nil {
		t.Fatal(err)
	}
	live := filepath.Join(cfg.TmpDir, "not-a-call")
	if err := os.Mkdir(live, 0o700); err != nil {
		t.Fatal(err)
	}
	out := okBash(t, cfg, `echo "$TMPDIR"; stat -f -c %T /tmp; ls -A /tmp | wc -l; echo a > /tmp/a; mkdir -p /tmp/locked/deep && touch /tmp/locked/deep/f && chmod 000 /tmp/locked/deep /tmp/locked; ls -d /tmp/a`)
	if lines := strings.Split(out, "\n"); len(lines) < 4 || lines[0] != "/tmp" || lines[1] == "tmpfs" || lines[2] != "0" || lines[3] != "/tmp/a" {
		t.Errorf("first call: %q, want /tmp on disk, empty at start", out)
	}
	if out := okBash(t, cfg, "ls -A /tmp | wc -l"); out != "0\n" {
		t.Errorf("second call sees %q entries in /tmp, want a fresh one", out)
	}
	entries, err := os.ReadDir(cfg.TmpDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 || entries[0].Name() != "not-a-call" {
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		t.Errorf("TmpDir holds %v after the calls, want only not-a-call (per-call and stale directories removed)", names)
	}
}

// TestBindOverUsr binds a directory read-only over /usr/local, which the
// jail's read-only /usr has: the jail sees the bound files there and
// cannot write them.
func TestBindOverUsr(t *testing.T) {
	t.Parallel()
	tool := t.TempDir()
	if err := os.WriteFile(filepath.Join(tool, "VERSION"), []byte("go1.99\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg := jailConfig(t)
	cfg.Binds = []Bind{{Source: tool, Target: "/usr/local", ReadOnly: true}}
	res := mustBash(t, cfg, "ls /usr/local; cat /usr/local/VERSION; touch /usr/local/x")
	if string(res.Stdout) != "VERSION\ngo1.99\n" || !strings.Contains(string(res.Stderr), "Read-only file system") {
		t.Errorf("stdout %q stderr %q", res.Stdout, res.Stderr)
	}
}
