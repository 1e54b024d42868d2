package nsjail

import (
	"bytes"
	"cmp"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
)

// jailConfig returns a Config with a fresh workspace.
func jailConfig(t *testing.T) Config {
	t.Helper()
	return Config{Workspace: t.TempDir()}
}

// mustBash runs command in a jail and fails the test on a setup error.
func mustBash(t *testing.T, cfg Config, command string) *Result {
	t.Helper()
	res, err := Bash(context.Background(), cfg, command)
	if err != nil {
		t.Fatalf("Bash(%q) error: %v", command, err)
	}
	return res
}

// okBash is mustBash that also requires exit code 0 and returns stdout.
func okBash(t *testing.T, cfg Config, command string) string {
	t.Helper()
	res := mustBash(t, cfg, command)
	if res.ExitCode != 0 {
		t.Fatalf("Bash(%q) exit %d signal %q, stderr %q", command, res.ExitCode, res.Signal, res.Stderr)
	}
	return string(res.Stdout)
}

var uniqueSeq atomic.Int64

// uniqueSleepArg returns a sleep(1) duration of about secs seconds whose
// text is unique to this test process, to find the process on the host.
func uniqueSleepArg(secs int) string {
	return fmt.Sprintf("%d.%06d%03d", secs, os.Getpid()%1000000, uniqueSeq.Add(1))
}

// hostProcessesWith returns the host PIDs whose command line contains arg.
func hostProcessesWith(t *testing.T, arg string) []string {
	t.Helper()
	entries, err := os.ReadDir("/proc")
	if err != nil {
		t.Fatal(err)
	}
	var pids []string
	for _, e := range entries {
		cmdline, err := os.ReadFile("/proc/" + e.Name() + "/cmdline")
		if err != nil {
			continue
		}
		if bytes.Contains(cmdline, []byte(arg)) {
			pids = append(pids, e.Name())
		}
	}
	return pids
}

// assertNoProcess fails if a host process with arg in its command line
// still exists.
func assertNoProcess(t *testing.T, arg string) {
	t.Helper()
	if pids := hostProcessesWith(t, arg); len(pids) > 0 {
		t.Errorf("processes with %q still running after Run returned: %v", arg, pids)
	}
}

func TestEcho(t *testing.T) {
	t.Parallel()
	res := mustBash(t, jailConfig(t), "echo hello world")
	if string(res.Stdout) != "hello world\n" || len(res.Stderr) != 0 || res.ExitCode != 0 {
		t.Errorf("got stdout %q stderr %q exit %d", res.Stdout, res.Stderr, res.ExitCode)
	}
	if res.TimedOut || res.Signal != "" || res.StdoutTruncated || res.StderrTruncated {
		t.Errorf("unexpected flags: %+v", res)
	}
	if res.Duration <= 0 || res.Duration > 30*time.Second {
		t.Errorf("Duration = %v", res.Duration)
	}
}

func TestRunArgv(t *testing.T) {
	t.Parallel()
	res, err := Run(context.Background(), jailConfig(t), []string{"printf", "%s|", "a b", "$HOME", "*"})
	if err != nil {
		t.Fatal(err)
	}
	if got := string(res.Stdout); got != "a b|$HOME|*|" {
		t.Errorf("stdout = %q, want arguments passed verbatim", got)
	}
}

func TestExitStatus(t *testing.T) {
	t.Parallel()
	tests := []struct {
		command  string
		exitCode int
		signal   string
	}{
		{"true", 0, ""},
		{"exit 3", 3, ""},
		{"exit 255", 255, ""},
		{"false", 1, ""},
		{"no-such-command-xyz", 127, ""},
		{"kill -SEGV $$", -1, "SIGSEGV"},
		{"kill -KILL $$", -1, "SIGKILL"},
		{"kill -TERM $$", -1, "SIGTERM"},
	}
	for _, tc := range tests {
		t.Run(tc.command, func(t *testing.T) {
			t.Parallel()
			res := mustBash(t, jailConfig(t), tc.command)
			if res.ExitCode != tc.exitCode || res.Signal != tc.signal || res.TimedOut {
				t.Errorf("got exit %d signal %q timedOut %v, want exit %d signal %q", res.ExitCode, res.Signal, res.TimedOut, tc.exitCode, tc.signal)
			}
		})
	}
}

func TestStderr(t *testing.T) {
	t.Parallel()
	res := mustBash(t, jailConfig(t), "echo out; echo err >&2; exit 4")
	if string(res.Stdout) != "out\n" || string(res.Stderr) != "err\n" || res.ExitCode != 4 {
		t.Errorf("got stdout %q stderr %q exit %d", res.Stdout, res.Stderr, res.ExitCode)
	}
}

func TestStdin(t *testing.T) {
	t.Parallel()
	cfg := jailConfig(t)
	cfg.Stdin = strings.NewReader("line one\nline two\n")
	if got := okBash(t, cfg, "wc -l"); strings.TrimSpace(got) != "2" {
		t.Errorf("wc -l = %q, want 2", got)
	}
	if got := okBash(t, jailConfig(t), "cat; echo end"); got != "end\n" {
		t.Errorf("nil Stdin: got %q, want empty input", got)
	}
}

func TestSetupErrors(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, err := Run(ctx, jailConfig(t), []string{"no-such-program-xyz"})
	var se *SetupError
	if !errors.As(err, &se) || se.Step != "exec" || !strings.Contains(err.Error(), "no-such-program-xyz") {
		t.Errorf("missing program: err = %v, want a SetupError in step exec naming the program", err)
	}
	for _, argv := range [][]string{nil, {""}, {"echo", "a\x00b"}} {
		if _, err := Run(ctx, jailConfig(t), argv); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("Run(%q) = %v, want ErrInvalidConfig", argv, err)
		}
	}
	cfg := jailConfig(t)
	cfg.Env = map[string]string{"BASH_ENV": "/workspace/evil"}
	if _, err := Bash(ctx, cfg, "true"); !errors.Is(err, ErrInvalidConfig) {
		t.Errorf("denied Env: err = %v, want ErrInvalidConfig", err)
	}
}

func TestTimeout(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		command func(bg, fg string) string
	}{
		{"foreground", func(_, fg string) string { return "sleep " + fg }},
		{"foreground with background child", func(bg, fg string) string { return "sleep " + bg + " & sleep " + fg }},
		{"ignoring SIGTERM", func(_, fg string) string { return "trap '' TERM; sleep " + fg }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			bg, fg := uniqueSleepArg(1000), uniqueSleepArg(100)
			cfg := jailConfig(t)
			cfg.Timeout = time.Second
			start := time.Now()
			res := mustBash(t, cfg, tc.command(bg, fg))
			elapsed := time.Since(start)
			if !res.TimedOut || res.ExitCode != -1 || res.Signal != "SIGKILL" {
				t.Errorf("got timedOut %v exit %d signal %q, want a timeout", res.TimedOut, res.ExitCode, res.Signal)
			}
			if elapsed < time.Second || elapsed > 10*time.Second {
				t.Errorf("Run took %v, want about 1s", elapsed)
			}
			assertNoProcess(t, bg)
			assertNoProcess(t, fg)
		})
	}
}

func TestBackgroundProcessKilledAtExit(t *testing.T) {
	t.Parallel()
	bg := uniqueSleepArg(1000)
	start := time.Now()
	out := okBash(t, jailConfig(t), "sleep "+bg+" & echo started")
	if out != "started\n" {
		t.Errorf("stdout = %q", out)
	}
	if elapsed := time.Since(start); elapsed > 10*time.Second {
		t.Errorf("Run took %v: it waited for the background process", elapsed)
	}
	assertNoProcess(t, bg)
}

func TestContextEnd(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		ctx     func() (context.Context, context.CancelFunc)
		wantErr error
	}{
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(300*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"caller deadline before Timeout", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 300*time.Millisecond)
		}, context.DeadlineExceeded},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ctx, cancel := tc.ctx()
			defer cancel()
			bg, fg := uniqueSleepArg(1000), uniqueSleepArg(100)
			start := time.Now()
			res, err := Bash(ctx, jailConfig(t), "sleep "+bg+" & echo started; sleep "+fg)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if res == nil || res.TimedOut || res.Signal != "SIGKILL" || string(res.Stdout) != "started\n" {
				t.Errorf("partial result = %+v, want SIGKILL with the output so far", res)
			}
			if elapsed := time.Since(start); elapsed > 10*time.Second {
				t.Errorf("Run took %v after cancellation", elapsed)
			}
			assertNoProcess(t, bg)
			assertNoProcess(t, fg)
		})
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Bash(ctx, jailConfig(t), "true"); !errors.Is(err, context.Canceled) {
		t.Errorf("already canceled: err = %v, want context.Canceled", err)
	}
}

func TestOutputLimit(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		limit int64 // 0: the default
		nOut  int
		nErr  int // stderr also gets "done\n"
	}{
		{"under", 1000, 999, 10},
		{"exactly", 1000, 1000, 995},
		{"one over", 1000, 1001, 996},
		{"far over, command not blocked", 1000, 50 << 20, 3000},
		{"default limit", 0, int(DefaultOutputLimit) + 1, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cfg := jailConfig(t)
			cfg.OutputLimit = tc.limit
			cfg.Timeout = 60 * time.Second
			cmd := fmt.Sprintf("head -c %d /dev/zero | tr '\\0' a; head -c %d /dev/zero | tr '\\0' b >&2; echo done >&2", tc.nOut, tc.nErr)
			res := mustBash(t, cfg, cmd)
			if res.ExitCode != 0 || res.TimedOut {
				t.Fatalf("exit %d timedOut %v", res.ExitCode, res.TimedOut)
			}
			limit := int(cmp.Or(tc.limit, DefaultOutputLimit))
			checkStream(t, "stdout", res.Stdout, res.StdoutTruncated, strings.Repeat("a", tc.nOut), limit)
			checkStream(t, "stderr", res.Stderr, res.StderrTruncated, strings.Repeat("b", tc.nErr)+"done\n", limit)
		})
	}
}

// checkStream checks that got is the first limit bytes of full, followed by
// the truncation notice when anything was cut.
func checkStream(t *testing.T, name string, got []byte, truncated bool, full string, limit int) {
	t.Helper()
	want, wantTruncated := full, false
	if len(full) > limit {
		want = full[:limit] + fmt.Sprintf("\n[output truncated: %d bytes omitted]\n", len(full)-limit)
		wantTruncated = true
	}
	if string(got) != want {
		t.Errorf("%s: got %d bytes ending %q, want %d bytes ending %q", name, len(got), tail(string(got)), len(want), tail(want))
	}
	if truncated != wantTruncated {
		t.Errorf("%s: truncated = %v, want %v", name, truncated, wantTruncated)
	}
}

func tail(s string) string { return s[max(len(s)-60, 0):] }

func TestZombiesReaped(t *testing.T) {
	t.Parallel()
	// The subshell exits at once, so its sleep is reparented to PID 1 and
	// becomes a zombie at exit unless the init stage reaps it.
	out := okBash(t, jailConfig(t), "(sleep 0.1 &); (sleep 0.1 &); sleep 1; ps -e -o stat=,pid=,comm=")
	if strings.Contains(out, "Z") || !strings.Contains(out, " ps\n") {
		t.Errorf("process table:\n%s\nwant no zombie (state Z)", out)
	}
}

func TestInitIgnoresSignalsFromJail(t *testing.T) {
	t.Parallel()
	out := okBash(t, jailConfig(t), "for s in TERM INT HUP QUIT USR1 SEGV KILL; do kill -$s 1; done; sleep 0.2; echo alive")
	if out != "alive\n" {
		t.Errorf("stdout = %q, want the jail to survive signals sent to its init", out)
	}
}

func TestInitRefusesOutsideNamespace(t *testing.T) {
	t.Parallel()
	before, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(selfExe)
	cmd.Args = []string{stage.Marker}
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err = cmd.Run()
	var ee *exec.ExitError
	if !errors.As(err, &ee) || ee.ExitCode() != stage.ExitSetupFailed || !strings.Contains(stderr.String(), "refusing") {
		t.Errorf("init stage outside a namespace: err %v stderr %q, want exit %d and a refusal", err, stderr.String(), stage.ExitSetupFailed)
	}
	after, err := os.ReadFile("/proc/self/mountinfo")
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("host mounts changed:\n%s", after)
	}
}
