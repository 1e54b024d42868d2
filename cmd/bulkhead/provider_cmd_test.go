package main

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"github.com/bulkhead-dev/bulkhead/providers"
	"github.com/bulkhead-dev/bulkhead/runtime"
)

// TestRunKeyPoolAndFallback: --api-key given twice is a pool (a
// rate-limited key hands over to the next), --fallback continues on
// another provider when the primary fails; stream-json shows the
// notices, no output holds a key, and the result's cost is the run's.
func TestRunKeyPoolAndFallback(t *testing.T) {
	const k1, k2 = "sk-ant-cli-LEAKCHECK-one-0123456789", "sk-ant-cli-LEAKCHECK-two-0123456789"
	const k3 = "sk-openai-cli-LEAKCHECK-0123456789"
	primary := fakellm.NewHandler(func(req fakellm.Request) fakellm.Step {
		key := req.Header.Get("X-Api-Key")
		switch {
		case key == k1:
			return fakellm.Step{Status: http.StatusTooManyRequests, Text: "rate limited: " + key, Header: http.Header{"Retry-After": {"600"}}}
		case len(req.LastToolResults()) == 0:
			return fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "ls"}}}
		}
		return fakellm.Step{Status: 529, Text: "Overloaded " + key, Header: http.Header{"X-Should-Retry": {"false"}}}
	})
	defer primary.Close()
	fallback := fakellm.New(fakellm.Step{Text: "answered by the fallback"})
	defer fallback.Close()
	env := []string{"ANTHROPIC_BASE_URL=" + primary.AnthropicBaseURL(), "OPENAI_API_KEY=" + k3, "OPENAI_BASE_URL=" + fallback.OpenAIBaseURL()}
	r := cli(t, t.TempDir(), env, "run", "-m", "go", "--workspace", t.TempDir(), "--model", "claude-sonnet-4-5",
		"--api-key", k1, "--api-key", k2, "--fallback", "openai/gpt-4.1", "--output-format", "stream-json")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	s := parseStream(t, r.stdout)
	var kinds []string
	for _, ev := range s.events {
		if ev.Type == runtime.EventProvider {
			kinds = append(kinds, string(ev.Notice.Kind))
		}
	}
	if got := strings.Join(kinds, ","); !strings.Contains(got, "rotate") || !strings.Contains(got, "fallback") {
		t.Errorf("provider notices %s", got)
	}
	reqs := primary.Requests()
	if reqs[0].Header.Get("X-Api-Key") != k1 || reqs[1].Header.Get("X-Api-Key") != k2 {
		t.Errorf("the pool was not tried in order")
	}
	done := s.events[len(s.events)-1]
	if s.result["result"] != "answered by the fallback" || done.Type != runtime.EventDone || done.Result.CostUSD <= 0 ||
		s.result["total_cost_usd"] != done.Result.CostUSD+done.Result.SubagentCostUSD {
		t.Errorf("result %v, done %+v", s.result, done.Result)
	}
	if strings.Contains(r.stdout+r.stderr, "LEAKCHECK") {
		t.Errorf("a key leaked into the output")
	}
	if !strings.Contains(r.stdout, providers.Fingerprint(k1)) {
		t.Errorf("the rotated key is not named by its fingerprint")
	}
}

// TestRunRequestSettingsFlags: the run's request settings reach the
// model request; invalid ones are refused.
func TestRunRequestSettingsFlags(t *testing.T) {
	srv := fakellm.New(fakellm.Step{Text: "ok"}, fakellm.Step{Text: "ok"})
	defer srv.Close()
	state := t.TempDir()
	r := cli(t, state, fakeEnv(srv), "run", "-m", "go", "--max-output-tokens", "5000", "--thinking-budget", "2000",
		"--stop", "END", "--stop", "HALT", "--temperature", "0.4")
	if r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	var body map[string]any
	json.Unmarshal(srv.Requests()[0].Body, &body)
	stops, _ := json.Marshal(body["stop_sequences"])
	thinking, _ := json.Marshal(body["thinking"])
	// With thinking, Anthropic takes no temperature.
	if body["max_tokens"] != 5000.0 || string(stops) != `["END","HALT"]` || string(thinking) != `{"budget_tokens":2000,"type":"enabled"}` || body["temperature"] != nil {
		t.Errorf("request %v", body)
	}
	if r := cli(t, state, fakeEnv(srv), "run", "-m", "go", "--temperature", "0"); r.code != 0 {
		t.Fatalf("exit %d: %s", r.code, r.stderr)
	}
	json.Unmarshal(srv.Requests()[1].Body, &body)
	if body["temperature"] != 0.0 {
		t.Errorf("--temperature 0 sent %v", body["temperature"])
	}
	wantUsageError(t, cli(t, state, nil, "run", "-m", "go", "--fallback", "gpt-4.1"), "invalid --fallback: fallback \"gpt-4.1\": want provider/model")
	wantUsageError(t, cli(t, state, nil, "run", "-m", "go", "--max-output-tokens", "-5"), "invalid --max-output-tokens -5")
	wantOneLineError(t, cli(t, state, fakeEnv(srv), "run", "-m", "go", "--thinking-budget", "10"), "thinking budget 10: want 0 (off) or at least 1024 tokens")
	wantOneLineError(t, cli(t, state, fakeEnv(srv), "run", "-m", "go", "--temperature", "9"), "temperature 9: want 0 to 2")
}

// TestWorkspaceProviderFlags: fallbacks, request settings and the context
// window are workspace configuration; update changes or clears them.
func TestWorkspaceProviderFlags(t *testing.T) {
	state := t.TempDir()
	r := cli(t, state, nil, "workspace", "create", "w", "--fallback", "openai/gpt-4.1", "--fallback", "groq/llama-3.3-70b-versatile",
		"--max-output-tokens", "4000", "--temperature", "0.7", "--thinking-budget", "1024", "--stop", "END", "--context-window", "50000")
	if r.code != 0 {
		t.Fatalf("create: %s", r.stderr)
	}
	show := func() runtime.WorkspaceConfig {
		t.Helper()
		var d workspaceJSON
		r := cli(t, state, nil, "workspace", "show", "w", "--json")
		if err := json.Unmarshal([]byte(r.stdout), &d); err != nil {
			t.Fatalf("show --json: %q: %v", r.stdout, err)
		}
		return d.Config
	}
	cfg := show()
	if strings.Join(cfg.Fallbacks, ",") != "openai/gpt-4.1,groq/llama-3.3-70b-versatile" || cfg.MaxOutputTokens != 4000 || cfg.Temperature == nil ||
		*cfg.Temperature != 0.7 || cfg.ThinkingBudget != 1024 || strings.Join(cfg.StopSequences, ",") != "END" || cfg.ContextWindow != 50000 {
		t.Fatalf("created with %+v", cfg)
	}
	if r := cli(t, state, nil, "workspace", "update", "w", "--temperature", "none", "--fallback", "xai/grok-4", "--stop", "none"); r.code != 0 {
		t.Fatalf("update: %s", r.stderr)
	}
	cfg = show()
	if cfg.Temperature != nil || strings.Join(cfg.Fallbacks, ",") != "xai/grok-4" || len(cfg.StopSequences) != 0 || cfg.MaxOutputTokens != 4000 {
		t.Fatalf("after update %+v", cfg)
	}
	wantUsageError(t, cli(t, state, nil, "workspace", "update", "w", "--fallback", "nowhere/m"), `unknown provider "nowhere"`)
	wantUsageError(t, cli(t, state, nil, "workspace", "update", "w", "--temperature", "3"), "want a number from 0 to 2, or none")
	wantUsageError(t, cli(t, state, nil, "workspace", "update", "w", "--thinking-budget", "4000"), "thinking budget 4000 must be below max output tokens 4000")
	wantUsageError(t, cli(t, state, nil, "workspace", "update", "w", "--context-window", "10"), "context window 10")
}

// TestNoticesOnTerminal: on a terminal, a retry and a fallback are noted
// on stderr as the run goes. (The rate-limited key rests for a second, the
// base cooldown, so the retry finds it resting and the chain moves on.)
func TestNoticesOnTerminal(t *testing.T) {
	primary := fakellm.New(fakellm.Step{Status: http.StatusTooManyRequests, Text: "slow down", Header: http.Header{"Retry-After-Ms": {"10"}}})
	defer primary.Close()
	fallback := fakellm.New(fakellm.Step{Text: "fine"})
	defer fallback.Close()
	env := append(fakeEnv(primary), "OPENAI_API_KEY=k", "OPENAI_BASE_URL="+fallback.OpenAIBaseURL(), "TERM=dumb")
	out := inTerminal(t, t.TempDir(), env, "run", "-m", "go", "--fallback", "openai/gpt-4.1", "--model", "claude-sonnet-4-5")
	for _, want := range []string{
		"bulkhead: note: anthropic/claude-sonnet-4-5: rate_limit; retrying in 0.0s\n",
		"bulkhead: note: anthropic/claude-sonnet-4-5: rate_limit; falling back to openai/gpt-4.1\n",
		"fine",
	} {
		if !strings.Contains(out, want) {
			t.Errorf("terminal lacks %q:\n%s", want, out)
		}
	}
}
