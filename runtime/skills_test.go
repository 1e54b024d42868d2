package runtime

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"github.com/bulkhead-dev/bulkhead/skills"
	"github.com/bulkhead-dev/bulkhead/vault"
)

const leakySecret = "sk-live-4f1c9a7e2b6d"

// writeSkill makes a skill folder under dir with SKILL.md and files.
func writeSkill(t *testing.T, dir, name, frontmatter string, files map[string]string) string {
	t.Helper()
	root := filepath.Join(dir, name)
	writeFile(t, filepath.Join(root, "SKILL.md"), "---\nname: "+name+"\n"+frontmatter+"---\n# "+name+"\n\nInstructions for "+name+".\n")
	for path, content := range files {
		writeFile(t, filepath.Join(root, path), content)
		if strings.HasPrefix(path, "execute") || strings.HasSuffix(path, ".sh") {
			os.Chmod(filepath.Join(root, path), 0o755)
		}
	}
	return root
}

// skillPlatform returns a platform with a passphrase whose catalog holds
// an instruction skill with a script, a native skill printing its secret
// in four forms, and the two example WASM skills.
func skillPlatform(t *testing.T) *Platform {
	t.Helper()
	p, err := NewPlatform(Options{StateDir: t.TempDir(), CredentialPassphrase: []byte("pass")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	src := t.TempDir()
	cat, err := p.Skills()
	if err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{
		writeSkill(t, src, "greeter", "description: Greets people. Run scripts/hello.sh NAME.\n", map[string]string{"scripts/hello.sh": "#!/bin/sh\necho \"hello, $1, from $(basename $(dirname $(dirname $0)))\"\n"}),
		writeSkill(t, src, "leaky", "description: Prints its token.\ncredentials: [api]\n", map[string]string{"execute.sh": "#!/bin/sh\nread params\necho \"params=$params raw=$API_TOKEN\"\nprintf '%s' \"$API_TOKEN\" | base64\nprintf '%s' \"$API_TOKEN\" | od -An -tx1 | tr -d ' \\n'; echo\n"}),
		"../testdata/skills/env-report", "../testdata/skills/hmac-sign",
	} {
		if _, err := cat.Add(bg, dir, skills.AddOptions{}); err != nil {
			t.Fatalf("add %s: %v", dir, err)
		}
	}
	return p
}

// TestSkillsEndToEnd: a run reads an instruction skill, runs its script
// from /skills/<id> in bash, and executes a native and a WASM skill that
// get the workspace's credentials; the secret is masked wherever it is
// printed and never reaches the model, the transcript or the events.
func TestSkillsEndToEnd(t *testing.T) {
	p := skillPlatform(t)
	ws := newTestWorkspace(t, p, "w")
	for _, id := range []string{"greeter", "leaky", "env-report"} {
		if err := ws.EnableSkill(bg, id); err != nil {
			t.Fatal(err)
		}
	}
	v, err := ws.Credentials()
	if err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]string{"api": "API_TOKEN", "report": "REPORT_TOKEN"} {
		if err := v.Put(name, vault.Entry{Values: map[string]vault.Secret{key: vault.Secret(leakySecret)}}); err != nil {
			t.Fatal(err)
		}
	}
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "skill_read", Input: map[string]any{"skillId": "greeter"}}}},
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "bash", Input: map[string]any{"command": "sh /skills/greeter/scripts/hello.sh Ada; touch /skills/greeter/x"}}}},
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "skill_execute", Input: map[string]any{"skillId": "leaky", "params": map[string]int{"n": 1}}}}},
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "skill_execute", Input: map[string]any{"skillId": "env-report", "params": map[string]string{"q": "x"}}}}},
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "skill_execute", Input: map[string]any{"skillId": "hmac-sign"}}}},
		fakellm.Step{Text: "done"},
	)
	defer srv.Close()
	var mu sync.Mutex
	var events []string
	req := anthropicRequest(srv, "use the skills")
	req.SessionID = "s"
	req.OnEvent = func(e Event) { mu.Lock(); events = append(events, e.String()); mu.Unlock() }
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	out := func(i int) string { return res.ToolCalls[i].Output }
	if !strings.Contains(out(0), "Instructions for greeter") {
		t.Errorf("skill_read: %q", out(0))
	}
	if !strings.Contains(out(1), "hello, Ada, from greeter") || !strings.Contains(out(1), "Read-only file system") {
		t.Errorf("bash with /skills: %q", out(1))
	}
	if !strings.Contains(out(2), `params={"n":1} raw=***`) || strings.Count(out(2), "***") != 3 {
		t.Errorf("native skill: %q", out(2))
	}
	if !strings.Contains(out(3), `"token_length": 20`) && !strings.Contains(out(3), `"token_length":20`) {
		t.Errorf("WASM skill: %q", out(3))
	}
	if !res.ToolCalls[4].IsError || !strings.Contains(out(4), `no enabled skill "hmac-sign"`) {
		t.Errorf("a skill not enabled: %+v", res.ToolCalls[4])
	}
	system := srv.Requests()[0].System()
	if !strings.Contains(system, "- leaky (executable): Prints its token.") || strings.Contains(system, "hmac-sign") {
		t.Errorf("system prompt lists %q", system)
	}
	transcript := readFile(t, filepath.Join(ws.Dir(), "sessions", "s.jsonl"))
	requests, _ := json.Marshal(srv.Requests())
	b64 := base64.StdEncoding.EncodeToString([]byte(leakySecret))
	for where, text := range map[string]string{"transcript": transcript, "requests": string(requests), "events": strings.Join(events, "\n")} {
		if strings.Contains(text, leakySecret) || strings.Contains(text, b64) {
			t.Errorf("the secret reached the %s", where)
		}
	}
}

// TestSkillCredentialsPerWorkspace: the same skill enabled in two
// workspaces with different credentials, run concurrently, each gets its
// own; a declared entry the workspace lacks is a clear error.
func TestSkillCredentialsPerWorkspace(t *testing.T) {
	p := skillPlatform(t)
	var wg sync.WaitGroup
	outputs := map[string]string{}
	var mu sync.Mutex
	for _, id := range []string{"a", "b"} {
		ws := newTestWorkspace(t, p, id)
		if err := ws.EnableSkill(bg, "env-report"); err != nil {
			t.Fatal(err)
		}
		v, _ := ws.Credentials()
		token := strings.Repeat(id, 5+len(id)*int(id[0]-'a'))
		v.Put("report", vault.Entry{Values: map[string]vault.Secret{"REPORT_TOKEN": vault.Secret(token)}})
		wg.Go(func() {
			srv := fakellm.New(fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "skill_execute", Input: map[string]any{"skillId": "env-report"}}}}, fakellm.Step{Text: "ok"})
			defer srv.Close()
			res, err := ws.Run(bg, anthropicRequest(srv, "report"))
			if err != nil {
				t.Error(err)
				return
			}
			mu.Lock()
			outputs[id] = res.ToolCalls[0].Output
			mu.Unlock()
		})
	}
	wg.Wait()
	if !strings.Contains(outputs["a"], `"token_length": 5`) && !strings.Contains(outputs["a"], `"token_length":5`) {
		t.Errorf("a: %q", outputs["a"])
	}
	if !strings.Contains(outputs["b"], `"token_length": 6`) && !strings.Contains(outputs["b"], `"token_length":6`) {
		t.Errorf("b: %q", outputs["b"])
	}
	c := newTestWorkspace(t, p, "c")
	if err := c.EnableSkill(bg, "env-report"); err != nil {
		t.Fatal(err)
	}
	srv := fakellm.New(fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "skill_execute", Input: map[string]any{"skillId": "env-report"}}}}, fakellm.Step{Text: "ok"})
	defer srv.Close()
	res, err := c.Run(bg, anthropicRequest(srv, "report"))
	if err != nil {
		t.Fatal(err)
	}
	if !res.ToolCalls[0].IsError || !strings.Contains(res.ToolCalls[0].Output, `declares credential "report", which workspace c does not have`) {
		t.Errorf("missing credential: %+v", res.ToolCalls[0])
	}
	if err := p.RemoveSkill(bg, "env-report", false); !errors.Is(err, skills.ErrInUse) || !strings.Contains(err.Error(), "a") {
		t.Errorf("remove while enabled: %v", err)
	}
}
