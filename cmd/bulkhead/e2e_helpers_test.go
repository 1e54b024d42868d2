package main

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// binary is the bulkhead binary built once by TestMain.
var binary string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "bulkhead-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	binary = filepath.Join(dir, "bulkhead")
	if out, err := exec.Command("go", "build", "-o", binary, ".").CombinedOutput(); err != nil {
		fmt.Fprintf(os.Stderr, "build bulkhead: %v\n%s", err, out)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// result is one finished bulkhead process.
type result struct {
	stdout, stderr string
	code           int
}

// cli runs the binary with a clean environment: no provider variables, the
// state directory given, plus env.
func cli(t *testing.T, stateDir string, env []string, args ...string) result {
	t.Helper()
	return cliStdin(t, stateDir, env, nil, args...)
}

// cliStdin is cli with standard input read from stdin (nil: none).
func cliStdin(t *testing.T, stateDir string, env []string, stdin io.Reader, args ...string) result {
	t.Helper()
	return cliCommand(t, exec.Command(binary, args...), stateDir, env, stdin)
}

// cliCommand runs cmd, which starts the binary, with cli's environment.
func cliCommand(t *testing.T, cmd *exec.Cmd, stateDir string, env []string, stdin io.Reader) result {
	t.Helper()
	cmd.Stdin = stdin
	cmd.Env = append([]string{
		"PATH=" + os.Getenv("PATH"),
		"HOME=" + os.Getenv("HOME"),
		"BULKHEAD_STATE_DIR=" + stateDir,
	}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		code = exit.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return result{stdout.String(), stderr.String(), code}
}

// copyProject copies testdata/project into a temporary directory.
func copyProject(t *testing.T) string {
	t.Helper()
	dst := filepath.Join(t.TempDir(), "project")
	if err := os.CopyFS(dst, os.DirFS("../../testdata/project")); err != nil {
		t.Fatal(err)
	}
	return dst
}

// wantOneLineError checks a failed command printed one clear line and
// exited 1.
func wantOneLineError(t *testing.T, r result, want string) {
	t.Helper()
	wantErrorLine(t, r, exitError, want)
}

// wantUsageError checks a command refused its invocation with one clear
// line and exit status 2.
func wantUsageError(t *testing.T, r result, want string) {
	t.Helper()
	wantErrorLine(t, r, exitUsage, want)
}

// wantErrorLine checks a failed command printed one clear line and exited
// with code.
func wantErrorLine(t *testing.T, r result, code int, want string) {
	t.Helper()
	if r.code != code {
		t.Errorf("exit code %d, want %d (stderr %q)", r.code, code, r.stderr)
	}
	lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "bulkhead: ") || !strings.Contains(lines[0], want) {
		t.Errorf("stderr = %q, want one line with %q", r.stderr, want)
	}
	if strings.Contains(r.stderr, "goroutine") || strings.Contains(r.stderr, "panic") {
		t.Errorf("stack trace on stderr: %q", r.stderr)
	}
}
