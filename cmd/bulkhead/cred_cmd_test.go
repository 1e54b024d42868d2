package main

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCredCommands: set (a value from an argument and one from standard
// input), list without values, delete, rotate, and the errors of a missing
// or wrong passphrase; no value reaches any output or the vault file in
// plaintext.
func TestCredCommands(t *testing.T) {
	state := t.TempDir()
	key := []string{"BULKHEAD_CREDENTIAL_KEY=first pass"}
	if r := cliStdin(t, state, key, strings.NewReader("s3cr3t-from-stdin\n"), "cred", "set", "github", "GITHUB_TOKEN=-", "GITHUB_USER=octo-visible", "--for-host", "api.github.com", "--to-bash"); r.code != 0 {
		t.Fatalf("set: %d %s", r.code, r.stderr)
	}
	r := cli(t, state, key, "cred", "list", "--json")
	var infos []struct {
		Name   string   `json:"name"`
		Keys   []string `json:"keys"`
		Hosts  []string `json:"hosts"`
		ToBash bool     `json:"to_bash"`
	}
	if r.code != 0 || json.Unmarshal([]byte(r.stdout), &infos) != nil || len(infos) != 1 || infos[0].Name != "github" ||
		strings.Join(infos[0].Keys, ",") != "GITHUB_TOKEN,GITHUB_USER" || infos[0].Hosts[0] != "api.github.com" || !infos[0].ToBash {
		t.Fatalf("list: %d %q %s", r.code, r.stdout, r.stderr)
	}
	raw, _ := os.ReadFile(filepath.Join(state, "workspaces", "default", "credentials.enc.json"))
	for _, secret := range []string{"s3cr3t-from-stdin", "octo-visible"} {
		if strings.Contains(r.stdout+r.stderr, secret) || strings.Contains(string(raw), secret) {
			t.Fatalf("%q is visible", secret)
		}
	}
	if r := cli(t, state, nil, "cred", "list"); r.code == 0 || !strings.Contains(r.stderr, "set BULKHEAD_CREDENTIAL_KEY") {
		t.Errorf("without a passphrase: %d %q", r.code, r.stderr)
	}
	if r := cli(t, state, []string{"BULKHEAD_CREDENTIAL_KEY=wrong"}, "cred", "list"); r.code == 0 || !strings.Contains(r.stderr, "passphrase") {
		t.Errorf("wrong passphrase: %d %q", r.code, r.stderr)
	}
	if r := cli(t, state, append(key, "BULKHEAD_NEW_CREDENTIAL_KEY=second pass"), "cred", "rotate"); r.code != 0 || !strings.Contains(r.stdout, "default\trotated") {
		t.Fatalf("rotate: %d %q %q", r.code, r.stdout, r.stderr)
	}
	key2 := []string{"BULKHEAD_CREDENTIAL_KEY=second pass"}
	if r := cli(t, state, key2, "cred", "delete", "github"); r.code != 0 {
		t.Fatalf("delete: %d %s", r.code, r.stderr)
	}
	if r := cli(t, state, key2, "cred", "list", "--json"); strings.TrimSpace(r.stdout) != "[]" {
		t.Fatalf("after delete: %q", r.stdout)
	}
	if r := cli(t, state, key2, "cred", "set", "bad name", "K=v"); r.code == 0 || !strings.Contains(r.stderr, "invalid") {
		t.Errorf("bad entry name: %d %q", r.code, r.stderr)
	}
	if r := cli(t, state, key2, "cred", "set", "x", "LD_PRELOAD=/tmp/x.so"); r.code == 0 || !strings.Contains(r.stderr, "LD_PRELOAD") {
		t.Errorf("a loader variable: %d %q", r.code, r.stderr)
	}
}
