package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/runtime"
)

// TestWorkspaceExportImport: a tenant moves to another state directory
// with two commands, its files and credentials with it; an existing id is
// refused with a hint, --replace swaps it, --as re-seals the credentials
// and says what it needs without the passphrase; standard input works
// both ways; a terminal on standard output or input is refused.
func TestWorkspaceExportImport(t *testing.T) {
	from, to := t.TempDir(), t.TempDir()
	key := []string{"BULKHEAD_CREDENTIAL_KEY=host pass"}
	if r := cli(t, from, nil, "workspace", "create", "acme"); r.code != 0 {
		t.Fatalf("create: %s", r.stderr)
	}
	writeTestFile(t, filepath.Join(from, "workspaces", "acme", "files", "src", "main.go"), "package main\n")
	if r := cli(t, from, key, "cred", "set", "github", "TOKEN=ghp_secret", "--workspace-id", "acme"); r.code != 0 {
		t.Fatalf("cred set: %s", r.stderr)
	}
	archive := filepath.Join(t.TempDir(), "acme.tar.zst")
	r := cli(t, from, nil, "workspace", "export", "acme", "-o", archive)
	if r.code != 0 || r.stdout != "" || !strings.Contains(r.stderr, "note: exported workspace acme to "+archive) || strings.Contains(r.stderr, "export ·") {
		t.Fatalf("export: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if fi, err := os.Stat(archive); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("archive: %v %v", fi, err)
	}
	piped := cli(t, from, nil, "workspace", "export", "acme")
	if piped.code != 0 || len(piped.stdout) < 100 {
		t.Fatalf("export to stdout: %d %q", piped.code, piped.stderr)
	}
	data, _ := os.ReadFile(archive)
	if bytes.Contains(data, []byte("ghp_secret")) || strings.Contains(piped.stdout, "ghp_secret") {
		t.Fatal("the credential is in the archive in plaintext")
	}

	r = cli(t, to, key, "workspace", "import", archive)
	if r.code != 0 || strings.TrimSpace(r.stdout) != filepath.Join(to, "workspaces", "acme") || !strings.Contains(r.stderr, "credentials kept") {
		t.Fatalf("import: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if got, _ := os.ReadFile(filepath.Join(to, "workspaces", "acme", "files", "src", "main.go")); string(got) != "package main\n" {
		t.Errorf("imported file: %q", got)
	}
	if r := cli(t, to, key, "cred", "list", "--workspace-id", "acme"); r.code != 0 || !strings.Contains(r.stdout, "github") {
		t.Errorf("cred list after import: %d %q %q", r.code, r.stdout, r.stderr)
	}
	wantOneLineError(t, cli(t, to, key, "workspace", "import", archive), `workspace "acme" exists: give --replace`)
	if r := cliStdin(t, to, key, strings.NewReader(piped.stdout), "workspace", "import", "-", "--replace", "--json"); r.code != 0 {
		t.Fatalf("import - --replace: %d %q", r.code, r.stderr)
	} else {
		var st runtime.ImportStats
		if err := json.Unmarshal([]byte(r.stdout), &st); err != nil || !st.Replaced || st.Workspace != "acme" || st.Files == 0 {
			t.Errorf("--json: %q %v", r.stdout, err)
		}
	}
	wantUsageError(t, cli(t, to, nil, "workspace", "import", archive, "--as", "beta"), "set BULKHEAD_CREDENTIAL_KEY")
	if _, err := os.Stat(filepath.Join(to, "workspaces", "beta")); !os.IsNotExist(err) {
		t.Errorf("a refused import left beta: %v", err)
	}
	wantUsageError(t, cli(t, to, nil, "workspace", "import", archive, "--as", "../x"), "invalid")
	other := []string{"BULKHEAD_CREDENTIAL_KEY=another host", "BULKHEAD_ARCHIVE_CREDENTIAL_KEY=host pass"}
	if r := cli(t, to, other, "workspace", "import", archive, "--as", "beta"); r.code != 0 || !strings.Contains(r.stderr, "credentials re-sealed under this host's passphrase") {
		t.Fatalf("import --as beta: %d %q", r.code, r.stderr)
	}
	if r := cli(t, to, other[:1], "cred", "list", "--workspace-id", "beta"); r.code != 0 || !strings.Contains(r.stdout, "github") {
		t.Errorf("beta's credentials under the new host's passphrase: %d %q %q", r.code, r.stdout, r.stderr)
	}

	damaged := bytes.Clone(data)
	damaged[len(damaged)/2] ^= 0xff
	path := filepath.Join(t.TempDir(), "damaged.tar.zst")
	os.WriteFile(path, damaged, 0o600)
	wantOneLineError(t, cli(t, t.TempDir(), nil, "workspace", "import", path), "corrupt archive")

	term := inTerminal(t, from, nil, "workspace", "export", "acme")
	if !strings.Contains(term, "standard output is a terminal") {
		t.Errorf("export to a terminal: %q", term)
	}
}

// TestTransferProgressOnTerminal: with stderr on a terminal an export
// shows its progress on the status line and erases it; piped, it does
// not (see TestWorkspaceExportImport).
func TestTransferProgressOnTerminal(t *testing.T) {
	state := t.TempDir()
	cli(t, state, nil, "workspace", "create", "acme")
	out := filepath.Join(t.TempDir(), "a.tar.zst")
	term := inTerminal(t, state, nil, "workspace", "export", "acme", "-o", out)
	if !strings.Contains(term, "export · ") || !strings.Contains(term, "\r\x1b[K") || !strings.Contains(term, "exported workspace acme") {
		t.Errorf("terminal got %q", term)
	}
}

// TestTransferLine: the status line's wording, sizes and rates.
func TestTransferLine(t *testing.T) {
	for _, tc := range []struct {
		p    runtime.TransferProgress
		want string
	}{
		{runtime.TransferProgress{Phase: "snapshot", Entries: 1204, Bytes: 412 << 20}, "export · 1,204 entries · 412.0 MiB read · 206.0 MiB/s"},
		{runtime.TransferProgress{Phase: "write", Compressed: 80 << 20, TotalCompressed: 120 << 20}, "write · 80.0 MiB of 120.0 MiB (66%) · 40.0 MiB/s"},
		{runtime.TransferProgress{Phase: "import", Entries: 12, TotalEntries: 1234567, Bytes: 700, TotalBytes: 1 << 30}, "import · 12 of 1,234,567 entries · 700 B of 1.0 GiB (0%) · 350 B/s"},
	} {
		if got := transferLine(tc.p, 2*time.Second); got != tc.want {
			t.Errorf("got  %q\nwant %q", got, tc.want)
		}
	}
}

func writeTestFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}
