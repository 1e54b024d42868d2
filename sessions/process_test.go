package sessions

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Environment of a helper process started by helperCommand.
const (
	helperModeEnv = "SESSIONS_TEST_HELPER"
	helperDirEnv  = "SESSIONS_TEST_DIR"
	helperIDEnv   = "SESSIONS_TEST_ID"
	helperNEnv    = "SESSIONS_TEST_N"
)

// TestHelperProcess is not a test: it is the body of the processes that
// helperCommand starts by re-executing the test binary. Modes:
//   - lock: take the session lock, print "locked", hold it until stdin
//     closes.
//   - append: append N messages, one per call, to the session and to the
//     session "shared".
//   - trylock: try the session lock once, print "locked" or "busy".
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperModeEnv)
	if mode == "" {
		return
	}
	s, err := Open(os.Getenv(helperDirEnv))
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	id := os.Getenv(helperIDEnv)
	switch mode {
	case "lock":
		unlock, err := s.Lock(context.Background(), id)
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		fmt.Println("locked")
		io.Copy(io.Discard, os.Stdin)
		if err := unlock(); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
	case "trylock":
		unlock, err := s.TryLock(id)
		switch {
		case errors.Is(err, ErrLocked):
			fmt.Println("busy")
		case err != nil:
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		default:
			fmt.Println("locked")
			unlock()
		}
	case "append":
		n, _ := strconv.Atoi(os.Getenv(helperNEnv))
		for i := range n {
			for _, target := range []string{id, "shared"} {
				if err := s.Append(target, "m", user(fmt.Sprintf("%s-%d", id, i))); err != nil {
					fmt.Fprintln(os.Stderr, err)
					os.Exit(2)
				}
			}
		}
	}
	os.Exit(0)
}

func helperCommand(t *testing.T, mode, dir, id string, n int) *exec.Cmd {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(),
		helperModeEnv+"="+mode, helperDirEnv+"="+dir, helperIDEnv+"="+id, helperNEnv+"="+strconv.Itoa(n))
	cmd.Stderr = os.Stderr
	return cmd
}

// startLockHolder starts a process holding the session lock of id and
// returns once it holds it, with the pipe whose closing releases it.
func startLockHolder(t *testing.T, dir, id string) (*exec.Cmd, io.WriteCloser) {
	t.Helper()
	cmd := helperCommand(t, "lock", dir, id, 0)
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		stdin.Close()
		cmd.Process.Kill()
		cmd.Wait()
	})
	line, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil || line != "locked\n" {
		t.Fatalf("helper said %q, %v; want locked", line, err)
	}
	return cmd, stdin
}

func TestLockAcrossProcesses(t *testing.T) {
	tests := []struct {
		name    string
		release func(cmd *exec.Cmd, stdin io.WriteCloser) error
	}{
		{"holder unlocks", func(_ *exec.Cmd, stdin io.WriteCloser) error { return stdin.Close() }},
		{"holder is killed", func(cmd *exec.Cmd, _ io.WriteCloser) error { return cmd.Process.Kill() }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			s, err := Open(dir)
			if err != nil {
				t.Fatal(err)
			}
			mustAppend(t, s, "s1", "m", user("x"))
			cmd, stdin := startLockHolder(t, dir, "s1")

			ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
			defer cancel()
			if _, err := s.Lock(ctx, "s1"); !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("Lock while another process holds it: %v, want DeadlineExceeded", err)
			}
			if err := s.Delete("s1"); !errors.Is(err, ErrLocked) {
				t.Fatalf("Delete while another process holds the lock: %v, want ErrLocked", err)
			}
			unlock, err := s.Lock(context.Background(), "other")
			if err != nil {
				t.Fatalf("Lock of another session: %v", err)
			}
			unlock()

			if err := tc.release(cmd, stdin); err != nil {
				t.Fatal(err)
			}
			ctx, cancel = context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			unlock, err = s.Lock(ctx, "s1")
			if err != nil {
				t.Fatalf("Lock after the holder released: %v", err)
			}
			unlock()
		})
	}
}

func TestAppendAcrossProcesses(t *testing.T) {
	dir := t.TempDir()
	const procs, n = 4, 15
	cmds := make([]*exec.Cmd, procs)
	for i := range cmds {
		cmds[i] = helperCommand(t, "append", dir, fmt.Sprintf("p%d", i), n)
		if err := cmds[i].Start(); err != nil {
			t.Fatal(err)
		}
	}
	for _, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Fatalf("helper: %v", err)
		}
	}
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	list, err := s.List()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != procs+1 {
		t.Fatalf("List = %+v, want %d sessions", list, procs+1)
	}
	for _, info := range list {
		want := n
		if info.ID == "shared" {
			want = procs * n
		}
		msgs, warns := mustLoad(t, s, info.ID)
		if info.Messages != want || len(msgs) != want || len(warns) != 0 {
			t.Fatalf("%s: index %d, loaded %d (warnings %v), want %d", info.ID, info.Messages, len(msgs), warns, want)
		}
	}
}

// tryLockElsewhere reports what TryLock of id in dir says in another
// process: "locked" or "busy".
func tryLockElsewhere(t *testing.T, dir, id string) string {
	t.Helper()
	cmd := helperCommand(t, "trylock", dir, id, 0)
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("trylock helper: %v", err)
	}
	return strings.TrimSpace(string(out))
}

// TestLockExcludesOtherProcesses: a session locked here is busy for
// another process, and free for it once unlocked, while the other
// sessions of the same lock file stay free; the lock of this process is
// not only in its own table.
func TestLockExcludesOtherProcesses(t *testing.T) {
	dir := t.TempDir()
	s, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	unlock := mustLock(t, s, "s1")
	defer mustLock(t, s, "s2")()
	if got := tryLockElsewhere(t, dir, "s1"); got != "busy" {
		t.Fatalf("another process's TryLock of a locked session: %q, want busy", got)
	}
	if got := tryLockElsewhere(t, dir, "s3"); got != "locked" {
		t.Fatalf("another process's TryLock of a free session: %q, want locked", got)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	if got := tryLockElsewhere(t, dir, "s1"); got != "locked" {
		t.Fatalf("another process's TryLock once unlocked: %q, want locked", got)
	}
}
