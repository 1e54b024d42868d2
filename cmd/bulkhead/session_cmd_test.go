package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"github.com/bulkhead-dev/bulkhead/sessions"
)

// runSession runs one agent turn in a new session id of workspace
// default, with a tool call, so that the transcript has every kind of
// block.
func runSession(t *testing.T, state, id string) {
	t.Helper()
	srv := fakellm.New(fakellm.Step{Text: "Listing.", ToolCalls: []fakellm.ToolCall{{Name: "ls"}}}, fakellm.Step{Text: "Two files ```here```."})
	defer srv.Close()
	if r := cli(t, state, fakeEnv(srv), "run", "-m", "what is there?", "--session", id); r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
}

// TestSessionJSON: session list and show print JSON with --json, [] for
// no sessions.
func TestSessionJSON(t *testing.T) {
	state := t.TempDir()
	cli(t, state, nil, "workspace", "create", "default")
	if r := cli(t, state, nil, "session", "list", "--json"); r.code != 0 || r.stdout != "[]\n" {
		t.Fatalf("empty list: exit %d, stdout %q", r.code, r.stdout)
	}
	runSession(t, state, "s1")
	var infos []sessions.Info
	r := cli(t, state, nil, "session", "list", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &infos); err != nil || len(infos) != 1 || infos[0].ID != "s1" || infos[0].Messages != 4 {
		t.Fatalf("list --json: %q (%v)", r.stdout, err)
	}
	var msgs []chat.Message
	r = cli(t, state, nil, "session", "show", "s1", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &msgs); err != nil || len(msgs) != 4 || msgs[0].Text() != "what is there?" {
		t.Fatalf("show --json: %q (%v)", r.stdout, err)
	}
}

// TestSessionExportAndDelete: export writes the transcript as stored or as
// Markdown, to stdout or a file; delete removes the session.
func TestSessionExportAndDelete(t *testing.T) {
	state := t.TempDir()
	runSession(t, state, "s1")
	stored, err := os.ReadFile(filepath.Join(state, "workspaces", "default", "sessions", "s1.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	if r := cli(t, state, nil, "session", "export", "s1"); r.code != 0 || r.stdout != string(stored) {
		t.Fatalf("export: exit %d, stdout %q, want the transcript %q", r.code, r.stdout, stored)
	}
	out := filepath.Join(t.TempDir(), "s1.md")
	if r := cli(t, state, nil, "session", "export", "s1", "--format", "markdown", "-o", out); r.code != 0 || r.stdout != "" {
		t.Fatalf("export -o: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	md, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"# Session s1\n", "\n## user · 20", "\nwhat is there?\n", "\n## assistant · claude-sonnet-4-5 · 20", "Tool call `ls`:\n\n```json\n{}\n```\n", "\n## tool · 20", "Tool result:\n\n```text\n", "\nTwo files ```here```.\n"} {
		if !strings.Contains(string(md), want) {
			t.Errorf("markdown lacks %q:\n%s", want, md)
		}
	}
	if fi, _ := os.Stat(out); fi.Mode().Perm() != 0o600 {
		t.Errorf("export file mode %v, want 0600", fi.Mode().Perm())
	}
	wantUsageError(t, cli(t, state, nil, "session", "export", "s1", "--format", "html"), `invalid --format "html": want jsonl or markdown`)
	wantOneLineError(t, cli(t, state, nil, "session", "export", "nope"), `session "nope": session not found`)

	if r := cli(t, state, nil, "session", "delete", "s1"); r.code != 0 || r.stdout != "" || r.stderr != "" {
		t.Fatalf("delete: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, state, nil, "session", "list", "--json"); r.stdout != "[]\n" {
		t.Errorf("list after delete: %q", r.stdout)
	}
	wantOneLineError(t, cli(t, state, nil, "session", "delete", "s1"), "session not found")
	wantUsageError(t, cli(t, state, nil, "session", "delete"), "session delete takes 1 argument, not 0; usage: bulkhead session delete ID")
}
