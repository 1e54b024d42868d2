package main

import (
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"github.com/bulkhead-dev/bulkhead/runtime"
)

var update = flag.Bool("update", false, "re-record testdata/demo/cassette.json against the scripted model")

// demoCassette is the recording `make demo` replays.
const demoCassette = "../../testdata/demo/cassette.json"

// TestDemoCassette replays the bundled recording as the README's first
// command does: no network, no key, the real WASM tools and jail. With
// -update it first re-records the cassette from the scripted model.
func TestDemoCassette(t *testing.T) {
	if *update {
		srv := fakellm.New(taskSteps()...)
		defer srv.Close()
		os.Remove(demoCassette)
		r := cli(t, t.TempDir(), []string{"ANTHROPIC_API_KEY=sk-recording"},
			"run", "-m", taskMessage, "--workspace", copyProject(t), "--base-url", srv.AnthropicBaseURL(), "--record", demoCassette)
		if r.code != 0 {
			t.Fatalf("record: %s", r.stderr)
		}
	}
	raw, err := os.ReadFile(demoCassette)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(raw), "sk-recording") {
		t.Fatal("cassette holds the API key")
	}
	project := copyProject(t)
	r := cli(t, t.TempDir(), nil, "run", "--replay", demoCassette, "-m", taskMessage, "--workspace", project, "--json")
	if r.code != 0 {
		t.Fatalf("replay: exit %d: %s", r.code, r.stderr)
	}
	var done runtime.Event
	var testRuns []string
	for _, ev := range parseStream(t, r.stdout).events {
		if ev.Type == runtime.EventToolEnd && ev.Tool.Name == "bash" {
			testRuns = append(testRuns, ev.Tool.Output)
		}
		done = ev
	}
	if done.Type != runtime.EventDone || done.Result.Response != taskAnswer {
		t.Fatalf("last event = %+v", done)
	}
	checkProjectFixed(t, project)
	if len(testRuns) != 2 || !strings.Contains(testRuns[0], "FAILED") || !strings.HasPrefix(testRuns[1], "OK\n") {
		t.Fatalf("test runs in the jail = %q", testRuns)
	}
}

// TestReplayDiverges: a run that differs from the recording fails with one
// clear line naming the interaction.
func TestReplayDiverges(t *testing.T) {
	r := cli(t, t.TempDir(), nil, "run", "--replay", demoCassette, "-m", "a different task", "--workspace", copyProject(t))
	wantOneLineError(t, r, "interactions[0]")
	// Same message, but the project is already fixed: the tools answer
	// differently and the replay stops where they diverge.
	project := copyProject(t)
	src := filepath.Join(project, "inventory", "pagination.py")
	b, _ := os.ReadFile(src)
	os.WriteFile(src, []byte(strings.Replace(string(b), fixOld, fixNew, 1)), 0o644)
	r = cli(t, t.TempDir(), nil, "run", "--replay", demoCassette, "-m", taskMessage, "--workspace", project)
	wantOneLineError(t, r, "differ")
}

// TestRecordReplayRoundTrip records a run over the OpenAI protocol and
// replays it with no server and no key.
func TestRecordReplayRoundTrip(t *testing.T) {
	srv := fakellm.New(fakellm.Step{Text: "a", ToolCalls: []fakellm.ToolCall{{Name: "write", Input: map[string]string{"path": "x.txt", "content": "x"}}}}, fakellm.Step{Text: "written"})
	cassette := filepath.Join(t.TempDir(), "c.json")
	r := cli(t, t.TempDir(), []string{"OPENAI_API_KEY=sk-secret-rr"}, "run", "-m", "write x", "--provider", "openai",
		"--base-url", srv.OpenAIBaseURL(), "--workspace", t.TempDir(), "--record", cassette)
	srv.Close()
	if r.code != 0 || strings.TrimSpace(r.stdout) != "written" {
		t.Fatalf("record: %d %q %q", r.code, r.stdout, r.stderr)
	}
	dir := t.TempDir()
	r = cli(t, t.TempDir(), nil, "run", "-m", "write x", "--replay", cassette, "--workspace", dir)
	if r.code != 0 || strings.TrimSpace(r.stdout) != "written" {
		t.Fatalf("replay: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if b, _ := os.ReadFile(filepath.Join(dir, "x.txt")); string(b) != "x" {
		t.Fatalf("x.txt = %q", b)
	}
	raw, _ := os.ReadFile(cassette)
	if strings.Contains(string(raw), "sk-secret-rr") {
		t.Fatal("cassette holds the key")
	}
}
