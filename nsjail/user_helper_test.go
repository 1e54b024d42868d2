package nsjail

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// Tests of the unprivileged path run this test binary again as a helper
// process that drops root for an ordinary user the tests create (useradd),
// optionally after joining a cgroup, and then runs a jail or the doctor.
// The request travels in envUserHelper as JSON; the outcome comes back on
// stdout as JSON.
const envUserHelper = "NSJAIL_TEST_USER_HELPER"

// userRequest is what the helper does.
type userRequest struct {
	// UID and GID are the ids the helper switches to, unless KeepIDs.
	UID, GID int
	KeepIDs  bool
	// Setup are changes the helper makes to its own namespaces first:
	// "private-mounts" (needs a new mount namespace), "umount-devpts",
	// "mask-proc" (bind /dev/null over /proc/kcore or another entry
	// container runtimes mask), "max-userns-0" (as root of a new user
	// namespace).
	Setup []string
	// Deny is a system call to fail, as for the fail-closed helper
	// ("clone:EPERM"), only when DenyArg0's bits are set in argument 0 if
	// not empty.
	Deny, DenyArg0 string
	// JoinCgroup is a cgroup v2 directory the helper moves into while
	// still root.
	JoinCgroup string
	// Mode is "run" (Bash with Config), "delegated" (a jail placed in the
	// delegated cgroup without any controller, see
	// TestUnprivilegedDelegatedCgroup) or "check" (the doctor).
	Mode    string
	Config  Config
	Command string
	Check   CheckOptions
}

// userOutcome is what the helper reports.
type userOutcome struct {
	Step     string
	Error    string
	ExitCode int
	TimedOut bool
	Stdout   string
	Stderr   string
	Findings []Finding
}

func init() {
	req := os.Getenv(envUserHelper)
	if req == "" {
		return
	}
	var r userRequest
	var out userOutcome
	if err := json.Unmarshal([]byte(req), &r); err != nil {
		out.Step, out.Error = "helper", err.Error()
	} else {
		out = userHelper(r)
	}
	data, _ := json.Marshal(out)
	os.Stdout.Write(data)
	os.Exit(0)
}

// userHelper joins the cgroup, becomes r.UID and r.GID with no
// supplementary group, and does r.Mode.
func userHelper(r userRequest) userOutcome {
	for _, step := range r.Setup {
		if err := helperSetup(step); err != nil {
			return userOutcome{Step: "helper", Error: step + ": " + err.Error()}
		}
	}
	if r.JoinCgroup != "" {
		if err := os.WriteFile(r.JoinCgroup+"/cgroup.procs", []byte(strconv.Itoa(os.Getpid())), 0); err != nil {
			return userOutcome{Step: "helper", Error: err.Error()}
		}
	}
	if !r.KeepIDs {
		if err := dropRoot(r.UID, r.GID); err != nil {
			return userOutcome{Step: "helper", Error: err.Error()}
		}
	}
	if r.Deny != "" {
		if err := denySyscall(r.Deny, r.DenyArg0); err != nil {
			return userOutcome{Step: "helper", Error: err.Error()}
		}
	}
	ctx := context.Background()
	switch r.Mode {
	case "check":
		return userOutcome{Findings: Check(ctx, r.Check)}
	case "delegated":
		return delegatedHelper(ctx, r)
	}
	return outcomeOf(Bash(ctx, r.Config, r.Command))
}

// helperSetup makes one change to the helper's own namespaces.
func helperSetup(step string) error {
	switch step {
	case "private-mounts":
		return unix.Mount("", "/", "", unix.MS_REC|unix.MS_PRIVATE, "")
	case "umount-devpts":
		for unix.Unmount("/dev/pts", unix.MNT_DETACH) == nil {
		}
		return nil
	case "mask-proc":
		for _, p := range []string{"/proc/kcore", "/proc/keys", "/proc/timer_list"} {
			if _, err := os.Stat(p); err == nil {
				return unix.Mount("/dev/null", p, "", unix.MS_BIND, "")
			}
		}
		return errors.New("none of /proc/kcore, /proc/keys, /proc/timer_list exists")
	case "max-userns-0":
		return os.WriteFile("/proc/sys/user/max_user_namespaces", []byte("0"), 0)
	}
	return fmt.Errorf("unknown setup step %q", step)
}

// dropRoot switches every thread to uid and gid with no supplementary
// group (Go's syscall.Setuid and friends apply to all threads) and makes
// the process dumpable again.
func dropRoot(uid, gid int) error {
	if err := syscall.Setgroups(nil); err != nil {
		return fmt.Errorf("setgroups: %w", err)
	}
	if err := syscall.Setgid(gid); err != nil {
		return fmt.Errorf("setgid: %w", err)
	}
	if err := syscall.Setuid(uid); err != nil {
		return fmt.Errorf("setuid: %w", err)
	}
	// Leaving root made the process non-dumpable; a process the user
	// started is dumpable (see decidePrivilege).
	if err := unix.Prctl(unix.PR_SET_DUMPABLE, 1, 0, 0, 0); err != nil {
		return fmt.Errorf("prctl(PR_SET_DUMPABLE): %w", err)
	}
	return nil
}

// outcomeOf turns Run's answer into the helper's report.
func outcomeOf(res *Result, err error) userOutcome {
	var se *SetupError
	switch {
	case errors.As(err, &se):
		return userOutcome{Step: se.Step, Error: err.Error()}
	case err != nil:
		return userOutcome{Step: "other", Error: err.Error()}
	}
	return userOutcome{ExitCode: res.ExitCode, TimedOut: res.TimedOut, Stdout: string(res.Stdout), Stderr: string(res.Stderr)}
}

// runAsUser runs the helper with r and returns its outcome.
func runAsUser(t *testing.T, r userRequest) userOutcome {
	t.Helper()
	return runHelper(t, r, nil)
}

// runHelper runs the helper with r, started with attr (new namespaces,
// id maps) and under the given wrapper command (setpriv …), and returns
// its outcome.
func runHelper(t *testing.T, r userRequest, attr *syscall.SysProcAttr, wrapper ...string) userOutcome {
	t.Helper()
	req, err := json.Marshal(r)
	if err != nil {
		t.Fatal(err)
	}
	argv := append(wrapper, helperBinary(t), "-test.run=^$")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.SysProcAttr = attr
	cmd.Env = append(os.Environ(), envUserHelper+"="+string(req))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("helper: %v\n%s", err, out)
	}
	var o userOutcome
	if err := json.Unmarshal(out, &o); err != nil {
		t.Fatalf("helper output %q: %v", out, err)
	}
	if o.Step == "helper" {
		t.Fatalf("helper failed: %s", o.Error)
	}
	return o
}

var (
	binaryOnce sync.Once
	binaryDir  string
	binaryErr  error
)

// helperBinary returns a copy of this test binary that an ordinary user
// may execute: go test builds it in a directory only root may enter, and
// the jail's init stage is a re-exec of the running binary. TestMain
// removes it.
func helperBinary(t *testing.T) string {
	t.Helper()
	binaryOnce.Do(func() {
		if binaryDir, binaryErr = os.MkdirTemp("", "nsjail-bin-"); binaryErr != nil {
			return
		}
		if binaryErr = os.Chmod(binaryDir, 0o755); binaryErr != nil {
			return
		}
		var data []byte
		if data, binaryErr = os.ReadFile("/proc/self/exe"); binaryErr != nil {
			return
		}
		binaryErr = os.WriteFile(filepath.Join(binaryDir, "nsjail.test"), data, 0o755)
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return filepath.Join(binaryDir, "nsjail.test")
}

// testAccount is the ordinary user the tests create.
type testAccount struct {
	name     string
	uid, gid int
}

var (
	accountOnce sync.Once
	account     testAccount
	accountErr  error
)

// ordinaryUser returns a host user created for this test process with
// useradd(8) (a system account without a home); TestMain removes it.
func ordinaryUser(t *testing.T) testAccount {
	t.Helper()
	accountOnce.Do(func() {
		name := fmt.Sprintf("bhjail%d", os.Getpid()%1000000)
		var out []byte
		for range 20 { // useradd fails while another process holds /etc/passwd's lock
			out, accountErr = exec.Command("useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", "--user-group", name).CombinedOutput()
			if accountErr == nil {
				break
			}
			time.Sleep(100 * time.Millisecond)
		}
		if accountErr != nil {
			accountErr = fmt.Errorf("useradd %s: %w: %s", name, accountErr, out)
			return
		}
		account.name = name
		u, err := user.Lookup(name)
		if err != nil {
			accountErr = err
			return
		}
		account.uid, _ = strconv.Atoi(u.Uid)
		account.gid, _ = strconv.Atoi(u.Gid)
	})
	if accountErr != nil {
		t.Fatal(accountErr)
	}
	return account
}

// removeAccount deletes the user made by ordinaryUser, if any.
func removeAccount() error {
	if account.name == "" {
		return nil
	}
	if out, err := exec.Command("userdel", account.name).CombinedOutput(); err != nil {
		return fmt.Errorf("userdel %s: %w: %s", account.name, err, out)
	}
	return nil
}

// userDir makes a directory directly under the world-accessible temporary
// directory (unlike t.TempDir, whose parents only root may enter), owned
// by a, removed at the end of the test.
func userDir(t *testing.T, a testAccount) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "nsjail-user-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chown(dir, a.uid, a.gid); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestMain(m *testing.M) {
	code := m.Run()
	if binaryDir != "" {
		os.RemoveAll(binaryDir)
	}
	if err := removeAccount(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		code = 1
	}
	os.Exit(code)
}
