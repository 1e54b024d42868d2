package nsjail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	seccomp "github.com/elastic/go-seccomp-bpf"
	"golang.org/x/sys/unix"
)

// The fail-closed tests run Run in a helper process (this test binary,
// started with the variables below) whose own seccomp filter makes one
// system call fail, as a host without that feature would. The filter is
// inherited by the jail's init stage, so a layer applied inside fails
// there. The helper prints a failClosedOutcome as JSON.
const (
	envDeny      = "NSJAIL_TEST_DENY"      // "syscall:errno" to deny
	envDenyFlags = "NSJAIL_TEST_DENY_ARG0" // deny only when these bits are set in argument 0
	envSetuid    = "NSJAIL_TEST_SETUID"    // uid to switch to before Run
	envWorkspace = "NSJAIL_TEST_WORKSPACE" // the helper's workspace
)

// failClosedOutcome is what the helper reports.
type failClosedOutcome struct {
	Step  string `json:"step"`
	Error string `json:"error"`
	Ran   bool   `json:"ran"` // the command ran and exited 0
}

func init() {
	ws := os.Getenv(envWorkspace)
	if ws == "" {
		return
	}
	out := failClosedHelper(ws)
	data, _ := json.Marshal(out)
	os.Stdout.Write(data)
	os.Exit(0)
}

// failClosedHelper restricts this process as the environment says and
// runs "touch /workspace/ran" in a default jail.
func failClosedHelper(ws string) failClosedOutcome {
	if spec := os.Getenv(envDeny); spec != "" {
		if err := denySyscall(spec, os.Getenv(envDenyFlags)); err != nil {
			return failClosedOutcome{Step: "helper", Error: err.Error()}
		}
	}
	if uid := os.Getenv(envSetuid); uid != "" {
		var n int
		fmt.Sscan(uid, &n)
		if err := syscall.Setuid(n); err != nil {
			return failClosedOutcome{Step: "helper", Error: err.Error()}
		}
	}
	res, err := Bash(context.Background(), Config{Workspace: ws}, "touch /workspace/ran")
	var se *SetupError
	switch {
	case errors.As(err, &se):
		return failClosedOutcome{Step: se.Step, Error: err.Error()}
	case err != nil:
		return failClosedOutcome{Step: "other", Error: err.Error()}
	}
	return failClosedOutcome{Ran: res.ExitCode == 0}
}

// denySyscall installs a seccomp filter on this process that fails the
// named call with the errno ("mount:EPERM"), only when argument 0 has the
// given bits set if flags is not empty.
func denySyscall(spec, flags string) error {
	name, errName, _ := strings.Cut(spec, ":")
	errnos := map[string]unix.Errno{"EPERM": unix.EPERM, "EINVAL": unix.EINVAL, "ENOSYS": unix.ENOSYS, "EAFNOSUPPORT": unix.EAFNOSUPPORT}
	errno, ok := errnos[errName]
	if !ok {
		return fmt.Errorf("unknown errno %q", errName)
	}
	group := seccomp.SyscallGroup{Action: seccomp.ActionErrno | seccomp.Action(errno)}
	if flags == "" {
		group.Names = []string{name}
	} else {
		var bits uint64
		fmt.Sscan(flags, &bits)
		group.NamesWithCondtions = []seccomp.NameWithConditions{{
			Name:       name,
			Conditions: []seccomp.Condition{{Argument: 0, Operation: seccomp.BitsSet, Value: bits}},
		}}
	}
	return seccomp.LoadFilter(seccomp.Filter{
		NoNewPrivs: true,
		Flag:       seccomp.FilterFlagTSync,
		Policy:     seccomp.Policy{DefaultAction: seccomp.ActionAllow, Syscalls: []seccomp.SyscallGroup{group}},
	})
}

// runFailClosedHelper runs the helper with env and returns its outcome
// and the workspace it used.
func runFailClosedHelper(t *testing.T, env ...string) (failClosedOutcome, string) {
	t.Helper()
	// Directly under the world-accessible temporary directory, unlike
	// t.TempDir, so a helper that dropped root can still reach it.
	ws, err := os.MkdirTemp("", "nsjail-failclosed-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(ws) })
	if err := os.Chmod(ws, 0o777); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), append(env, envWorkspace+"="+ws)...)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	var o failClosedOutcome
	if err := json.Unmarshal(out, &o); err != nil {
		t.Fatalf("helper output %q: %v", out, err)
	}
	return o, ws
}

func TestFailClosed(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		env      []string
		wantStep string
		wantText []string
	}{
		{"no user namespaces", []string{envDeny + "=clone:EPERM", fmt.Sprintf("%s=%d", envDenyFlags, unix.CLONE_NEWUSER)}, "namespaces", []string{"clone(CLONE_NEWUSER|", "operation not permitted"}},
		{"not dumpable after leaving root", []string{envSetuid + "=65534"}, "user", []string{"uid 65534", "not dumpable"}},
		{"no idmapped mounts", []string{envDeny + "=mount_setattr:EINVAL"}, "mnt", []string{"mount_setattr(", "MOUNT_ATTR_IDMAP", "does not support idmapped mounts"}},
		{"no cgroup namespace", []string{envDeny + "=unshare:EPERM"}, "cgroup", []string{"unshare(CLONE_NEWCGROUP)"}},
		{"no mounts", []string{envDeny + "=mount:EPERM"}, "mnt", []string{"mount(", "MS_REC|MS_PRIVATE"}},
		{"no pivot_root", []string{envDeny + "=pivot_root:EPERM"}, "mnt", []string{"pivot_root("}},
		{"no move_mount", []string{envDeny + "=move_mount:EPERM"}, "mnt", []string{"move_mount(", "/workspace"}},
		{"no hostname", []string{envDeny + "=sethostname:EPERM"}, "uts", []string{"sethostname(\"bulkhead\")"}},
		{"no sockets", []string{envDeny + "=socket:EAFNOSUPPORT"}, "net", []string{"socket(AF_INET, SOCK_DGRAM)"}},
		{"no rlimits", []string{envDeny + "=prlimit64:EPERM"}, "rlimit", []string{"setrlimit(RLIMIT_CORE"}},
		{"no capset", []string{envDeny + "=capset:EPERM"}, "caps", []string{"capset("}},
		{"no seccomp", []string{envDeny + "=seccomp:ENOSYS"}, "seccomp", []string{"seccomp(SECCOMP_SET_MODE_FILTER", "function not implemented"}},
		{"verification fails", []string{envDeny + "=uname:EPERM"}, "verify", []string{"uts: uname()"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			o, ws := runFailClosedHelper(t, tc.env...)
			if o.Ran || o.Step != tc.wantStep {
				t.Fatalf("outcome %+v, want a refusal in step %q", o, tc.wantStep)
			}
			for _, w := range tc.wantText {
				if !strings.Contains(o.Error, w) {
					t.Errorf("error %q does not contain %q", o.Error, w)
				}
			}
			if _, err := os.Stat(filepath.Join(ws, "ran")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the command ran despite the refusal (stat: %v)", err)
			}
		})
	}
}

// TestFailClosedHelperBaseline shows that the helper runs the command when
// nothing is denied, so the refusals above come from the denied call.
func TestFailClosedHelperBaseline(t *testing.T) {
	t.Parallel()
	o, ws := runFailClosedHelper(t)
	if !o.Ran || o.Error != "" {
		t.Fatalf("outcome %+v, want the command to run", o)
	}
	if _, err := os.Stat(filepath.Join(ws, "ran")); err != nil {
		t.Errorf("the command did not touch /workspace/ran: %v", err)
	}
}

func TestFailClosedCgroupMode(t *testing.T) {
	t.Parallel()
	h, err := hostCgroups()
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []CgroupMode{CgroupV2, CgroupV1} {
		_, planErr := choosePlan(h, mode, cgroupControllers)
		ws := t.TempDir()
		_, err := Bash(context.Background(), Config{Workspace: ws, Cgroup: mode}, "touch /workspace/ran")
		_, statErr := os.Stat(filepath.Join(ws, "ran"))
		if planErr == nil {
			if err != nil || statErr != nil {
				t.Errorf("mode %s is available here but Run failed: %v (%v)", mode, err, statErr)
			}
			continue
		}
		var se *SetupError
		if !errors.As(err, &se) || se.Step != "cgroup" || !strings.Contains(err.Error(), "controller") {
			t.Errorf("mode %s: err = %v, want a refusal in step cgroup naming the missing controller", mode, err)
		}
		if !errors.Is(statErr, os.ErrNotExist) {
			t.Errorf("mode %s: the command ran despite the refusal", mode)
		}
	}
}

func TestFailClosedIdmapUnsupported(t *testing.T) {
	dir := t.TempDir()
	if err := unix.Mount("ramfs", dir, "ramfs", 0, "mode=0755"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := unix.Unmount(dir, unix.MNT_DETACH); err != nil {
			t.Error(err)
		}
	})
	_, err := Bash(context.Background(), Config{Workspace: dir}, "touch /workspace/ran")
	var se *SetupError
	if !errors.As(err, &se) || se.Step != "mnt" || !strings.Contains(err.Error(), "ramfs") || !strings.Contains(err.Error(), "does not support idmapped mounts") {
		t.Fatalf("err = %v, want a refusal naming ramfs and idmapped mounts", err)
	}
	if _, err := os.Stat(filepath.Join(dir, "ran")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("the command ran despite the refusal")
	}
}
