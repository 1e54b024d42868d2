package main

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// TestDemoUnprivileged runs the demo's task (the recorded session on a
// copy of testdata/project) with the real CLI as an ordinary user the test
// creates: the agent reads, greps, runs the test suite in the jail twice,
// edits and writes; the project is fixed and every file it made belongs to
// that user. This host has no delegated cgroup for the user, so the run
// opts out of cgroup limits explicitly (BULKHEAD_JAIL_CGROUP=none), as
// scripts/demo.sh does there, and is warned (TestSandboxUnprivileged
// checks the refusal without the opt-out).
func TestDemoUnprivileged(t *testing.T) {
	t.Parallel()
	uid, gid := testUser(t)
	bin := userExecutable(t, binary)
	home, err := os.MkdirTemp("", "bulkhead-demo-user-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(home) })
	project := filepath.Join(home, "project")
	if err := os.CopyFS(project, os.DirFS("../../testdata/project")); err != nil {
		t.Fatal(err)
	}
	cassette := filepath.Join(home, "cassette.json")
	data, err := os.ReadFile("../../testdata/demo/cassette.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(cassette, data, 0o644); err != nil {
		t.Fatal(err)
	}
	filepath.Walk(home, func(p string, _ os.FileInfo, _ error) error { return os.Lchown(p, uid, gid) })
	run := func(extraEnv ...string) (string, string, int) {
		cmd := exec.Command(bin, "run", "--replay", cassette, "--workspace", project, "-m",
			"The last page of inventory listings is missing. Find the bug, fix it, make sure the tests pass, and add a CHANGELOG entry.")
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid), Groups: []uint32{}}}
		cmd.Dir = home
		cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + home, "BULKHEAD_STATE_DIR=" + filepath.Join(home, "state")}, extraEnv...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		err := cmd.Run()
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			t.Fatal(err)
		}
		return stdout.String(), stderr.String(), cmd.ProcessState.ExitCode()
	}
	out, errOut, status := run("BULKHEAD_JAIL_CGROUP=none")
	if status != 0 || !strings.Contains(errOut, "BULKHEAD_JAIL_CGROUP=none") {
		t.Fatalf("demo as uid %d: status %d\nstdout %s\nstderr %s", uid, status, out, errOut)
	}
	fixed, err := os.ReadFile(filepath.Join(project, "inventory", "pagination.py"))
	if err != nil || !strings.Contains(string(fixed), fixNew) {
		t.Fatalf("pagination.py not fixed (%v)", err)
	}
	for _, name := range []string{"CHANGELOG.md", "inventory/pagination.py"} {
		fi, err := os.Stat(filepath.Join(project, name))
		if err != nil || fi.Sys().(*syscall.Stat_t).Uid != uint32(uid) {
			t.Errorf("%s: %v, want it owned by uid %d", name, err, uid)
		}
	}
}
