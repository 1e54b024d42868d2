package runtime

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/fakeembed"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"github.com/bulkhead-dev/bulkhead/memory"
	"github.com/bulkhead-dev/bulkhead/vault"
)

// populate fills workspace ws of a skillPlatform with what an export must
// carry: files with modes and a link, a home cache, two sessions made by
// runs, memories with vectors (the workspace embeds with the fake Ollama
// server), a credential, two enabled skills and usage ledger rows (the
// last one torn), plus a FIFO and a link leaving files/, which cannot be
// exported.
func populate(t *testing.T, ws *Workspace) {
	t.Helper()
	files, home := ws.FilesDir(), ws.HomeDir()
	writeFile(t, filepath.Join(files, "src", "main.go"), "package main\n\nfunc main() {}\n")
	writeFile(t, filepath.Join(files, "run.sh"), "#!/bin/sh\necho hi\n")
	os.Chmod(filepath.Join(files, "run.sh"), 0o755)
	writeFile(t, filepath.Join(files, "secret.txt"), "tenant data\n")
	os.Chmod(filepath.Join(files, "secret.txt"), 0o600)
	writeFile(t, filepath.Join(files, "MEMORY.md"), "# Notes\n\nThe staging database is called heron.\n")
	must(t, os.Symlink("src/main.go", filepath.Join(files, "main")))
	must(t, os.Symlink("/etc/passwd", filepath.Join(files, "passwd")))
	must(t, syscall.Mkfifo(filepath.Join(files, "pipe"), 0o644))
	writeFile(t, filepath.Join(home, ".cache", "go-build", "ab", "abcdef-d"), strings.Repeat("cached object ", 100))
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "memory_store", Input: map[string]string{"content": "Deploys go out on Tuesdays after the standup"}}}},
		fakellm.Step{Text: "Noted: Tuesdays."},
		fakellm.Step{Text: "Hello there."},
	)
	defer srv.Close()
	for _, s := range []struct{ id, msg string }{{"one", "Remember when we deploy."}, {"two", "Say hello."}} {
		req := anthropicRequest(srv, s.msg)
		req.SessionID = s.id
		if _, err := ws.Run(bg, req); err != nil {
			t.Fatal(err)
		}
	}
	st, release, err := ws.Memory()
	if err != nil {
		t.Fatal(err)
	}
	for _, text := range []string{"The release train leaves every second Thursday", "Our deploy window is Tuesday morning", "Lunch is at noon"} {
		if _, err := st.Store(bg, memory.NewMemory{Text: text, Tags: []string{"ops"}}); err != nil {
			t.Fatal(err)
		}
	}
	release()
	v, err := ws.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	must(t, v.Put("api", vault.Entry{Values: map[string]vault.Secret{"API_TOKEN": vault.Secret(leakySecret)}}))
	for _, id := range []string{"leaky", "greeter"} {
		must(t, ws.EnableSkill(bg, id))
	}
	ledger := filepath.Join(ws.Dir(), "usage", "2025-01.jsonl")
	writeFile(t, ledger, `{"run":"r1","tokens":10}`+"\n"+`{"run":"r2","tokens":20}`+"\n"+`{"run":"r3","tok`)
	ws.WaitIndexed(bg)
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// search returns ws's memory search for query as "id text vector>0" lines.
func search(t *testing.T, ws *Workspace, query string) []string {
	t.Helper()
	st, release, err := ws.Memory()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	rs, err := st.Search(bg, query, memory.SearchOptions{MaxResults: 6})
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, r := range rs {
		out = append(out, fmt.Sprintf("%d %s %s vector=%t", r.ID, r.Source, r.Text, r.Stages.Vector > 0))
	}
	return out
}

// TestExportImportRoundTrip: a workspace moved to another platform keeps
// everything: files with their modes and links, its home cache, sessions
// (one continues with its whole history), memory (the same search
// results, vectors included), its credential (a skill receives it), its
// skills (installed into the new catalog from the archive), the ledger
// rows up to the last complete one. What cannot be exported is listed.
func TestExportImportRoundTrip(t *testing.T) {
	emb := fakeembed.NewOllama()
	defer emb.Close()
	t.Setenv("OLLAMA_HOST", emb.URL)
	src := skillPlatform(t)
	ws, err := src.CreateWorkspace("acme", WorkspaceConfig{EmbeddingProvider: "ollama", EmbeddingModel: "test-embed"})
	if err != nil {
		t.Fatal(err)
	}
	populate(t, ws)
	const query = "when do we deploy?"
	before := search(t, ws, query)
	if len(before) < 2 || !strings.Contains(strings.Join(before, "\n"), "vector=true") {
		t.Fatalf("search before export: %q", before)
	}
	history, _, err := ws.Sessions().Load("one")
	if err != nil {
		t.Fatal(err)
	}
	var progress []TransferProgress
	data, stats := exportBytes(t, ws, ExportOptions{WithSkills: true, Progress: func(p TransferProgress) { progress = append(progress, p) }})
	if len(stats.Omitted) != 2 || !strings.Contains(fmt.Sprint(stats.Omitted), "workspace/files/passwd") || !strings.Contains(fmt.Sprint(stats.Omitted), "FIFO") {
		t.Errorf("omitted: %+v", stats.Omitted)
	}
	if len(stats.Skills) != 2 || !stats.Skills[0].Included || !strings.HasPrefix(stats.Skills[0].Hash, "sha256:") {
		t.Errorf("skills: %+v", stats.Skills)
	}
	if last := progress[len(progress)-1]; last.Phase != "write" || last.Compressed != stats.Compressed || last.TotalCompressed != stats.Compressed {
		t.Errorf("last progress %+v, stats %+v", last, stats)
	}
	if bytes.Contains(data, []byte(leakySecret)) {
		t.Fatal("the archive holds the credential in plaintext")
	}

	dst := platformWith(t, "pass")
	got, is, err := dst.Import(bg, bytes.NewReader(data), ImportOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if is.Workspace != "acme" || is.Credentials != "kept" || is.Files != stats.Files || is.Compressed != int64(len(data)) || len(is.Warnings) != 0 {
		t.Errorf("import stats %+v", is)
	}
	if fmt.Sprint(is.Skills) != "[{greeter "+stats.Skills[0].Hash+" installed} {leaky "+stats.Skills[1].Hash+" installed}]" {
		t.Errorf("skills: %+v", is.Skills)
	}
	wantFiles := slices.DeleteFunc(tree(t, ws.FilesDir()), func(l string) bool { return strings.HasPrefix(l, "passwd ") || strings.HasPrefix(l, "pipe ") })
	if a, b := wantFiles, tree(t, got.FilesDir()); !slices.Equal(a, b) {
		t.Errorf("files:\n%q\n%q", a, b)
	}
	if a, b := tree(t, ws.HomeDir()), tree(t, got.HomeDir()); !slices.Equal(a, b) {
		t.Errorf("home:\n%q\n%q", a, b)
	}
	if l := lines(t, filepath.Join(got.Dir(), "usage", "2025-01.jsonl")); len(l) != 2 || l[1] != `{"run":"r2","tokens":20}` {
		t.Errorf("ledger: %q", l)
	}
	if after := search(t, got, query); !slices.Equal(before, after) {
		t.Errorf("search:\nbefore %q\nafter  %q", before, after)
	}
	a, _ := ws.Sessions().List()
	b, _ := got.Sessions().List()
	if fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("sessions:\n%v\n%v", a, b)
	}

	// The session goes on with its whole history; the skill gets the
	// credential (masked where it prints it).
	var mu sync.Mutex
	var seen []fakellm.Request
	srv := fakellm.NewHandler(func(r fakellm.Request) fakellm.Step {
		mu.Lock()
		defer mu.Unlock()
		seen = append(seen, r)
		if len(seen) == 1 {
			return fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "skill_execute", Input: map[string]any{"skillId": "leaky", "params": map[string]int{"n": 1}}}}}
		}
		return fakellm.Step{Text: "done"}
	})
	defer srv.Close()
	req := anthropicRequest(srv, "And now?")
	req.SessionID = "one"
	res, err := got.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	msgs := seen[0].Messages()
	if len(msgs) != len(history)+1 || !strings.Contains(fmt.Sprint(msgs[0]), "Remember when we deploy.") {
		t.Errorf("the continued session sent %d messages, history has %d: %v", len(msgs), len(history), msgs)
	}
	if out := res.ToolCalls[0].Output; !strings.Contains(out, `raw=***`) || strings.Count(out, "***") != 3 {
		t.Errorf("skill output %q: the credential did not reach it", out)
	}
}
