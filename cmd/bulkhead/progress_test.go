package main

import (
	"regexp"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

// progressSteps: narration and a bash call that takes over a second, a
// failing read, then the answer.
func progressSteps() []fakellm.Step {
	return []fakellm.Step{
		{Text: "Checking.", ToolCalls: []fakellm.ToolCall{{Name: "bash", Input: map[string]string{"command": "sleep 1.5"}}}},
		{ToolCalls: []fakellm.ToolCall{{Name: "read", Input: map[string]string{"path": "missing.txt"}}}},
		{Text: "All done."},
	}
}

// runInTerminal runs the progress script on a terminal with env.
func runInTerminal(t *testing.T, env ...string) string {
	t.Helper()
	srv := fakellm.New(progressSteps()...)
	defer srv.Close()
	tm := startTerminal(t, t.TempDir(), append(fakeEnv(srv), env...), "run", "-m", "go", "--workspace", t.TempDir())
	out, code := tm.wait()
	if code != 0 {
		t.Fatalf("exit %d: %q", code, out)
	}
	return out
}

// TestProgressOnTerminal: on a terminal the run shows the model's text as
// it streams, the running tool with its time counting up on a status line,
// a line for each finished tool (a failed one with its reason), and the
// answer once.
func TestProgressOnTerminal(t *testing.T) {
	out := runInTerminal(t)
	// The running bash call, drawn again as its time goes by.
	seen := map[string]bool{}
	for _, m := range regexp.MustCompile(`\r\x1b\[36m.\x1b\[0m \x1b\[1mbash\x1b\[0m  sleep 1\.5  \x1b\[2m(\d+\.\d)s\x1b\[0m`).FindAllStringSubmatch(out, -1) {
		seen[m[1]] = true
	}
	if len(seen) < 5 || !seen["1.0"] {
		t.Errorf("the status line showed the running bash call at %v; want its time counting past 1.0s", seen)
	}
	for _, want := range []string{
		"Checking.",
		"\x1b[32m✓\x1b[0m \x1b[1mbash\x1b[0m  sleep 1.5  \x1b[2m1.",
		"\x1b[31m✗\x1b[0m \x1b[1mread\x1b[0m  missing.txt  \x1b[2m",
		"\x1b[K", // the status line erased
		"All done.\n",
		"bulkhead: session: ",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("the terminal lacks %q:\n%q", want, out)
		}
	}
	if !regexp.MustCompile(`✗\x1b\[0m \x1b\[1mread\x1b\[0m  missing\.txt  \x1b\[2m[\d.]+s\x1b\[0m: \x1b\[31m.*missing\.txt`).MatchString(out) {
		t.Errorf("the failed read shows no reason:\n%q", out)
	}
	if n := strings.Count(out, "All done."); n != 1 {
		t.Errorf("the answer shows %d times:\n%q", n, out)
	}
}

// TestProgressNoColor: NO_COLOR keeps the status line but drops colour; a
// dumb terminal gets neither, only the lines.
func TestProgressNoColor(t *testing.T) {
	out := runInTerminal(t, "NO_COLOR=1")
	if regexp.MustCompile(`\x1b\[[\d;]*m`).MatchString(out) {
		t.Errorf("colour with NO_COLOR:\n%q", out)
	}
	if !regexp.MustCompile(`\r. bash  sleep 1\.5  \d\.\ds\r\x1b\[K`).MatchString(out) || !strings.Contains(out, "✓ bash  sleep 1.5  1.") {
		t.Errorf("no status line or tool line with NO_COLOR:\n%q", out)
	}
	out = runInTerminal(t, "TERM=dumb")
	if strings.ContainsAny(out, "\r\x1b") {
		t.Errorf("escape sequences or carriage returns on a dumb terminal:\n%q", out)
	}
	if !strings.Contains(out, "✓ bash  sleep 1.5  1.") || !strings.Contains(out, "✗ read  missing.txt") || strings.Count(out, "All done.") != 1 {
		t.Errorf("a dumb terminal lacks the tool lines or the answer:\n%q", out)
	}
}

// TestProgressNotOnPipe: with stderr not a terminal there is no progress:
// the answer on stdout, the session line on stderr.
func TestProgressNotOnPipe(t *testing.T) {
	srv := fakellm.New(progressSteps()...)
	defer srv.Close()
	r := cli(t, t.TempDir(), fakeEnv(srv), "run", "-m", "go", "--workspace", t.TempDir())
	if r.code != 0 || r.stdout != "All done.\n" || !regexp.MustCompile(`^bulkhead: session: \S+\n$`).MatchString(r.stderr) {
		t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}
