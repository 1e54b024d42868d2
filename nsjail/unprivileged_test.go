package nsjail

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// TestUnprivilegedJail runs a jail as an ordinary user created by the
// test, opting out of cgroup limits (this host has no delegated cgroup
// v2): root inside is the user, the workspace is a plain bind whose files
// the user owns, and binds are read-only as asked.
func TestUnprivilegedJail(t *testing.T) {
	t.Parallel()
	a := ordinaryUser(t)
	ws, ro, home, tmp := userDir(t, a), userDir(t, a), userDir(t, a), userDir(t, a)
	if err := os.WriteFile(filepath.Join(ws, "mine"), []byte("user file\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chown(filepath.Join(ws, "mine"), a.uid, a.gid); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(ro, "tool"), []byte("tool\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	o := runAsUser(t, userRequest{
		UID: a.uid, GID: a.gid, Mode: "run",
		Config: Config{Workspace: ws, Home: home, TmpDir: tmp, Cgroup: CgroupNone, Binds: []Bind{{Source: ro, Target: "/opt/tool", ReadOnly: true}}},
		Command: `id -u; id -g; cat /proc/self/uid_map /proc/self/gid_map | tr -s ' ' | sed 's/^ //'; cat mine; echo new > made; mkdir dir; cat /opt/tool/tool; ` +
			`echo cache > ~/.cache-entry; mkdir /tmp/locked && chmod 0 /tmp/locked; ` +
			`echo x > /opt/tool/x 2>/dev/null || echo read-only; grep -E ' /(workspace|opt/tool) ' /proc/self/mountinfo | cut -d' ' -f5,6 | sed 's/,relatime$//'; ` +
			`grep -E '^(CapEff|NoNewPrivs|Seccomp):' /proc/self/status | tr -d '\t'`,
	})
	if o.Error != "" || o.ExitCode != 0 {
		t.Fatalf("outcome %+v", o)
	}
	want := fmt.Sprintf("0\n0\n0 %d 1\n0 %d 1\nuser file\ntool\nread-only\n/workspace rw,nosuid,nodev\n/opt/tool ro,nosuid,nodev\nCapEff:0000000000000000\nNoNewPrivs:1\nSeccomp:2\n", a.uid, a.gid)
	if o.Stdout != want {
		t.Errorf("stdout\n%s\nwant\n%s\n(stderr %q)", o.Stdout, want, o.Stderr)
	}
	if entries, err := os.ReadDir(tmp); err != nil || len(entries) != 0 {
		t.Errorf("TmpDir holds %v (%v) after the call, want nothing", entries, err)
	}
	for _, p := range []string{filepath.Join(ws, "made"), filepath.Join(ws, "dir"), filepath.Join(home, ".cache-entry")} {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if st := fi.Sys().(*syscall.Stat_t); int(st.Uid) != a.uid || int(st.Gid) != a.gid {
			t.Errorf("%s belongs to %d:%d on the host, want the user %d:%d", p, st.Uid, st.Gid, a.uid, a.gid)
		}
	}
}

// TestUnprivilegedCgroupRefused checks that an ordinary user without a
// delegated cgroup v2 subtree is refused before the command runs, with a
// message that names the layer, the fix and the opt-out.
func TestUnprivilegedCgroupRefused(t *testing.T) {
	t.Parallel()
	a := ordinaryUser(t)
	ws := userDir(t, a)
	o := runAsUser(t, userRequest{UID: a.uid, GID: a.gid, Mode: "run", Config: Config{Workspace: ws}, Command: "touch ran"})
	if o.Step != "cgroup" {
		t.Fatalf("outcome %+v, want a refusal in step cgroup", o)
	}
	for _, w := range []string{fmt.Sprintf("uid %d", a.uid), "Delegate=yes", `Config.Cgroup to "none"`} {
		if !strings.Contains(o.Error, w) {
			t.Errorf("error %q lacks %q", o.Error, w)
		}
	}
	if _, err := os.Stat(filepath.Join(ws, "ran")); err == nil {
		t.Error("the command ran despite the refusal")
	}
}

// delegatedCgroup makes a cgroup v2 directory owned by a, as systemd's
// Delegate=yes would (the directory and its cgroup.procs,
// cgroup.subtree_control and cgroup.threads), and removes it and whatever
// the test left in it at the end.
func delegatedCgroup(t *testing.T, a testAccount) string {
	t.Helper()
	h, err := hostCgroups()
	if err != nil {
		t.Fatal(err)
	}
	if h.v2 == "" {
		t.Fatal("no cgroup2 mount on this host")
	}
	dir := filepath.Join(h.v2, fmt.Sprintf("nsjail-test-%d-%d", os.Getpid(), time.Now().UnixNano()))
	if err := os.Mkdir(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { removeCgroupTree(t, dir) })
	for _, p := range []string{dir, dir + "/cgroup.procs", dir + "/cgroup.subtree_control", dir + "/cgroup.threads"} {
		if err := os.Chown(p, a.uid, a.gid); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// removeCgroupTree moves the processes of a cgroup tree to the root of its
// hierarchy and removes its directories, deepest first.
func removeCgroupTree(t *testing.T, dir string) {
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() {
			removeCgroupTree(t, filepath.Join(dir, e.Name()))
		}
	}
	h, _ := hostCgroups()
	data, _ := os.ReadFile(filepath.Join(dir, "cgroup.procs"))
	for _, pid := range strings.Fields(string(data)) {
		_ = os.WriteFile(filepath.Join(h.v2, "cgroup.procs"), []byte(pid), 0)
	}
	if err := removeCgroupDir(dir); err != nil {
		t.Error(err)
	}
}

// TestUnprivilegedDelegatedCgroup runs an ordinary user's jails in a cgroup
// v2 directory delegated to it. On a host whose cgroup2 root has the
// memory, pids and cpu controllers the default jail runs there with its
// limits; on a hybrid host like the CI machine the delegated directory has
// none, so the default jail is refused naming the missing controller, and
// the placement code still runs without controllers: the helper moves
// itself to the supervisor child, the jail is cloned into a leaf under
// bulkhead/ with clone3(CLONE_INTO_CGROUP), killed with cgroup.kill at its
// timeout, and its leaf removed.
func TestUnprivilegedDelegatedCgroup(t *testing.T) {
	t.Parallel()
	a := ordinaryUser(t)
	dir := delegatedCgroup(t, a)
	ws := userDir(t, a)
	o := runAsUser(t, userRequest{UID: a.uid, GID: a.gid, JoinCgroup: dir, Mode: "run", Config: Config{Workspace: ws, Memory: 64 << 20, Pids: 40}, Command: "cat /sys/fs/cgroup/memory.max 2>/dev/null; ulimit -u"})
	controllers, err := readControllers(dir)
	if err != nil {
		t.Fatal(err)
	}
	host, err := hostCgroups()
	if err != nil {
		t.Fatal(err)
	}
	fix := "Delegate=cpu cpuset io memory pids"
	if host.missingV2(cgroupControllers) != "" && host.missingV1(cgroupControllers) == "" {
		fix = "systemd.unified_cgroup_hierarchy=1" // hybrid
	}
	h := cgroupHierarchy{v2: dir, v2Controllers: controllers}
	if missing := h.missingV2(cgroupControllers); missing != "" {
		if o.Step != "cgroup" || !strings.Contains(o.Error, "lacks the "+missing+" controller") || !strings.Contains(o.Error, fix) {
			t.Errorf("outcome %+v, want a refusal naming the missing %s controller and %q", o, missing, fix)
		}
	} else if o.Error != "" || o.ExitCode != 0 || o.Stdout != "40\n" {
		t.Errorf("outcome %+v, want the jail to run with its limits", o)
	}
	bg := uniqueSleepArg(1000)
	o = runAsUser(t, userRequest{UID: a.uid, GID: a.gid, JoinCgroup: dir, Mode: "delegated", Config: Config{Workspace: ws, Timeout: time.Second}, Command: "cat /proc/self/cgroup; sleep " + bg + " & sleep 100"})
	if o.Error != "" || !o.TimedOut || !strings.Contains(o.Stdout, "0::/\n") {
		t.Fatalf("outcome %+v, want a timed-out jail that saw its cgroup namespace root", o)
	}
	assertNoProcess(t, bg)
	if procs := readTrim(t, filepath.Join(dir, "cgroup.procs")); procs != "" {
		t.Errorf("the delegated cgroup still holds processes %q, want them in %s", procs, supervisorCgroup)
	}
	entries, err := os.ReadDir(filepath.Join(dir, cgroupParent))
	if err != nil {
		t.Fatalf("no %s directory under the delegated cgroup: %v", cgroupParent, err)
	}
	for _, e := range entries {
		if e.IsDir() {
			t.Errorf("leaf %s left behind", e.Name())
		}
	}
}

// delegatedHelper runs r.Command as the delegated test's helper: a jail in
// a leaf of the delegated cgroup, with no controller.
func delegatedHelper(ctx context.Context, r userRequest) userOutcome {
	h, err := hostCgroups()
	if err != nil {
		return userOutcome{Step: "helper", Error: err.Error()}
	}
	plan, err := delegatedPlan(h, CgroupV2, nil, ownCgroupV2(), os.Geteuid())
	if err == nil {
		err = prepareDelegated(plan)
	}
	if err != nil {
		return userOutcome{Step: "cgroup", Error: err.Error()}
	}
	cfg := r.Config.withDefaults()
	mounts, err := cfg.resolveMounts()
	if err != nil {
		return userOutcome{Step: "config", Error: err.Error()}
	}
	return outcomeOf(run(ctx, cfg, []string{BashPath, "-c", r.Command}, mounts, plan))
}

// TestUnprivilegedForeignWorkspace checks that an ordinary user's jail
// refuses a workspace (or home) another user owns, which it could not
// write, naming the owner and the fix.
func TestUnprivilegedForeignWorkspace(t *testing.T) {
	t.Parallel()
	a := ordinaryUser(t)
	mine := userDir(t, a)
	foreign := userDir(t, a)
	if err := os.Chown(foreign, 0, 0); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(foreign, 0o777); err != nil {
		t.Fatal(err)
	}
	for _, cfg := range []Config{{Workspace: foreign, Cgroup: CgroupNone}, {Workspace: mine, Home: foreign, Cgroup: CgroupNone}} {
		o := runAsUser(t, userRequest{UID: a.uid, GID: a.gid, Mode: "run", Config: cfg, Command: "touch /workspace/ran"})
		if o.Step != "user" || !strings.Contains(o.Error, foreign+" belongs to uid 0") || !strings.Contains(o.Error, "chown it to uid") {
			t.Errorf("config %+v: outcome %+v, want a refusal naming the owner", cfg, o)
		}
	}
	if _, err := os.Stat(filepath.Join(mine, "ran")); err == nil {
		t.Error("the command ran despite the refusal")
	}
}
