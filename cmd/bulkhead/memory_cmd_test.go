package main

import (
	"fmt"
	"strings"
	"testing"
)

// TestParseMemoryID: only canonical positive decimals are ids.
func TestParseMemoryID(t *testing.T) {
	for s, want := range map[string]int64{"1": 1, "42": 42, "9223372036854775807": 1<<63 - 1} {
		if id, err := parseMemoryID(s); err != nil || id != want {
			t.Errorf("parseMemoryID(%q) = %d, %v; want %d", s, id, err, want)
		}
	}
	for _, s := range []string{"", "0", "00", "01", "+1", "-1", " 1", "1 ", "1e3", "0x1", "1_000", "9223372036854775808", "x"} {
		if id, err := parseMemoryID(s); err == nil || err.Error() != fmt.Sprintf("invalid memory id %q: ids are positive integers", s) {
			t.Errorf("parseMemoryID(%q) = %d, %v; want the invalid id error", s, id, err)
		}
	}
}

// TestMemoryTags: memory list and search show tags and keep only the
// memories with --tag.
func TestMemoryTags(t *testing.T) {
	state := t.TempDir()
	cli(t, state, nil, "workspace", "create", "m")
	for _, args := range [][]string{
		{"the deploy runs on fridays", "--tag", "ops", "--tag", "deploy"},
		{"the deploy needs a green build", "--tag", "ci"},
		{"the deploy has no tag"},
	} {
		if r := cli(t, state, nil, append([]string{"memory", "store", "--workspace-id", "m"}, args...)...); r.code != 0 {
			t.Fatalf("store: %s", r.stderr)
		}
	}
	r := cli(t, state, nil, "memory", "list", "--workspace-id", "m")
	if !strings.Contains(r.stdout, "1 [api · ") || !strings.Contains(r.stdout, " · tags ops, deploy] the deploy runs on fridays") || !strings.Contains(r.stdout, " · tags ci] the deploy needs") {
		t.Errorf("list shows no tags: %q", r.stdout)
	}
	for _, cmd := range [][]string{{"list"}, {"search", "deploy"}} {
		r := cli(t, state, nil, append([]string{"memory", "--workspace-id", "m", "--tag", "ops"}, cmd...)...)
		if r.code != 0 || !strings.Contains(r.stdout, "fridays") || strings.Contains(r.stdout, "green build") || strings.Contains(r.stdout, "no tag") {
			t.Errorf("%v --tag ops: exit %d, stdout %q, stderr %q", cmd, r.code, r.stdout, r.stderr)
		}
	}
	if r := cli(t, state, nil, "memory", "search", "--workspace-id", "m", "--tag", "nobody", "deploy"); r.code != 0 || r.stdout != "No memories found.\n" {
		t.Errorf("unused tag: exit %d, stdout %q", r.code, r.stdout)
	}
	if r := cli(t, state, nil, "memory", "list", "--workspace-id", "m", "--tag", "ci", "--json"); !strings.Contains(r.stdout, `"tags":["ci"]`) || strings.Count(r.stdout, `"id"`) != 1 {
		t.Errorf("list --tag ci --json: %q", r.stdout)
	}
}
