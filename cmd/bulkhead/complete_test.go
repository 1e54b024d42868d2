package main

import (
	"strings"
	"testing"
)

// TestCompletionScripts: the completion command writes each shell's
// script.
func TestCompletionScripts(t *testing.T) {
	for shell, want := range map[string]string{
		"bash": "__start_bulkhead", "zsh": "#compdef bulkhead", "fish": "complete -c bulkhead", "powershell": "Register-ArgumentCompleter",
	} {
		r := cli(t, t.TempDir(), nil, "completion", shell)
		if r.code != 0 || !strings.Contains(r.stdout, want) {
			t.Errorf("completion %s: exit %d, no %q in %.200q", shell, r.code, want, r.stdout)
		}
	}
	wantUsageError(t, cli(t, t.TempDir(), nil, "completion", "tcsh"), `unknown command "tcsh" for bulkhead completion`)
}

// TestCompleteIDs: the shell's completion requests (__complete) list the
// workspace ids and the sessions of the workspace named on the command
// line, for flags and arguments.
func TestCompleteIDs(t *testing.T) {
	state := t.TempDir()
	for _, id := range []string{"acme", "beta", "alpha"} {
		cli(t, state, nil, "workspace", "create", id)
	}
	runSession(t, state, "first")
	runSession(t, state, "second")
	complete := func(args ...string) []string {
		t.Helper()
		r := cli(t, state, nil, append([]string{"__complete"}, args...)...)
		if r.code != 0 {
			t.Fatalf("__complete %v: exit %d: %s", args, r.code, r.stderr)
		}
		lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
		return lines[:len(lines)-1] // the last line is the directive
	}
	for _, args := range [][]string{
		{"workspace", "show", "a"},
		{"workspace", "delete", "a"},
		{"run", "--workspace-id", "a"},
		{"memory", "list", "--workspace-id", "a"},
	} {
		if got := strings.Join(complete(args...), " "); got != "acme alpha" {
			t.Errorf("complete %v = %q, want acme alpha", args, got)
		}
	}
	if got := complete("workspace", "show", "acme", ""); len(got) != 0 {
		t.Errorf("a second argument completes to %q", got)
	}
	for _, args := range [][]string{
		{"session", "show", ""},
		{"session", "export", "--workspace-id", "default", ""},
		{"run", "--session", ""},
	} {
		got := complete(args...)
		if len(got) != 2 || !strings.HasPrefix(got[0], "second\t") || !strings.HasPrefix(got[1], "first\t") || !strings.Contains(got[0], "4 messages") {
			t.Errorf("complete %v = %q, want second then first, described", args, got)
		}
	}
	if got := complete("session", "delete", "--workspace-id", "acme", ""); len(got) != 0 {
		t.Errorf("sessions of acme: %q", got)
	}
}
