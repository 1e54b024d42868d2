package nsjail

import (
	"os"
	"path/filepath"
	"syscall"
	"testing"
)

// TestWorkspaceOwnedByUser mounts a workspace owned by uid 1000 (no such
// account is needed): the owner's files, mode 0600, are the jail root's;
// what the jail creates belongs to 1000:1000 on the host; a root-owned
// file in it is nobody's inside. A second call reuses the cached owner
// namespace.
func TestWorkspaceOwnedByUser(t *testing.T) {
	t.Parallel()
	const owner = 1000
	cfg := jailConfig(t)
	ws := cfg.Workspace
	if err := os.Chown(ws, owner, owner); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(ws, 0o700); err != nil {
		t.Fatal(err)
	}
	mine := filepath.Join(ws, "mine.txt")
	if err := os.WriteFile(mine, []byte("owner's\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(mine, owner, owner); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ws, "roots.txt"), []byte("root's\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for i := range 2 {
		out := okBash(t, cfg, `stat -c '%u:%g %a' . mine.txt roots.txt; head -1 mine.txt; echo more >> mine.txt; mkdir -p made; echo x > made/f`+string(rune('0'+i)))
		if want := "0:0 700\n0:0 600\n65534:65534 644\nowner's\n"; out != want {
			t.Errorf("call %d: jail view %q, want %q", i, out, want)
		}
	}
	for _, p := range []string{"mine.txt", "made", "made/f0", "made/f1"} {
		fi, err := os.Stat(filepath.Join(ws, p))
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); st.Uid != owner || st.Gid != owner {
			t.Errorf("%s belongs to %d:%d on the host, want %d:%d", p, st.Uid, st.Gid, owner, owner)
		}
	}
	if data, _ := os.ReadFile(mine); string(data) != "owner's\nmore\nmore\n" {
		t.Errorf("mine.txt = %q", data)
	}
}
