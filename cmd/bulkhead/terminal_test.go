package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"golang.org/x/sys/unix"
)

// inTerminal runs the binary with stdout and stderr on a new
// pseudo-terminal (pty(7)) and returns what the terminal received, with
// the terminal's own CR before each LF removed.
func inTerminal(t *testing.T, stateDir string, env []string, args ...string) string {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer master.Close()
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "BULKHEAD_STATE_DIR=" + stateDir}, env...)
	cmd.Stdout, cmd.Stderr = slave, slave
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	var out bytes.Buffer
	done := make(chan struct{})
	go func() {
		io.Copy(&out, master) // ends with EIO once the last writer is gone
		close(done)
	}()
	cmd.Wait()
	<-done
	return strings.ReplaceAll(out.String(), "\r\n", "\n")
}

// TestTerminalEscapesNeutralised: a model answer, a tool's output and a
// transcript holding terminal control sequences reach a terminal with
// every control character made visible, JSON output too (as JSON escapes,
// so that it decodes to the same text); piped, the answer is unchanged.
func TestTerminalEscapesNeutralised(t *testing.T) {
	const hostile = "done \x1b]0;owned\x07\x1b[2J\x1b[1A\rhidden\u009b31m"
	bash := fakellm.ToolCall{Name: "bash", Input: map[string]string{"command": `printf 'out \033[2J\033]0;title\007\n'`}}
	state, ws := t.TempDir(), t.TempDir()
	run := func() []string {
		return []string{"run", "-m", "go", "--workspace", ws, "--session", "s1"}
	}
	srv := fakellm.New(fakellm.Step{ToolCalls: []fakellm.ToolCall{bash}}, fakellm.Step{Text: hostile}, fakellm.Step{Text: hostile}, fakellm.Step{Text: hostile})
	defer srv.Close()
	env := []string{"ANTHROPIC_API_KEY=k", "ANTHROPIC_BASE_URL=" + srv.AnthropicBaseURL()}

	// A dumb terminal gets no status line nor colour: every control
	// character on it would come from the model or the tool.
	term := inTerminal(t, state, append(env, "TERM=dumb"), run()...)
	if !strings.Contains(term, "done ^[]0;owned^G^[[2J^[[1A^Mhidden\\u009b31m") {
		t.Errorf("terminal got %q", term)
	}
	show := inTerminal(t, state, []string{"TERM=dumb"}, "session", "show", "s1")
	if !strings.Contains(show, "^[[2J^[]0;title^G") || !strings.Contains(show, "done ^[]0;owned") {
		t.Errorf("session show printed %q", show)
	}
	jsonOut := inTerminal(t, state, append(env, "TERM=dumb"), append(run(), "--output-format", "json")...)
	var res map[string]any
	if err := json.Unmarshal([]byte(jsonOut), &res); err != nil || res["result"] != hostile {
		t.Errorf("json on a terminal: %q (%v)", jsonOut, err)
	}
	for name, got := range map[string]string{"run": term, "session show": show, "run --output-format json": jsonOut} {
		if strings.ContainsAny(got, "\x1b\x07\r\u009b") {
			t.Errorf("%s: a control character reached the terminal: %q", name, got)
		}
	}
	piped := cli(t, state, env, run()...)
	if piped.code != 0 || strings.TrimSuffix(piped.stdout, "\n") != hostile {
		t.Errorf("piped answer %q (exit %d), want it unchanged", piped.stdout, piped.code)
	}
}

// terminal is the binary running with stdin, stdout and stderr on a new
// pseudo-terminal, as from an interactive shell.
type terminal struct {
	t      *testing.T
	cmd    *exec.Cmd
	master *os.File
	mu     sync.Mutex
	out    bytes.Buffer // what the terminal received
	done   chan struct{}
}

// startTerminal starts the binary on a new pseudo-terminal.
func startTerminal(t *testing.T, stateDir string, env []string, args ...string) *terminal {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	if err := unix.IoctlSetPointerInt(int(master.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatal(err)
	}
	n, err := unix.IoctlGetInt(int(master.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatal(err)
	}
	slave, err := os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatal(err)
	}
	tm := &terminal{t: t, master: master, done: make(chan struct{})}
	tm.cmd = exec.Command(binary, args...)
	tm.cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "BULKHEAD_STATE_DIR=" + stateDir}, env...)
	tm.cmd.Stdin, tm.cmd.Stdout, tm.cmd.Stderr = slave, slave, slave
	if err := tm.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	slave.Close()
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := master.Read(buf)
			tm.mu.Lock()
			tm.out.Write(buf[:n])
			tm.mu.Unlock()
			if err != nil { // EIO once the last writer is gone
				close(tm.done)
				return
			}
		}
	}()
	t.Cleanup(func() { master.Close() })
	return tm
}

// waitFor waits until the terminal has received s.
func (tm *terminal) waitFor(s string) {
	tm.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		tm.mu.Lock()
		got := tm.out.String()
		tm.mu.Unlock()
		if strings.Contains(got, s) {
			return
		}
		if time.Now().After(deadline) {
			tm.cmd.Process.Kill()
			tm.t.Fatalf("the terminal never showed %q; it shows %q", s, got)
		}
	}
}

// send types s.
func (tm *terminal) send(s string) {
	if _, err := tm.master.WriteString(s); err != nil {
		tm.t.Fatal(err)
	}
}

// wait waits for the process to end and returns what the terminal
// received, the terminal's CR before each LF removed, and the exit status.
func (tm *terminal) wait() (string, int) {
	tm.cmd.Wait()
	<-tm.done
	tm.mu.Lock()
	defer tm.mu.Unlock()
	return strings.ReplaceAll(tm.out.String(), "\r\n", "\n"), tm.cmd.ProcessState.ExitCode()
}
