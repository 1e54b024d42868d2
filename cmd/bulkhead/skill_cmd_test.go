package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

// TestSkillsThroughTheCLI: a tenant stores a credential, adds an
// instruction skill and the example WASM skill, enables them, and the
// agent of `bulkhead run` reads one with skill_read, runs its script in
// bash under /skills/<id> and executes the other with skill_execute; the
// credential appears in no output, request, event or transcript. Removal
// is refused while enabled.
func TestSkillsThroughTheCLI(t *testing.T) {
	state, src := t.TempDir(), t.TempDir()
	key := "BULKHEAD_CREDENTIAL_KEY=tenant pass"
	const token = "rpt-7d1e0c55aa"
	dir := filepath.Join(src, "notes")
	os.MkdirAll(filepath.Join(dir, "scripts"), 0o755)
	os.WriteFile(filepath.Join(dir, "SKILL.md"), []byte("---\nname: notes\ndescription: Take notes. Run scripts/count.sh.\n---\nCount lines with scripts/count.sh FILE.\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "scripts", "count.sh"), []byte("#!/bin/sh\nwc -l < \"$1\"\n"), 0o755)
	steps := [][]string{
		{"skill", "add", dir},
		{"skill", "add", "../../testdata/skills/env-report"},
		{"skill", "enable", "notes"},
		{"skill", "enable", "env-report"},
	}
	for _, args := range steps {
		if r := cli(t, state, []string{key}, args...); r.code != 0 {
			t.Fatalf("%v: %d %s", args, r.code, r.stderr)
		}
	}
	if r := cliStdin(t, state, []string{key}, strings.NewReader(token), "cred", "set", "report", "REPORT_TOKEN=-"); r.code != 0 {
		t.Fatalf("cred set: %s", r.stderr)
	}
	r := cli(t, state, []string{key}, "skill", "list", "--json", "--workspace-id", "default")
	var rows []struct{ ID, Kind string }
	if json.Unmarshal([]byte(r.stdout), &rows) != nil || len(rows) != 2 || rows[0].ID != "env-report" || rows[0].Kind != "wasm" {
		t.Fatalf("skill list: %q %s", r.stdout, r.stderr)
	}
	ws := t.TempDir()
	os.WriteFile(filepath.Join(ws, "todo.txt"), []byte("a\nb\nc\n"), 0o644)
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "skill_read", Input: map[string]any{"skillId": "notes"}}}},
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "bash", Input: map[string]any{"command": "sh /skills/notes/scripts/count.sh todo.txt; env | grep -c REPORT_TOKEN"}}}},
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "skill_execute", Input: map[string]any{"skillId": "env-report", "params": map[string]any{"echo": "hi"}}}}},
		fakellm.Step{Text: "done"},
	)
	defer srv.Close()
	run := cli(t, state, []string{key, "ANTHROPIC_API_KEY=k", "ANTHROPIC_BASE_URL=" + srv.AnthropicBaseURL(), "BULKHEAD_LOG_LEVEL=debug"},
		"run", "-m", "count my todos", "--workspace", ws, "--session", "s1", "--json")
	if run.code != 0 {
		t.Fatalf("run: %d %s", run.code, run.stderr)
	}
	reqs := srv.Requests()
	if got := reqs[1].LastToolResults()[0].Text; !strings.Contains(got, "Count lines with scripts/count.sh") {
		t.Errorf("skill_read: %q", got)
	}
	if got := reqs[2].LastToolResults()[0].Text; !strings.HasPrefix(got, "3\n0\n") {
		t.Errorf("bash with /skills/notes: %q", got)
	}
	if got := reqs[3].LastToolResults()[0].Text; !strings.Contains(got, `"token_length": 14`) {
		t.Errorf("skill_execute: %q", got)
	}
	raw, _ := json.Marshal(reqs)
	transcript, _ := os.ReadFile(filepath.Join(state, "workspaces", "default", "sessions", "s1.jsonl"))
	for where, text := range map[string]string{"requests": string(raw), "stdout": run.stdout, "logs": run.stderr, "transcript": string(transcript)} {
		if strings.Contains(text, token) {
			t.Errorf("the credential reached the %s", where)
		}
	}
	if r := cli(t, state, []string{key}, "skill", "remove", "notes"); r.code == 0 || !strings.Contains(r.stderr, "default") {
		t.Errorf("remove while enabled: %d %q", r.code, r.stderr)
	}
	for _, args := range [][]string{{"skill", "disable", "notes"}, {"skill", "remove", "notes"}} {
		if r := cli(t, state, []string{key}, args...); r.code != 0 {
			t.Fatalf("%v: %d %s", args, r.code, r.stderr)
		}
	}
	if r := cli(t, state, []string{key}, "skill", "add", filepath.Join(src, "missing")); r.code == 0 {
		t.Error("adding a missing folder succeeded")
	}
}
