package runtime

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

// TestConfinement attacks the workspace boundary with every built-in tool,
// through the real guest, with hostile symlinks (planted on the host and
// made by bash in the jail), hard links, "..", and absolute paths. No
// result may carry the outside secret, and nothing outside may change.
func TestConfinement(t *testing.T) {
	const secret = "TOP-SECRET-7f3a"
	base := t.TempDir()
	outside := filepath.Join(base, "outside")
	ws := filepath.Join(base, "ws")
	writeFile(t, filepath.Join(outside, "secret.txt"), secret+"\n")
	writeFile(t, filepath.Join(ws, "ok.txt"), "fine\n")
	for link, target := range map[string]string{
		"abs":     filepath.Join(outside, "secret.txt"),
		"rel":     "../outside/secret.txt",
		"dirlink": outside,
		"etc":     "/etc",
	} {
		if err := os.Symlink(target, filepath.Join(ws, link)); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Link(filepath.Join(outside, "secret.txt"), filepath.Join(ws, "hard")); err != nil {
		t.Fatal(err)
	}
	writeFile(t, filepath.Join(ws, "bin.dat"), "\x7fELF\x00\x00\x01binary")
	writeFile(t, filepath.Join(ws, "big.txt"), strings.Repeat("a line of text\n", 200000))

	type attack struct {
		name  string
		input map[string]any
	}
	attacks := []attack{
		{"read", map[string]any{"path": "abs"}},
		{"read", map[string]any{"path": "rel"}},
		{"read", map[string]any{"path": "dirlink/secret.txt"}},
		{"read", map[string]any{"path": "hard"}},
		{"read", map[string]any{"path": "../outside/secret.txt"}},
		{"read", map[string]any{"path": "/workspace/../outside/secret.txt"}},
		{"read", map[string]any{"path": filepath.Join(outside, "secret.txt")}},
		{"read", map[string]any{"path": "/etc/passwd"}},
		{"read", map[string]any{"path": "etc/passwd"}},
		{"write", map[string]any{"path": "abs", "content": "pwned"}},
		{"write", map[string]any{"path": "dirlink/planted.txt", "content": "pwned"}},
		{"write", map[string]any{"path": "../planted.txt", "content": "pwned"}},
		{"write", map[string]any{"path": "hard", "content": "pwned"}},
		{"edit", map[string]any{"path": "abs", "edits": []map[string]string{{"oldText": "TOP", "newText": "PWN"}}}},
		{"edit", map[string]any{"path": "hard", "edits": []map[string]string{{"oldText": "TOP", "newText": "PWN"}}}},
		{"ls", map[string]any{"path": "dirlink"}},
		{"ls", map[string]any{"path": ".."}},
		{"ls", map[string]any{"path": "etc"}},
		{"find", map[string]any{"pattern": "*", "path": "dirlink"}},
		{"find", map[string]any{"pattern": "**/secret*"}},
		{"grep", map[string]any{"pattern": "TOP-SECRET"}},
		{"grep", map[string]any{"pattern": "root", "path": "etc"}},
		{"bash", map[string]any{"command": "ln -s /etc/shadow shadow; ln -s ../../../../../../ up; ln -s " + outside + " jailmade; echo made"}},
	}
	second := []attack{
		{"read", map[string]any{"path": "shadow"}},
		{"read", map[string]any{"path": "up/etc/passwd"}},
		{"read", map[string]any{"path": "jailmade/secret.txt"}},
		{"grep", map[string]any{"pattern": "TOP-SECRET", "path": "jailmade"}},
		{"read", map[string]any{"path": "bin.dat"}},
		{"read", map[string]any{"path": "big.txt"}},
		{"read", map[string]any{"path": "ok.txt"}},
	}
	toCalls := func(as []attack) []fakellm.ToolCall {
		var calls []fakellm.ToolCall
		for _, a := range as {
			calls = append(calls, fakellm.ToolCall{Name: a.name, Input: a.input})
		}
		return calls
	}
	srv := fakellm.New(fakellm.Step{ToolCalls: toCalls(attacks)}, fakellm.Step{ToolCalls: toCalls(second)}, fakellm.Step{Text: "done"})
	defer srv.Close()
	w := newTestWorkspace(t, newTestPlatform(t), "w")
	req := anthropicRequest(srv, "attack")
	req.WorkspaceDir = ws
	res, err := w.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	all := append(attacks, second...)
	if len(res.ToolCalls) != len(all) {
		t.Fatalf("%d tool calls, want %d", len(res.ToolCalls), len(all))
	}
	for i, c := range res.ToolCalls {
		t.Logf("%s %v -> err=%v %.120q", c.Name, all[i].input, c.IsError, c.Output)
		if strings.Contains(c.Output, secret) {
			t.Errorf("%s %v leaked the secret: %q", c.Name, all[i].input, c.Output)
		}
	}
	// Every attack on the boundary failed (the bash call itself, the binary
	// and big reads and the inside read succeed).
	mustFail := map[int]bool{}
	for i := range attacks {
		mustFail[i] = attacks[i].name != "bash" && attacks[i].name != "find" && attacks[i].name != "grep"
	}
	for i, c := range res.ToolCalls[:len(attacks)] {
		if mustFail[i] && !c.IsError {
			t.Errorf("%s %v succeeded: %q", c.Name, all[i].input, c.Output)
		}
	}
	for i, c := range res.ToolCalls[len(attacks) : len(attacks)+3] {
		if !c.IsError {
			t.Errorf("%s %v through a jail-made symlink succeeded: %q", c.Name, second[i].input, c.Output)
		}
	}
	tail := res.ToolCalls[len(attacks)+4:]
	if !strings.Contains(tail[0].Output, "binary") {
		t.Errorf("binary read = %q", tail[0].Output)
	}
	if !strings.Contains(tail[1].Output, "offset=") || len(tail[1].Output) > 60<<10 {
		t.Errorf("big read: %d bytes, tail %q", len(tail[1].Output), tail[1].Output[max(0, len(tail[1].Output)-200):])
	}
	if tail[2].IsError || !strings.Contains(tail[2].Output, "fine") {
		t.Errorf("inside read = %+v", tail[2])
	}
	if got := readFile(t, filepath.Join(outside, "secret.txt")); got != secret+"\n" {
		t.Errorf("secret changed: %q", got)
	}
	entries, _ := os.ReadDir(outside)
	if len(entries) != 1 {
		t.Errorf("files planted outside: %v", entries)
	}
	if _, err := os.Stat(filepath.Join(base, "planted.txt")); err == nil {
		t.Error("planted.txt written beside the workspace")
	}
}
