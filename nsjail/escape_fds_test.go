package nsjail

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"golang.org/x/sys/unix"
)

// The inherited-descriptor attacks run the jails from a helper process
// (this test binary with envFDHelper set) that inherited, without
// close-on-exec, a 0600 host file, a directory of the host's root and a
// socket, each at a low and a high descriptor number, as a process started
// from `exec 5</etc/shadow` in a shell would. The helper prints an
// fdOutcome as JSON.
const (
	envFDHelper    = "NSJAIL_TEST_FD_HELPER"    // the helper's workspace
	envFDUnsealed  = "NSJAIL_TEST_FD_UNSEALED"  // clear close-on-exec again after init
	envFDInherited = "NSJAIL_TEST_FD_INHERITED" // the inherited descriptor numbers
)

// inheritedFDs are the descriptor numbers the helper inherits: file,
// directory and socket, low and high.
var inheritedFDs = []int{3, 4, 5, 700, 701, 702}

// fdOutcome is what the fd helper reports.
type fdOutcome struct {
	// Held are the inherited descriptors open in the helper before its
	// jails ran, and Cloexec those of them marked close-on-exec.
	Held, Cloexec []int
	// Outputs are the jailed command's stdout and stderr, one per jail.
	Outputs []string
	Error   string
}

func init() {
	ws := os.Getenv(envFDHelper)
	if ws == "" {
		return
	}
	data, _ := json.Marshal(fdHelper(ws))
	os.Stdout.Write(data)
	os.Exit(0)
}

// fdProbe lists the command's descriptors and tries every inherited one:
// read it as a file, list it as a directory, and climb out through it.
var fdProbe = `echo "fds: $(ls /proc/self/fd | sort -n | tr '\n' ' ')"
for fd in ` + strings.Trim(fmt.Sprint(inheritedFDs), "[]") + `; do
  head -c 1 <&$fd 2>/dev/null | grep -q . && echo "ESCAPED read $fd"
  ls /proc/self/fd/$fd/ 2>/dev/null | grep -q . && echo "ESCAPED list $fd"
  (cd -P /proc/self/fd/$fd/.. 2>/dev/null && ls / | grep -q . && echo "ESCAPED walk $fd")
done; true`

// fdHelper runs three jails with fdProbe (the first two are cold starts,
// the third takes the init stage the pool started ahead).
func fdHelper(ws string) fdOutcome {
	var out fdOutcome
	for _, s := range strings.Fields(os.Getenv(envFDInherited)) {
		fd, _ := strconv.Atoi(s)
		flags, err := unix.FcntlInt(uintptr(fd), unix.F_GETFD, 0)
		if err != nil {
			continue
		}
		if os.Getenv(envFDUnsealed) != "" {
			// As if code of the embedding program had made them after
			// nsjail's init: only the init stage's closing stands between
			// them and the jail.
			unix.FcntlInt(uintptr(fd), unix.F_SETFD, 0)
		} else if flags&unix.FD_CLOEXEC != 0 {
			out.Cloexec = append(out.Cloexec, fd)
		}
		out.Held = append(out.Held, fd)
	}
	defer ReleaseIdle()
	for range 3 {
		res, err := Bash(context.Background(), Config{Workspace: ws}, fdProbe)
		if err != nil {
			out.Error = err.Error()
			return out
		}
		out.Outputs = append(out.Outputs, string(res.Stdout)+string(res.Stderr))
	}
	return out
}

// inheritedFiles opens what the helper inherits, in the ExtraFiles layout
// that puts each at its number in inheritedFDs.
func inheritedFiles(t *testing.T) []*os.File {
	t.Helper()
	secret := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(secret, []byte("host secret\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	sp, err := unix.Socketpair(unix.AF_UNIX, unix.SOCK_STREAM, 0)
	if err != nil {
		t.Fatal(err)
	}
	sock := os.NewFile(uintptr(sp[0]), "socket")
	peer := os.NewFile(uintptr(sp[1]), "peer")
	t.Cleanup(func() { sock.Close(); peer.Close() })
	// The peer has something to read, so reading the socket would succeed.
	if _, err := peer.Write([]byte("socket data\n")); err != nil {
		t.Fatal(err)
	}
	open := func(path string) *os.File {
		f, err := os.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f
	}
	byFD := map[int]*os.File{3: open(secret), 4: open("/"), 5: sock, 700: open(secret), 701: open("/"), 702: sock}
	files := make([]*os.File, inheritedFDs[len(inheritedFDs)-1]-2)
	for fd, f := range byFD {
		files[fd-3] = f
	}
	return files
}

func TestEscapeInheritedDescriptors(t *testing.T) {
	for _, unsealed := range []bool{false, true} {
		name := map[bool]string{false: "host sealed them", true: "only the init stage closes them"}[unsealed]
		t.Run(name, func(t *testing.T) {
			ws, err := os.MkdirTemp("", "nsjail-fds-")
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { os.RemoveAll(ws) })
			before := takeHostSnapshot(t)
			cmd := exec.Command(os.Args[0], "-test.run=^$")
			cmd.Env = append(os.Environ(), envFDHelper+"="+ws, envFDInherited+"="+strings.Trim(fmt.Sprint(inheritedFDs), "[]"))
			if unsealed {
				cmd.Env = append(cmd.Env, envFDUnsealed+"=1")
			}
			cmd.ExtraFiles = inheritedFiles(t)
			data, err := cmd.Output()
			if err != nil {
				t.Fatalf("helper: %v\n%s", err, data)
			}
			var o fdOutcome
			if err := json.Unmarshal(data, &o); err != nil {
				t.Fatalf("helper output %q: %v", data, err)
			}
			if o.Error != "" {
				t.Fatal(o.Error)
			}
			if fmt.Sprint(o.Held) != fmt.Sprint(inheritedFDs) {
				t.Fatalf("the helper holds %v, want %v", o.Held, inheritedFDs)
			}
			if want := map[bool][]int{false: inheritedFDs, true: nil}[unsealed]; fmt.Sprint(o.Cloexec) != fmt.Sprint(want) {
				t.Errorf("close-on-exec in the helper: %v, want %v", o.Cloexec, want)
			}
			for i, got := range o.Outputs {
				// 3 is the directory ls reads /proc/self/fd through.
				if !strings.Contains(got, "fds: 0 1 2 3 \n") || strings.Contains(got, "ESCAPED") {
					t.Errorf("jail %d:\n%s", i+1, got)
				}
			}
			before.assertUnchanged(t)
		})
	}
}
