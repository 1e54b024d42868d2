package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"regexp"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"github.com/bulkhead-dev/bulkhead/runtime"
)

// stream is the parsed output of run --output-format stream-json.
type stream struct {
	init   map[string]any
	events []runtime.Event
	result map[string]any
	types  []string // of every line, in order
}

// parseStream parses stream-json output: every line a JSON object whose
// type says which.
func parseStream(t *testing.T, stdout string) stream {
	t.Helper()
	var s stream
	for _, line := range strings.Split(strings.TrimSpace(stdout), "\n") {
		var head struct{ Type string }
		if err := json.Unmarshal([]byte(line), &head); err != nil {
			t.Fatalf("not a JSON line: %q", line)
		}
		s.types = append(s.types, head.Type)
		switch head.Type {
		case "init":
			json.Unmarshal([]byte(line), &s.init)
		case "result":
			json.Unmarshal([]byte(line), &s.result)
		default:
			var ev runtime.Event
			if err := json.Unmarshal([]byte(line), &ev); err != nil {
				t.Fatalf("not an event: %q: %v", line, err)
			}
			s.events = append(s.events, ev)
		}
	}
	return s
}

// fakeEnv is the environment of a run against srv's Anthropic endpoint.
func fakeEnv(srv *fakellm.Server) []string {
	return []string{"ANTHROPIC_API_KEY=k", "ANTHROPIC_BASE_URL=" + srv.AnthropicBaseURL()}
}

// TestRunPromptSources: the prompt comes from the arguments, -m, or
// standard input (with - or when nothing else is given); none, an empty
// one or two of them are usage errors.
func TestRunPromptSources(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"arguments", "", []string{"fix", "the", "bug"}, "fix the bug"},
		{"-m", "", []string{"-m", "fix it"}, "fix it"},
		{"-m -", "from a pipe\n", []string{"-m", "-"}, "from a pipe"},
		{"argument -", "dash argument\n\n", []string{"-"}, "dash argument"},
		{"piped, no prompt", "just piped\n", nil, "just piped"},
		{"argument wins over stdin", "ignored", []string{"the argument"}, "the argument"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := fakellm.New(fakellm.Step{Text: "ok"})
			defer srv.Close()
			args := append([]string{"run", "--workspace", t.TempDir()}, tt.args...)
			r := cliStdin(t, t.TempDir(), fakeEnv(srv), strings.NewReader(tt.stdin), args...)
			if r.code != 0 || r.stdout != "ok\n" {
				t.Fatalf("exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			if got := srv.Requests()[0].LastUserText(); got != tt.want {
				t.Errorf("prompt %q, want %q", got, tt.want)
			}
		})
	}
	state := t.TempDir()
	for _, c := range []struct {
		stdin string
		args  []string
		want  string
	}{
		{"", []string{"run"}, "empty prompt on standard input"},
		{" \n\t\n", []string{"run", "-m", "-"}, "empty prompt on standard input"},
		{"", []string{"run", "-m", " "}, "empty prompt"},
		{"", []string{"run", "-m", "a", "b"}, "the prompt is given twice"},
		{"", []string{"run", "-c", "--session", "s", "x"}, "--continue and --session exclude each other"},
		{"", []string{"run", "--json", "--output-format", "text", "x"}, "--json is --output-format stream-json"},
		{"", []string{"run", "--timeout", "-1s", "x"}, "invalid --timeout -1s"},
	} {
		wantUsageError(t, cliStdin(t, state, nil, strings.NewReader(c.stdin), c.args...), c.want)
	}
	big := strings.NewReader(strings.Repeat("a", maxPromptBytes+1))
	wantOneLineError(t, cliStdin(t, state, nil, big, "run"), "standard input of 1048577 bytes exceeds the 1048576-byte limit of a prompt")
}

// TestRunContinue: a text run that makes a session names it on stderr;
// -c continues the workspace's latest session with its history.
func TestRunContinue(t *testing.T) {
	state := t.TempDir()
	srv := fakellm.New(fakellm.Step{Text: "first answer"}, fakellm.Step{Text: "second answer"}, fakellm.Step{Text: "third"})
	defer srv.Close()
	wantOneLineError(t, cli(t, state, fakeEnv(srv), "run", "-c", "hello"), `no session to continue in workspace "default"`)
	r := cli(t, state, fakeEnv(srv), "run", "hello")
	m := regexp.MustCompile(`^bulkhead: session: (\S+)\n$`).FindStringSubmatch(r.stderr)
	if r.code != 0 || r.stdout != "first answer\n" || m == nil {
		t.Fatalf("first run: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	r = cli(t, state, fakeEnv(srv), "run", "--continue", "and then?")
	if r.code != 0 || r.stdout != "second answer\n" || r.stderr != "bulkhead: session: "+m[1]+"\n" {
		t.Fatalf("continued run: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	history := srv.Requests()[1].Messages()
	if len(history) != 3 || history[0].Text() != "hello" || history[1].Text() != "first answer" {
		t.Fatalf("continued run sent %d messages: %+v", len(history), history)
	}
	// A session named with --session is not printed back.
	if r := cli(t, state, fakeEnv(srv), "run", "--session", m[1], "again"); r.code != 0 || r.stderr != "" {
		t.Fatalf("--session run: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestRunStreamJSON: stream-json is an init object, every event of the
// run, then the result object; --json is the same.
func TestRunStreamJSON(t *testing.T) {
	for _, flag := range [][]string{{"--output-format", "stream-json"}, {"--json"}} {
		srv := fakellm.New(fakellm.Step{Text: "Looking.", ToolCalls: []fakellm.ToolCall{{Name: "ls"}}}, fakellm.Step{Text: "listed"})
		dir := t.TempDir()
		r := cli(t, t.TempDir(), fakeEnv(srv), append([]string{"run", "list files", "--workspace", dir}, flag...)...)
		srv.Close()
		if r.code != 0 || r.stderr != "" {
			t.Fatalf("%v: exit %d, stderr %q", flag, r.code, r.stderr)
		}
		s := parseStream(t, r.stdout)
		if s.types[0] != "init" || s.types[1] != "run_start" || s.types[len(s.types)-1] != "result" || s.types[len(s.types)-2] != "done" {
			t.Fatalf("%v: line types %v", flag, s.types)
		}
		for _, want := range []string{"turn_start", "text_delta", "usage", "tool_start", "tool_end"} {
			if !slices.Contains(s.types, want) {
				t.Errorf("%v: no %s event in %v", flag, want, s.types)
			}
		}
		sid := s.events[0].SessionID
		tools, _ := s.init["tools"].([]any)
		if s.init["session_id"] != sid || s.init["workspace_id"] != "default" || s.init["workspace_dir"] != dir ||
			s.init["provider"] != "anthropic" || s.init["model"] != "claude-sonnet-4-5" || len(tools) < 7 || tools[0] != "read" || !slices.Contains(tools, any("bash")) {
			t.Errorf("%v: init %v", flag, s.init)
		}
		wantResult(t, s.result, map[string]any{"type": "result", "subtype": "success", "is_error": false, "result": "listed",
			"session_id": sid, "num_turns": 2.0, "reason": "end_turn", "exit_code": 0.0})
		if usage, _ := s.result["usage"].(map[string]any); usage["input_tokens"].(float64) <= 0 || s.result["total_cost_usd"].(float64) <= 0 {
			t.Errorf("%v: result usage and cost: %v", flag, s.result)
		}
	}
}

// wantResult checks the fields of a result object.
func wantResult(t *testing.T, got, want map[string]any) {
	t.Helper()
	for k, v := range want {
		if got[k] != v {
			t.Errorf("result %s = %#v, want %#v (result %v)", k, got[k], v, got)
		}
	}
	for _, k := range []string{"duration_ms", "duration_api_ms", "usage", "workspace_id", "provider"} {
		if _, ok := got[k]; !ok {
			t.Errorf("result has no %s: %v", k, got)
		}
	}
}

// TestRunJSON: json prints only the result object, also for a run stopped
// by --max-turns and for a run that failed.
func TestRunJSON(t *testing.T) {
	srv := fakellm.New(fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "ls"}}}, fakellm.Step{Text: "done"})
	defer srv.Close()
	state := t.TempDir()
	json1 := func(r result) map[string]any {
		t.Helper()
		var m map[string]any
		if strings.Count(r.stdout, "\n") != 1 || json.Unmarshal([]byte(r.stdout), &m) != nil {
			t.Fatalf("stdout is not one JSON object: %q", r.stdout)
		}
		return m
	}
	r := cli(t, state, fakeEnv(srv), "run", "-m", "go", "--output-format", "json", "--workspace", t.TempDir())
	wantResult(t, json1(r), map[string]any{"subtype": "success", "is_error": false, "result": "done", "num_turns": 2.0})

	srv2 := fakellm.New(fakellm.Step{Text: "partial", ToolCalls: []fakellm.ToolCall{{Name: "ls"}}})
	defer srv2.Close()
	r = cli(t, state, fakeEnv(srv2), "run", "-m", "go", "--output-format", "json", "--max-turns", "1", "--workspace", t.TempDir())
	if r.code != exitLimit {
		t.Errorf("max turns: exit %d, want %d", r.code, exitLimit)
	}
	wantResult(t, json1(r), map[string]any{"subtype": "error_max_turns", "is_error": true, "result": "partial", "reason": "max_turns", "exit_code": 3.0})

	r = cli(t, state, nil, "run", "-m", "go", "--output-format", "json")
	if r.code != exitError || !strings.Contains(r.stderr, "ANTHROPIC_API_KEY") {
		t.Errorf("no key: exit %d, stderr %q", r.code, r.stderr)
	}
	res := json1(r)
	wantResult(t, res, map[string]any{"subtype": "error_during_execution", "is_error": true, "num_turns": 0.0, "exit_code": 1.0})
	if msg, _ := res["error"].(string); !strings.Contains(msg, "ANTHROPIC_API_KEY") || res["session_id"] != nil {
		t.Errorf("no key: result %v", res)
	}
}

// TestRunTimeout: a run stopped by --timeout exits with exitLimit and says
// how to continue.
func TestRunTimeout(t *testing.T) {
	srv := fakellm.New(fakellm.Step{Text: "too late", Delay: time.Minute})
	defer srv.Close()
	start := time.Now()
	r := cli(t, t.TempDir(), fakeEnv(srv), "run", "-m", "go", "--timeout", "1s", "--session", "slow")
	wantErrorLine(t, r, exitLimit, "run exceeded its time budget (max run time) of 1s: context deadline exceeded (--timeout or the workspace's); continue with --session slow")
	if d := time.Since(start); d > 30*time.Second {
		t.Errorf("the run took %v", d)
	}
}

// startCLI starts the binary as cli does and returns it running.
func startCLI(t *testing.T, stateDir string, env []string, args ...string) (*exec.Cmd, *bytes.Buffer, *bytes.Buffer) {
	t.Helper()
	cmd := exec.Command(binary, args...)
	cmd.Env = append([]string{"PATH=" + os.Getenv("PATH"), "HOME=" + os.Getenv("HOME"), "BULKHEAD_STATE_DIR=" + stateDir}, env...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, &stdout, &stderr
}

// TestRunInterrupt: SIGINT while the model stalls ends the run with 130,
// SIGTERM with 143, saying how to continue, and the json result says so.
func TestRunInterrupt(t *testing.T) {
	for _, c := range []struct {
		sig  syscall.Signal
		code int
	}{{syscall.SIGINT, 130}, {syscall.SIGTERM, 143}} {
		srv := fakellm.New(fakellm.Step{Text: "never", Delay: time.Minute})
		cmd, stdout, stderr := startCLI(t, t.TempDir(), fakeEnv(srv), "run", "-m", "go", "--session", "int", "--output-format", "json")
		for deadline := time.Now().Add(30 * time.Second); len(srv.Requests()) == 0; time.Sleep(10 * time.Millisecond) {
			if time.Now().After(deadline) {
				cmd.Process.Kill()
				t.Fatalf("the model was never called; stderr %q", stderr)
			}
		}
		start := time.Now()
		cmd.Process.Signal(c.sig)
		cmd.Wait()
		srv.Close()
		if code := cmd.ProcessState.ExitCode(); code != c.code || time.Since(start) > 10*time.Second {
			t.Errorf("%v: exit %d after %v, want %d", c.sig, code, time.Since(start), c.code)
		}
		if want := "bulkhead: interrupted by " + map[syscall.Signal]string{syscall.SIGINT: "SIGINT", syscall.SIGTERM: "SIGTERM"}[c.sig] + "; continue with --session int\n"; stderr.String() != want {
			t.Errorf("%v: stderr %q, want %q", c.sig, stderr, want)
		}
		var res map[string]any
		json.Unmarshal(stdout.Bytes(), &res)
		wantResult(t, res, map[string]any{"subtype": "error_interrupted", "is_error": true, "exit_code": float64(c.code), "session_id": "int"})
	}
}

// TestRunVerbose: --verbose logs the run's start and end and each model
// call with its latency, in the console's style.
func TestRunVerbose(t *testing.T) {
	srv := fakellm.New(fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "ls"}}}, fakellm.Step{Text: "ok"})
	defer srv.Close()
	r := cli(t, t.TempDir(), fakeEnv(srv), "run", "-v", "-m", "go", "--session", "v1", "--workspace", t.TempDir())
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	for msg, fields := range map[string][]string{
		"run started":  {`session=v1`, `model=claude-sonnet-4-5`, `tools=\[\S*"read"\S*\]`},
		"model call":   {`turn=1`, `model=\S+`, `latency=[\d.]+m?s`, `input_tokens=\d+`, `output_tokens=\d+`},
		"tool call":    {`turn=1`, `tool=ls`, `duration=[\d.]+m?s`, `error=false`},
		"run finished": {`turns=2`, `reason=end_turn`, `duration=[\d.]+m?s`},
	} {
		line := regexp.MustCompile(`(?m)^bulkhead: \d\d:\d\d:\d\d\.\d{3} info: ` + msg + ` .*$`).FindString(r.stderr)
		for _, f := range fields {
			if !regexp.MustCompile(`\b` + f + `(\s|$)`).MatchString(line) {
				t.Errorf("no %q line with %s in:\n%s", msg, f, r.stderr)
			}
		}
	}
	for _, line := range strings.Split(strings.TrimSpace(r.stderr), "\n") {
		if !strings.HasPrefix(line, "bulkhead: ") {
			t.Errorf("stderr line not in the console's style: %q", line)
		}
	}
	quiet := fakellm.New(fakellm.Step{Text: "ok"})
	defer quiet.Close()
	if r := cli(t, t.TempDir(), fakeEnv(quiet), "run", "-m", "go", "--session", "q"); r.code != 0 || r.stderr != "" {
		t.Errorf("without --verbose: exit %d, stderr %q", r.code, r.stderr)
	}
}

// TestVersion: --version names the build, with its VCS revision when the
// binary records one.
func TestVersion(t *testing.T) {
	r := cli(t, t.TempDir(), nil, "--version")
	if r.code != 0 || !regexp.MustCompile(`^bulkhead \S+(, commit \w{12})?(, modified)?, go1\.\S+\n$`).MatchString(r.stdout) {
		t.Fatalf("--version: exit %d, stdout %q", r.code, r.stdout)
	}
	out, err := exec.Command("go", "version", "-m", binary).Output()
	if err != nil {
		t.Fatal(err)
	}
	if m := regexp.MustCompile(`vcs\.revision=(\w{12})`).FindSubmatch(out); m != nil && !strings.Contains(r.stdout, ", commit "+string(m[1])) {
		t.Errorf("--version %q lacks the revision %s", r.stdout, m[1])
	}
}

// TestRunTokenBudget: a run stopped by --max-tokens exits with exitLimit
// and names the budget.
func TestRunTokenBudget(t *testing.T) {
	srv := fakellm.New(fakellm.Step{Text: "working", ToolCalls: []fakellm.ToolCall{{Name: "ls"}}})
	defer srv.Close()
	r := cli(t, t.TempDir(), fakeEnv(srv), "run", "-m", "go", "--max-tokens", "1", "--session", "s")
	wantErrorLine(t, r, exitLimit, "stopped by the run's token budget (--max-tokens or the workspace's); continue with --session s")
	wantUsageError(t, cli(t, t.TempDir(), fakeEnv(srv), "run", "-m", "go", "--max-tokens", "-1"), "invalid --max-tokens -1")
}
