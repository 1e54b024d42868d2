package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/fakeembed"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"github.com/bulkhead-dev/bulkhead/sessions"
)

// TestFixProject runs the bundled task with the real binary against a
// scripted model over each protocol, streaming and not: the agent fixes the
// bug with the built-in tools and runs the project's tests in the jail.
// A second run on the same session must send the whole history.
func TestFixProject(t *testing.T) {
	cases := []struct {
		provider string
		stream   bool
	}{{"anthropic", true}, {"anthropic", false}, {"openai", true}, {"openai", false}}
	for _, c := range cases {
		name := c.provider + map[bool]string{true: "-stream", false: "-whole"}[c.stream]
		t.Run(name, func(t *testing.T) {
			srv := fakellm.New(append(taskSteps(), fakellm.Step{Text: "I changed one line in pagination.py."})...)
			defer srv.Close()
			state, project := t.TempDir(), copyProject(t)
			base := srv.AnthropicBaseURL()
			if c.provider == "openai" {
				base = srv.OpenAIBaseURL()
			}
			args := []string{"run", "-m", taskMessage, "--provider", c.provider, "--model", "test-model",
				"--base-url", base, "--workspace", project, "--session", "fix-1"}
			if !c.stream {
				args = append(args, "--no-stream")
			}
			key := strings.ToUpper(c.provider) + "_API_KEY=sk-e2e-secret"
			r := cli(t, state, []string{key}, args...)
			if r.code != 0 {
				t.Fatalf("exit %d: %s", r.code, r.stderr)
			}
			if strings.TrimSpace(r.stdout) != taskAnswer {
				t.Fatalf("stdout = %q", r.stdout)
			}
			checkProjectFixed(t, project)
			reqs := srv.Requests()
			if len(reqs) != 9 {
				t.Fatalf("%d model requests, want 9", len(reqs))
			}
			for _, req := range reqs {
				if req.Stream != c.stream {
					t.Fatalf("request stream = %v, want %v", req.Stream, c.stream)
				}
			}
			// The tests ran inside the jail: failing before the edit, passing after.
			if got := reqs[4].LastToolResults()[0].Text; !strings.Contains(got, "FAILED (failures=2, errors=2)") {
				t.Errorf("first test run = %q", got)
			}
			if got := reqs[6].LastToolResults()[0].Text; !strings.HasPrefix(got, "OK\n") {
				t.Errorf("second test run = %q", got)
			}
			// The transcript is complete and holds no key.
			ws := filepath.Join(state, "workspaces", "default")
			raw, err := os.ReadFile(filepath.Join(ws, "sessions", "fix-1.jsonl"))
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(string(raw), "sk-e2e-secret") {
				t.Fatal("transcript holds the API key")
			}
			if n := strings.Count(string(raw), "\n"); n != 18 {
				t.Errorf("transcript has %d lines, want 18", n)
			}
			// Second run on the same session.
			args = append(args[:0:0], args...)
			args[2] = "What did you change?"
			r = cli(t, state, []string{key}, args...)
			if r.code != 0 || !strings.Contains(r.stdout, "one line") {
				t.Fatalf("second run: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
			}
			history := srv.Requests()[9].Messages()
			if len(history) != 19 || history[0].Text() != taskMessage || history[18].Text() != "What did you change?" {
				t.Fatalf("second run sent %d messages", len(history))
			}
			st, _ := sessions.Open(ws)
			if info, err := st.Get("fix-1"); err != nil || info.Messages != 20 {
				t.Fatalf("session index = %+v, %v", info, err)
			}
		})
	}
}

// checkProjectFixed asserts the agent's changes to the project on the host.
func checkProjectFixed(t *testing.T, project string) {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(project, "inventory", "pagination.py"))
	if err != nil || !strings.Contains(string(src), fixNew) || strings.Contains(string(src), fixOld) {
		t.Fatalf("pagination.py not fixed (err %v)", err)
	}
	if _, err := os.Stat(filepath.Join(project, "CHANGELOG.md")); err != nil {
		t.Fatalf("CHANGELOG.md: %v", err)
	}
}

// TestMaxTurnsMessage: a run stopped by --max-turns says so on stderr,
// counting its turns in the singular or the plural.
func TestMaxTurnsMessage(t *testing.T) {
	for turns, want := range map[string]string{"1": "stopped after 1 turn (", "2": "stopped after 2 turns ("} {
		srv := fakellm.New(fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "ls"}}}, fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "ls"}}})
		r := cli(t, t.TempDir(), []string{"ANTHROPIC_API_KEY=k", "ANTHROPIC_BASE_URL=" + srv.AnthropicBaseURL()},
			"run", "-m", "list files", "--max-turns", turns, "--workspace", t.TempDir())
		srv.Close()
		if r.code != exitLimit || !strings.Contains(r.stderr, want) {
			t.Errorf("--max-turns %s: exit %d, stderr %q; want %d and %q", turns, r.code, r.stderr, exitLimit, want)
		}
	}
}

func TestRunErrors(t *testing.T) {
	state := t.TempDir()
	file := filepath.Join(t.TempDir(), "f")
	os.WriteFile(file, nil, 0o644)
	cases := []struct {
		name string
		code int
		env  []string
		args []string
		want string
	}{
		{"no message", exitUsage, nil, []string{"run"}, "empty prompt on standard input"},
		{"no key", exitError, nil, []string{"run", "-m", "hi"}, "ANTHROPIC_API_KEY"},
		{"no openai key", exitError, nil, []string{"run", "-m", "hi", "--provider", "openai"}, "OPENAI_API_KEY"},
		{"unreachable", exitError, []string{"ANTHROPIC_API_KEY=k"}, []string{"run", "-m", "hi", "--base-url", "http://127.0.0.1:1"}, "127.0.0.1:1"},
		{"missing dir", exitError, []string{"ANTHROPIC_API_KEY=k"}, []string{"run", "-m", "hi", "--workspace", "/does/not/exist"}, "workspace directory"},
		{"file as dir", exitError, []string{"ANTHROPIC_API_KEY=k"}, []string{"run", "-m", "hi", "--workspace", file}, "not a directory"},
		{"host /etc as workspace", exitError, []string{"ANTHROPIC_API_KEY=k"}, []string{"run", "-m", "hi", "--workspace", "/etc"}, "protected path /etc/shadow"},
		{"host /proc as workspace", exitError, []string{"ANTHROPIC_API_KEY=k"}, []string{"run", "-m", "hi", "--workspace", "/proc/self"}, "lies under /proc"},
		{"host /root as workspace", exitError, []string{"ANTHROPIC_API_KEY=k"}, []string{"run", "-m", "hi", "--workspace", "/root"}, "protected path /root"},
		{"bad session", exitUsage, []string{"ANTHROPIC_API_KEY=k"}, []string{"run", "-m", "hi", "--session", "../x"}, "invalid session id"},
		{"bad workspace id", exitUsage, nil, []string{"run", "-m", "hi", "--workspace-id", "a/b"}, "invalid workspace id"},
		{"unknown workspace", exitError, nil, []string{"run", "-m", "hi", "--workspace-id", "ghost"}, "bulkhead workspace create ghost"},
		{"unknown provider", exitUsage, []string{"ANTHROPIC_API_KEY=k"}, []string{"run", "-m", "hi", "--provider", "nope"}, "nope"},
		{"record and replay", exitUsage, nil, []string{"run", "-m", "hi", "--record", "a", "--replay", "b"}, "exclude"},
		{"missing cassette", exitError, nil, []string{"run", "-m", "hi", "--replay", "/no/such/cassette.json"}, "cassette"},
		{"device as cassette", exitError, nil, []string{"run", "-m", "hi", "--replay", "/dev/zero"}, "cassette /dev/zero: not a regular file"},
		{"bad log level", exitUsage, []string{"BULKHEAD_LOG_LEVEL=loud"}, []string{"workspace", "list"}, "BULKHEAD_LOG_LEVEL"},
		{"mistyped subcommand", exitUsage, nil, []string{"sandbox", "exce", "--", "true"}, `unknown command "exce" for bulkhead sandbox`},
		{"missing subcommand", exitUsage, nil, []string{"workspace"}, "needs a subcommand: create, delete, export, import, list, show, update"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			wantErrorLine(t, cli(t, state, c.env, c.args...), c.code, c.want)
		})
	}
}

func TestWorkspaceAndSessionCommands(t *testing.T) {
	state := t.TempDir()
	if r := cli(t, state, nil, "workspace", "create", "acme", "--model", "m1"); r.code != 0 {
		t.Fatalf("create: %s", r.stderr)
	}
	wantOneLineError(t, cli(t, state, nil, "workspace", "create", "acme"), "already exists")
	wantUsageError(t, cli(t, state, nil, "workspace", "create", "../evil"), "invalid workspace id")
	if r := cli(t, state, nil, "workspace", "list"); strings.TrimSpace(r.stdout) != "acme" {
		t.Fatalf("list = %q", r.stdout)
	}
	srv := fakellm.New(fakellm.Step{Text: "hello there"})
	defer srv.Close()
	r := cli(t, state, []string{"ANTHROPIC_API_KEY=k"}, "run", "-m", "hi", "--workspace-id", "acme", "--session", "s1", "--base-url", srv.AnthropicBaseURL())
	if r.code != 0 || strings.TrimSpace(r.stdout) != "hello there" {
		t.Fatalf("run: %d %q %q", r.code, r.stdout, r.stderr)
	}
	if got := srv.Requests()[0].Model(); got != "m1" {
		t.Errorf("model = %q, want the workspace's m1", got)
	}
	if r := cli(t, state, nil, "workspace", "show", "acme"); !strings.Contains(r.stdout, "sessions   1") && !strings.Contains(r.stdout, "sessions  1") {
		t.Errorf("show = %q", r.stdout)
	}
	if r := cli(t, state, nil, "session", "list", "--workspace-id", "acme"); !strings.Contains(r.stdout, "s1") || !strings.Contains(r.stdout, "m1") {
		t.Errorf("session list = %q", r.stdout)
	}
	if r := cli(t, state, nil, "session", "show", "s1", "--workspace-id", "acme"); !strings.Contains(r.stdout, "[user] hi") || !strings.Contains(r.stdout, "[assistant] hello there") {
		t.Errorf("session show = %q", r.stdout)
	}
	wantOneLineError(t, cli(t, state, nil, "session", "show", "nope", "--workspace-id", "acme"), "not found")
	wantOneLineError(t, cli(t, state, nil, "session", "list"), `workspace "default" does not exist; create it with "bulkhead workspace create default" or run the agent once`)
	if r := cli(t, state, nil, "workspace", "delete", "--yes", "acme"); r.code != 0 {
		t.Fatalf("delete: %s", r.stderr)
	}
	if _, err := os.Stat(filepath.Join(state, "workspaces", "acme")); !os.IsNotExist(err) {
		t.Fatalf("workspace directory still there: %v", err)
	}
	wantOneLineError(t, cli(t, state, nil, "workspace", "show", "acme"), "not found")
}

// TestMemoryCommands: store, list and all-or-nothing delete through the
// binary; terminal controls in memory text are escaped.
func TestMemoryCommands(t *testing.T) {
	state := t.TempDir()
	cli(t, state, nil, "workspace", "create", "m")
	for _, text := range []string{"evil \x1b]0;PWNED\x07 text", "second fact"} {
		if r := cli(t, state, nil, "memory", "store", "--workspace-id", "m", text); r.code != 0 {
			t.Fatalf("store: %s", r.stderr)
		}
	}
	wantOneLineError(t, cli(t, state, nil, "memory", "delete", "--workspace-id", "m", "1", "999"), "not found")
	r := cli(t, state, nil, "memory", "list", "--workspace-id", "m")
	if !strings.Contains(r.stdout, "second fact") || !strings.Contains(r.stdout, `evil \x1b]0;PWNED\a text`) || strings.Contains(r.stdout, "\x1b") {
		t.Fatalf("list after a failed delete = %q", r.stdout)
	}
	if r := cli(t, state, nil, "memory", "delete", "--workspace-id", "m", "1", "2", "1"); r.code != 0 {
		t.Fatalf("delete: %s", r.stderr)
	}
	if r := cli(t, state, nil, "memory", "list", "--workspace-id", "m"); r.stdout != "No memories found.\n" {
		t.Fatalf("list after delete = %q", r.stdout)
	}
}

// TestMemoryDefaultWorkspace: on a fresh state directory, memory store
// creates the default workspace as run does; the other memory commands, and
// any command on another missing workspace, say how to create it.
func TestMemoryDefaultWorkspace(t *testing.T) {
	state := t.TempDir()
	const noDefault = `workspace "default" does not exist; create it with "bulkhead workspace create default" or run the agent once`
	for _, args := range [][]string{{"list"}, {"search", "fact"}, {"delete", "1"}} {
		wantOneLineError(t, cli(t, state, nil, append([]string{"memory"}, args...)...), noDefault)
	}
	for _, args := range [][]string{{"store", "a fact"}, {"list"}, {"search", "fact"}, {"delete", "1"}} {
		r := cli(t, state, nil, append([]string{"memory", "--workspace-id", "ghost"}, args...)...)
		if want := "bulkhead: workspace \"ghost\" does not exist; create it with \"bulkhead workspace create ghost\"\n"; r.code != 1 || r.stderr != want {
			t.Errorf("%v on a missing workspace: exit %d, stderr %q; want %q", args, r.code, r.stderr, want)
		}
	}
	if r := cli(t, state, nil, "memory", "store", "a fact"); r.code != 0 || r.stdout != "Stored memory 1.\n" {
		t.Fatalf("store on a fresh state directory: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	if r := cli(t, state, nil, "workspace", "list"); r.stdout != "default\n" {
		t.Errorf("workspaces after store = %q, want only default", r.stdout)
	}
	if r := cli(t, state, nil, "memory", "search", "fact"); r.code != 0 || !strings.Contains(r.stdout, "a fact") {
		t.Errorf("search after store: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestMemoryFlagRanges: an out-of-range or malformed numeric flag is one
// line naming the flag, the value and the accepted range, on a workspace
// where the command would otherwise succeed.
func TestMemoryFlagRanges(t *testing.T) {
	state := t.TempDir()
	cli(t, state, nil, "workspace", "create", "m")
	if r := cli(t, state, nil, "memory", "store", "--workspace-id", "m", "a fact"); r.code != 0 {
		t.Fatalf("store: %s", r.stderr)
	}
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"list", "--limit", "0"}, `invalid --limit "0": want an integer from 1 to 1000`},
		{[]string{"list", "--limit", "-5"}, `invalid --limit "-5": want an integer from 1 to 1000`},
		{[]string{"list", "--limit", "1001"}, `invalid --limit "1001": want an integer from 1 to 1000`},
		{[]string{"list", "--limit", "abc"}, `invalid --limit "abc": want an integer from 1 to 1000`},
		{[]string{"list", "--before", "0"}, `invalid --before "0": want an integer of 1 or more`},
		{[]string{"list", "--before", "-1"}, `invalid --before "-1": want an integer of 1 or more`},
		{[]string{"search", "-n", "0", "fact"}, `invalid --max-results "0": want an integer from 1 to 100`},
		{[]string{"search", "--max-results", "101", "fact"}, `invalid --max-results "101": want an integer from 1 to 100`},
		{[]string{"search", "-n", "abc", "fact"}, `invalid --max-results "abc": want an integer from 1 to 100`},
		{[]string{"list", "--json=maybe"}, `invalid --json "maybe": not a valid bool`},
	}
	for _, tt := range tests {
		wantUsageError(t, cli(t, state, nil, append([]string{"memory", "--workspace-id", "m"}, tt.args...)...), tt.want)
	}
	for _, args := range [][]string{{"list", "--limit", "1000", "--before", "2"}, {"search", "-n", "100", "fact"}} {
		if r := cli(t, state, nil, append([]string{"memory", "--workspace-id", "m"}, args...)...); r.code != 0 || !strings.Contains(r.stdout, "a fact") {
			t.Errorf("%v: exit %d, stdout %q, stderr %q", args, r.code, r.stdout, r.stderr)
		}
	}
}

// TestMemoryRefusedFlagsMakeNothing: a memory command refused for its
// embedding flags fails before the default workspace would be made.
func TestMemoryRefusedFlagsMakeNothing(t *testing.T) {
	state := t.TempDir()
	wantOneLineError(t, cli(t, state, nil, "memory", "store", "--embedding-provider", "bogus", "a fact"), `unknown provider "bogus"`)
	wantUsageError(t, cli(t, state, nil, "memory", "store", "--embedding-model", "m", "a fact"), "need --embedding-provider")
	if entries, _ := os.ReadDir(filepath.Join(state, "workspaces")); len(entries) != 0 {
		t.Errorf("refused commands made workspaces: %v", entries)
	}
}

// TestMemoryErrorTexts: errors say what is wrong in the user's terms, with
// the input's real size.
func TestMemoryErrorTexts(t *testing.T) {
	state := t.TempDir()
	cli(t, state, nil, "workspace", "create", "m")
	big := strings.NewReader(strings.Repeat("a", 2_000_000))
	r := cliStdin(t, state, nil, big, "memory", "store", "--workspace-id", "m", "-")
	wantOneLineError(t, r, "standard input of 2000000 bytes exceeds the 1048576-byte limit of a memory")
	args := []string{"memory", "store", "--workspace-id", "m"}
	for range 12 { // one argument is at most 128 KiB
		args = append(args, strings.Repeat("a", 100_000))
	}
	wantUsageError(t, cli(t, state, nil, args...), "bulkhead: invalid memory input: text of 1200011 bytes exceeds the 1048576-byte limit")
	wantUsageError(t, cli(t, state, nil, "memory", "store", "--workspace-id", "m", " "), "bulkhead: invalid memory input: empty text (nothing but white space or invisible characters)")
	wantUsageError(t, cli(t, state, nil, "memory", "delete", "--workspace-id", "m", "0"), `invalid memory id "0": ids are positive integers`)
	wantUsageError(t, cli(t, state, nil, "memory", "search", "--workspace-id", "m", "--embedding-model", "x", "fact"), "--embedding-model and --embedding-base-url need --embedding-provider")
	wantUsageError(t, cli(t, state, nil, "workspace", "create", "e", "--embedding-provider", "openia"), `embedding provider "openia": want one of openai, gemini, voyage, mistral, ollama`)
	for _, id := range []string{"x", "+1", "01", "-1", "-12"} {
		wantUsageError(t, cli(t, state, nil, "memory", "delete", "--workspace-id", "m", "1", id), fmt.Sprintf("invalid memory id %q: ids are positive integers", id))
	}
}

// TestMemoryListSource: a malformed --source is an error; a well-formed one
// without memories says so, like search, and is [] in JSON.
func TestMemoryListSource(t *testing.T) {
	state := t.TempDir()
	cli(t, state, nil, "workspace", "create", "m")
	if r := cli(t, state, nil, "memory", "store", "--workspace-id", "m", "a fact"); r.code != 0 {
		t.Fatalf("store: %s", r.stderr)
	}
	wantUsageError(t, cli(t, state, nil, "memory", "list", "--workspace-id", "m", "--source", "bogus"),
		`source "bogus": want agent, api, file:<path> or session:<id>, or the prefix file: or session:`)
	wantUsageError(t, cli(t, state, nil, "memory", "list", "--workspace-id", "m", "--source", "file:../x"), `source "file:../x"`)
	for _, src := range []string{"agent", "session:", "session:s1", "file:MEMORY.md"} {
		r := cli(t, state, nil, "memory", "list", "--workspace-id", "m", "--source", src)
		if r.code != 0 || r.stdout != "No memories found.\n" {
			t.Errorf("--source %s: exit %d, stdout %q, stderr %q", src, r.code, r.stdout, r.stderr)
		}
		r = cli(t, state, nil, "memory", "list", "--workspace-id", "m", "--source", src, "--json")
		if r.code != 0 || r.stdout != "[]\n" {
			t.Errorf("--source %s --json: exit %d, stdout %q, stderr %q", src, r.code, r.stdout, r.stderr)
		}
	}
	if r := cli(t, state, nil, "memory", "list", "--workspace-id", "m", "--source", "api"); r.code != 0 || !strings.Contains(r.stdout, "a fact") {
		t.Errorf("--source api: exit %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestMemorySearchNotes: memory search says on stderr why a query of
// stopwords finds nothing and which words of a long query were not searched.
func TestMemorySearchNotes(t *testing.T) {
	state := t.TempDir()
	cli(t, state, nil, "workspace", "create", "m")
	cli(t, state, nil, "memory", "store", "--workspace-id", "m", "What is it that the team ships on Fridays?")
	r := cli(t, state, nil, "memory", "search", "--workspace-id", "m", "what", "is", "it?")
	if r.code != 0 || r.stdout != "No memories found.\n" || !strings.Contains(r.stderr, "note: The query has only common words") {
		t.Errorf("stopword query: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
	var words []string
	for i := range 40 {
		words = append(words, fmt.Sprintf("w%dx", i))
	}
	r = cli(t, state, nil, append([]string{"memory", "search", "--workspace-id", "m", "ships"}, words...)...)
	if r.code != 0 || !strings.Contains(r.stdout, "ships on Fridays") || !strings.Contains(r.stderr, "10 words were not searched (w30x, ") {
		t.Errorf("long query: code %d, stdout %q, stderr %q", r.code, r.stdout, r.stderr)
	}
}

// TestMemoryUsesWorkspaceEmbeddings: the memory command embeds with the
// provider the workspace was created with, as its runs do, and a broken
// setting degrades to keyword-only search with a note.
func TestMemoryUsesWorkspaceEmbeddings(t *testing.T) {
	emb := fakeembed.NewOllama()
	defer emb.Close()
	state := t.TempDir()
	env := []string{"OLLAMA_HOST=" + emb.URL}
	cli(t, state, nil, "workspace", "create", "vec", "--embedding-provider", "ollama", "--embedding-model", "test-embed")
	if r := cli(t, state, env, "memory", "store", "--workspace-id", "vec", "Deploys go out on Tuesdays"); r.code != 0 {
		t.Fatalf("store: %s", r.stderr)
	}
	r := cli(t, state, env, "memory", "search", "--workspace-id", "vec", "--json", "when do we deploy?")
	if r.code != 0 || !strings.Contains(r.stdout, `"vector_rank":1`) {
		t.Fatalf("search: code %d, stdout %s, stderr %s", r.code, r.stdout, r.stderr)
	}
	got := strings.Join(emb.Inputs(), "|")
	if !strings.Contains(got, "Deploys go out on Tuesdays") || !strings.Contains(got, "when do we deploy?") {
		t.Fatalf("embedding server saw %q", got)
	}
	cli(t, state, nil, "workspace", "create", "broken", "--embedding-provider", "voyage")
	r = cli(t, state, nil, "memory", "store", "--workspace-id", "broken", "kept anyway")
	if r.code != 0 || !strings.Contains(r.stderr, "keyword-only search") {
		t.Fatalf("broken setting: code %d, stderr %q", r.code, r.stderr)
	}
}

// TestDamagedMemory: a truncated memory database fails the memory command
// with one line naming the file, and a run in the workspace goes on without
// memory, with a warning event; a database whose page 2 is overwritten opens,
// and the store that fails names the file too.
func TestDamagedMemory(t *testing.T) {
	state := t.TempDir()
	for _, ws := range []string{"cor1", "cor2"} {
		cli(t, state, nil, "workspace", "create", ws)
		if r := cli(t, state, nil, "memory", "store", "--workspace-id", ws, "hello"); r.code != 0 {
			t.Fatalf("store: %s", r.stderr)
		}
	}
	db := filepath.Join(state, "workspaces", "cor1", "memory", "memory.db")
	if err := os.Truncate(db, 5000); err != nil {
		t.Fatal(err)
	}
	damaged := "bulkhead: workspace \"cor1\": memory database " + db + " is damaged: sqlite3: database disk image is malformed"
	for _, args := range [][]string{{"list"}, {"store", "more"}} {
		wantOneLineError(t, cli(t, state, nil, append([]string{"memory", "--workspace-id", "cor1"}, args...)...), damaged)
	}
	srv := fakellm.New(fakellm.Step{Text: "Done."})
	defer srv.Close()
	r := cli(t, state, []string{"ANTHROPIC_API_KEY=k", "ANTHROPIC_BASE_URL=" + srv.AnthropicBaseURL()},
		"run", "--workspace-id", "cor1", "-m", "hello", "--json")
	if r.code != 0 {
		t.Fatalf("run: exit %d: %s", r.code, r.stderr)
	}
	if !strings.Contains(r.stdout, `"type":"warning"`) || !strings.Contains(r.stdout, db+" is damaged") || !strings.Contains(r.stderr, db+" is damaged") {
		t.Errorf("run printed no warning naming %s:\nstdout %s\nstderr %s", db, r.stdout, r.stderr)
	}
	db = filepath.Join(state, "workspaces", "cor2", "memory", "memory.db")
	f, err := os.OpenFile(db, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteAt([]byte(strings.Repeat("\xab", 4096)), 4096)
	f.Close()
	wantOneLineError(t, cli(t, state, nil, "memory", "store", "--workspace-id", "cor2", "again"),
		"bulkhead: memory database "+db+" is damaged: sqlite3: database disk image is malformed")
}

// TestMemorySymlink: a workspace whose memory database is a symbolic link
// to another tenant's is refused, and nothing of the other's is shown.
func TestMemorySymlink(t *testing.T) {
	state := t.TempDir()
	for _, ws := range []string{"t1", "sym"} {
		cli(t, state, nil, "workspace", "create", ws)
	}
	if r := cli(t, state, nil, "memory", "store", "--workspace-id", "t1", "t1's secret"); r.code != 0 {
		t.Fatalf("store: %s", r.stderr)
	}
	link := filepath.Join(state, "workspaces", "sym", "memory", "memory.db")
	os.Mkdir(filepath.Dir(link), 0o700)
	if err := os.Symlink(filepath.Join(state, "workspaces", "t1", "memory", "memory.db"), link); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"list"}, {"store", "planted"}} {
		r := cli(t, state, nil, append([]string{"memory", "--workspace-id", "sym"}, args...)...)
		wantOneLineError(t, r, "unsafe memory path: "+link+" is a symbolic link")
		if strings.Contains(r.stdout, "secret") {
			t.Errorf("%v showed t1's memory: %s", args, r.stdout)
		}
	}
	if r := cli(t, state, nil, "memory", "list", "--workspace-id", "t1"); strings.Contains(r.stdout, "planted") || !strings.Contains(r.stdout, "secret") {
		t.Errorf("t1's memories: %s", r.stdout)
	}
}

// TestSandboxProtectsStateDir: the state directory named by --state-dir
// (not by any variable) is kept out of sandbox exec's mounts.
func TestSandboxProtectsStateDir(t *testing.T) {
	parent := t.TempDir()
	state := filepath.Join(parent, "state")
	if err := os.Mkdir(state, 0o700); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"--workspace", parent},
		{"--workspace", t.TempDir(), "--bind", state + ":/data:ro"},
	} {
		argv := append(append([]string{"--state-dir", state, "sandbox", "exec"}, args...), "--", "true")
		r := cli(t, t.TempDir(), nil, argv...)
		if r.code != exitUsage || !strings.Contains(r.stderr, "protected path "+state) {
			t.Errorf("%v: exit %d, stderr %q", args, r.code, r.stderr)
		}
	}
}
