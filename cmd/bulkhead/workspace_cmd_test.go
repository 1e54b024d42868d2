package main

import (
	"encoding/json"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestWorkspaceUpdate: update changes the flags given and keeps the rest;
// an invalid value is a usage error naming the field, and changes nothing.
func TestWorkspaceUpdate(t *testing.T) {
	state := t.TempDir()
	if r := cli(t, state, nil, "workspace", "create", "w", "--model", "m1", "--system-prompt", "be brief", "--max-turns", "7"); r.code != 0 {
		t.Fatalf("create: %s", r.stderr)
	}
	show := func() workspaceJSON {
		t.Helper()
		var d workspaceJSON
		r := cli(t, state, nil, "workspace", "show", "w", "--json")
		if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
			t.Fatalf("show --json: %q: %v", r.stdout, err)
		}
		return d
	}
	created := show().Config.Created
	if r := cli(t, state, nil, "workspace", "update", "w", "--model", "m2", "--max-turns", "0", "--tool-timeout", "10s"); r.code != 0 {
		t.Fatalf("update: exit %d: %s", r.code, r.stderr)
	}
	cfg := show().Config
	if cfg.Model != "m2" || cfg.MaxTurns != 0 || cfg.SystemPrompt != "be brief" || time.Duration(cfg.ToolTimeout) != 10*time.Second || !cfg.Created.Equal(created) {
		t.Fatalf("after update: %+v", cfg)
	}
	wantUsageError(t, cli(t, state, nil, "workspace", "update", "w", "--max-turns", "-1"), "workspace w: invalid workspace config: max turns -1 must not be negative")
	wantUsageError(t, cli(t, state, nil, "workspace", "update", "w", "--provider", "nope"), `provider "nope": want one of`)
	wantUsageError(t, cli(t, state, nil, "workspace", "update", "w", "--max-turns", "x"), `invalid --max-turns "x"`)
	wantUsageError(t, cli(t, state, nil, "workspace", "update", "w"), "nothing to update")
	wantOneLineError(t, cli(t, state, nil, "workspace", "update", "ghost", "--model", "m"), "workspace not found")
	if cfg := show().Config; cfg.Model != "m2" || cfg.MaxTurns != 0 {
		t.Fatalf("a refused update changed the config: %+v", cfg)
	}
}

// TestWorkspaceJSON: workspace list and show print JSON with --json.
func TestWorkspaceJSON(t *testing.T) {
	state := t.TempDir()
	if r := cli(t, state, nil, "workspace", "list", "--json"); r.code != 0 || r.stdout != "[]\n" {
		t.Fatalf("empty list: exit %d, stdout %q", r.code, r.stdout)
	}
	cli(t, state, nil, "workspace", "create", "b", "--provider", "openai")
	cli(t, state, nil, "workspace", "create", "a")
	var list []workspaceJSON
	r := cli(t, state, nil, "workspace", "list", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &list); err != nil || len(list) != 2 || list[0].ID != "a" || list[1].Config.Provider != "openai" ||
		list[1].Dir != filepath.Join(state, "workspaces", "b") || list[0].Sessions != nil {
		t.Fatalf("list --json: %q (%v)", r.stdout, err)
	}
	var d map[string]any
	r = cli(t, state, nil, "workspace", "show", "b", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &d); err != nil || d["id"] != "b" || d["sessions"] != 0.0 || d["files_dir"] != filepath.Join(state, "workspaces", "b", "files") {
		t.Fatalf("show --json: %q (%v)", r.stdout, err)
	}
}

// TestWorkspaceDeleteConfirmation: delete asks on a terminal and deletes
// only on yes; without a terminal it needs --yes.
func TestWorkspaceDeleteConfirmation(t *testing.T) {
	state := t.TempDir()
	cli(t, state, nil, "workspace", "create", "w")
	dir := filepath.Join(state, "workspaces", "w")
	exists := func() bool { _, err := os.Stat(dir); return err == nil }

	wantUsageError(t, cli(t, state, nil, "workspace", "delete", "w"), `refusing to delete workspace "w" without confirmation: give --yes`)
	if !exists() {
		t.Fatal("deleted without confirmation")
	}
	const question = `bulkhead: delete workspace "w" and everything in it (configuration, sessions, memory, credentials, files)? [y/N] `
	for _, answer := range []string{"n", "", "yes please"} {
		tm := startTerminal(t, state, nil, "workspace", "delete", "w")
		tm.waitFor(question)
		tm.send(answer + "\n")
		out, code := tm.wait()
		if code != exitError || !strings.HasSuffix(out, "bulkhead: workspace \"w\" not deleted\n") || !exists() {
			t.Fatalf("answer %q: exit %d, terminal %q, exists %v", answer, code, out, exists())
		}
	}
	tm := startTerminal(t, state, nil, "workspace", "delete", "w")
	tm.waitFor(question)
	tm.send("Y\n")
	if out, code := tm.wait(); code != 0 || exists() {
		t.Fatalf("answer Y: exit %d, terminal %q, exists %v", code, out, exists())
	}
	cli(t, state, nil, "workspace", "create", "w")
	if r := cli(t, state, nil, "workspace", "delete", "-y", "w"); r.code != 0 || exists() {
		t.Fatalf("-y: exit %d, stderr %q", r.code, r.stderr)
	}
	wantOneLineError(t, cli(t, state, nil, "workspace", "delete", "-y", "w"), "workspace not found")
}

// TestWorkspaceBudgetAndSubagentFlags: budgets and subagent settings are
// set at create, changed by update (a role removed with NAME=), and a
// depth out of range is a usage error.
func TestWorkspaceBudgetAndSubagentFlags(t *testing.T) {
	state := t.TempDir()
	if r := cli(t, state, nil, "workspace", "create", "w", "--subagents", "--subagent-role", "reviewer=You review.",
		"--subagent-tools", "reviewer=read,grep", "--max-tokens", "5000", "--max-run-time", "2m", "--max-jail-cpu", "30s"); r.code != 0 {
		t.Fatalf("create: %s", r.stderr)
	}
	show := func() workspaceJSON {
		t.Helper()
		var d workspaceJSON
		r := cli(t, state, nil, "workspace", "show", "w", "--json")
		if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
			t.Fatalf("show --json: %q: %v", r.stdout, err)
		}
		return d
	}
	cfg := show().Config
	s := cfg.Subagents
	if cfg.MaxTokens != 5000 || time.Duration(cfg.MaxRunTime) != 2*time.Minute || time.Duration(cfg.MaxJailCPU) != 30*time.Second ||
		s == nil || !s.Enabled || s.Roles["reviewer"].SystemPrompt != "You review." || strings.Join(s.Roles["reviewer"].Tools, ",") != "read,grep" {
		t.Fatalf("after create: %+v %+v", cfg, s)
	}
	if r := cli(t, state, nil, "workspace", "update", "w", "--subagent-depth", "2", "--subagent-role", "extra=Be brief."); r.code != 0 {
		t.Fatalf("update: %s", r.stderr)
	}
	if r := cli(t, state, nil, "workspace", "update", "w", "--subagents=false", "--subagent-role", "reviewer="); r.code != 0 {
		t.Fatalf("update: %s", r.stderr)
	}
	s = show().Config.Subagents
	if s.Enabled || s.MaxDepth != 2 || len(s.Roles) != 1 || s.Roles["extra"].SystemPrompt != "Be brief." {
		t.Errorf("after updates: %+v", s)
	}
	wantUsageError(t, cli(t, state, nil, "workspace", "update", "w", "--subagent-depth", "99"), `invalid --subagent-depth "99"`)
	wantUsageError(t, cli(t, state, nil, "workspace", "update", "w", "--subagent-role", "noequals"), `want NAME=VALUE`)
}

// TestWorkspaceUsage: `workspace usage` sums the ledger's rows of the
// range asked for, in text and JSON, and lists runs with --runs.
func TestWorkspaceUsage(t *testing.T) {
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "ls"}}},
		fakellm.Step{Text: "one"},
		fakellm.Step{Text: "two"},
	)
	defer srv.Close()
	state := t.TempDir()
	for _, msg := range []string{"a", "b"} {
		if r := cli(t, state, fakeEnv(srv), "run", "-m", msg); r.code != 0 {
			t.Fatalf("run: %s", r.stderr)
		}
	}
	r := cli(t, state, nil, "workspace", "usage", "default", "--json", "--runs")
	var rep usageReportJSON
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil {
		t.Fatalf("usage --json: %q: %v", r.stdout, err)
	}
	if rep.Totals.Runs != 2 || rep.Totals.ModelCalls != 3 || rep.Totals.ToolCalls["ls"] != 1 || len(rep.Runs) != 2 || rep.Totals.OutputTokens == 0 {
		t.Errorf("report %+v", rep)
	}
	r = cli(t, state, nil, "workspace", "usage", "default", "--runs")
	if r.code != 0 || !strings.Contains(r.stdout, "runs         2 (0 failed)") || !strings.Contains(r.stdout, "ls 1") || strings.Count(r.stdout, "end_turn") != 2 {
		t.Errorf("usage: %d\n%s%s", r.code, r.stdout, r.stderr)
	}
	r = cli(t, state, nil, "workspace", "usage", "default", "--since", "1h", "--until", "30m", "--json")
	if err := json.Unmarshal([]byte(r.stdout), &rep); err != nil || rep.Totals.Runs != 0 || rep.To == nil {
		t.Errorf("an earlier range: %+v (%v)", rep, err)
	}
	wantUsageError(t, cli(t, state, nil, "workspace", "usage", "default", "--until", "2h", "--since", "1h"), "invalid --until 2h0m0s")
}
