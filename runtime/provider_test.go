package runtime

import (
	"bytes"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"github.com/bulkhead-dev/bulkhead/providers"
	"github.com/rs/zerolog"
)

// syncBuffer is a bytes.Buffer safe for concurrent writers (a log).
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// providerPlatform returns a platform with short cooldowns whose log, at
// debug level, goes to the returned buffer.
func providerPlatform(t *testing.T, opts Options) (*Platform, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	log := zerolog.New(logs).Level(zerolog.DebugLevel)
	opts.StateDir, opts.Logger = t.TempDir(), &log
	if opts.ProviderHealth.BaseCooldown == 0 {
		opts.ProviderHealth.BaseCooldown = 20 * time.Millisecond
	}
	p, err := NewPlatform(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p, logs
}

// eventLog collects a run's events, safe for concurrent runs.
type eventLog struct {
	mu     sync.Mutex
	events []Event
}

func (l *eventLog) add(ev Event) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
}

func (l *eventLog) all() []Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]Event(nil), l.events...)
}

// notices returns the provider notices among events.
func notices(events []Event) []providers.Notice {
	var out []providers.Notice
	for _, ev := range events {
		if ev.Type == EventProvider {
			out = append(out, *ev.Notice)
		}
	}
	return out
}

// TestRunSurvivesRateLimit: a 429 with Retry-After is retried after the
// wait asked for, reported as events, and the run finishes.
func TestRunSurvivesRateLimit(t *testing.T) {
	srv := fakellm.New(
		fakellm.Step{Status: http.StatusTooManyRequests, Text: "Number of requests has exceeded your rate limit", Header: http.Header{"Retry-After": {"1"}}},
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "ls"}}},
		fakellm.Step{Text: "Done despite the limit."},
	)
	defer srv.Close()
	p, _ := providerPlatform(t, Options{})
	ws := newTestWorkspace(t, p, "w")
	var log eventLog
	req := anthropicRequest(srv, "list")
	req.OnEvent = log.add
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Response != "Done despite the limit." || res.ModelCalls != 2 || len(srv.Requests()) != 3 {
		t.Fatalf("result %+v after %d requests", res, len(srv.Requests()))
	}
	var retry *providers.Notice
	for _, n := range notices(log.all()) {
		if n.Kind == providers.NoticeRetry {
			retry = &n
		}
	}
	if retry == nil || retry.Class != providers.RateLimit || retry.Delay != time.Second || retry.Key != providers.Fingerprint(testKey) {
		t.Fatalf("retry notice %+v in %+v", retry, notices(log.all()))
	}
}

// TestRunFallsBackAcrossProtocols: the primary (Anthropic) answers a tool
// call, then fails; the conversation, tool call and result included,
// continues on the OpenAI fallback, and the events and transcript name
// the model that answered each turn.
func TestRunFallsBackAcrossProtocols(t *testing.T) {
	for _, tc := range []struct {
		name  string
		fails []fakellm.Step
		class providers.Class
	}{
		{"401", []fakellm.Step{{Status: http.StatusUnauthorized, Text: "invalid x-api-key"}}, providers.Auth},
		{"529 retries exhausted", []fakellm.Step{
			{Status: 529, Text: "Overloaded", Header: http.Header{"Retry-After-Ms": {"5"}}},
			{Status: 529, Text: "Overloaded", Header: http.Header{"Retry-After-Ms": {"5"}}},
			{Status: 529, Text: "Overloaded", Header: http.Header{"Retry-After-Ms": {"5"}}},
		}, providers.Overloaded},
		{"500 retries exhausted", []fakellm.Step{
			{Status: 500, Text: "Internal server error", Header: http.Header{"Retry-After-Ms": {"5"}}},
			{Status: 500, Text: "Internal server error", Header: http.Header{"Retry-After-Ms": {"5"}}},
			{Status: 500, Text: "Internal server error", Header: http.Header{"Retry-After-Ms": {"5"}}},
		}, providers.Server},
	} {
		t.Run(tc.name, func(t *testing.T) {
			primary := fakellm.New(append([]fakellm.Step{
				{Text: "First I write.", ToolCalls: []fakellm.ToolCall{{Name: "write", Input: map[string]string{"path": "a.txt", "content": "alpha"}}}},
			}, tc.fails...)...)
			defer primary.Close()
			fallback := fakellm.New(
				fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "read", Input: map[string]string{"path": "a.txt"}}}},
				fakellm.Step{Text: "a.txt holds alpha."},
			)
			defer fallback.Close()
			t.Setenv("OPENAI_API_KEY", "sk-openai-fallback-key-0123456789")
			t.Setenv("OPENAI_API_KEYS", "")
			t.Setenv("OPENAI_BASE_URL", fallback.OpenAIBaseURL())
			p, _ := providerPlatform(t, Options{})
			ws := newTestWorkspace(t, p, "w")
			var log eventLog
			req := anthropicRequest(primary, "write then read")
			req.SessionID = "s1"
			req.Fallbacks = []string{"openai/gpt-fallback"}
			req.OnEvent = log.add
			res, err := ws.Run(bg, req)
			if err != nil {
				t.Fatal(err)
			}
			if res.Response != "a.txt holds alpha." || res.Turns != 3 {
				t.Fatalf("result %+v", res)
			}
			// The fallback got the Anthropic turn's tool call and result.
			freqs := fallback.Requests()
			if len(freqs) != 2 || freqs[0].Protocol != fakellm.ProtocolOpenAI || freqs[0].Model() != "gpt-fallback" {
				t.Fatalf("fallback requests %d, first %+v", len(freqs), freqs)
			}
			msgs := freqs[0].Messages()
			if len(msgs) != 3 || len(msgs[1].ToolUses()) != 1 || msgs[1].ToolUses()[0].Name != "write" ||
				freqs[0].LastToolResults()[0].IsError {
				t.Fatalf("fallback conversation %+v", msgs)
			}
			var fell *providers.Notice // the first: turn 2's
			for _, n := range notices(log.all()) {
				if n.Kind == providers.NoticeFallback && fell == nil {
					fell = &n
				}
			}
			if fell == nil || fell.Provider != "anthropic" || fell.Model != "claude-test" || fell.To != "openai/gpt-fallback" || fell.Class != tc.class {
				t.Fatalf("fallback notice %+v", fell)
			}
			var answered []string
			for _, ev := range log.all() {
				if ev.Type == EventUsage {
					answered = append(answered, ev.Provider+"/"+ev.Model)
				}
			}
			if strings.Join(answered, ",") != "anthropic/claude-test,openai/gpt-fallback,openai/gpt-fallback" {
				t.Fatalf("usage events name %v", answered)
			}
			// The transcript names the model of each answer (a turn's tool
			// results are appended with it, the prompt with the first).
			models := transcriptModels(t, ws, "s1")
			if strings.Join(models, ",") != "claude-test,claude-test,claude-test,gpt-fallback,gpt-fallback,gpt-fallback" {
				t.Fatalf("transcript models %v", models)
			}
		})
	}
}

// transcriptModels returns the model of each line of session id's
// transcript.
func transcriptModels(t *testing.T, ws *Workspace, id string) []string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(ws.Dir(), "sessions", id+".jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, line := range strings.Split(strings.TrimSpace(string(data)), "\n") {
		var rec struct {
			Model string `json:"model"`
		}
		if err := json.Unmarshal([]byte(line), &rec); err != nil {
			t.Fatal(err)
		}
		out = append(out, rec.Model)
	}
	return out
}

// TestConcurrentRunsShareHealth: one run's rate limit rests the key for
// the whole platform: the pool rotates to the next key, and a run started
// meanwhile never tries the resting key.
func TestConcurrentRunsShareHealth(t *testing.T) {
	const k1, k2 = "sk-ant-pool-key-one-0123456789", "sk-ant-pool-key-two-0123456789"
	var mu sync.Mutex
	keysOf := map[string][]string{} // task → keys its requests used
	srv := fakellm.NewHandler(func(req fakellm.Request) fakellm.Step {
		key := req.Header.Get("X-Api-Key")
		task := req.Messages()[0].Text()
		mu.Lock()
		keysOf[task] = append(keysOf[task], key)
		mu.Unlock()
		if key == k1 {
			return fakellm.Step{Status: http.StatusTooManyRequests, Text: "rate limited", Header: http.Header{"Retry-After": {"600"}}}
		}
		if len(req.LastToolResults()) == 0 {
			return fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "ls"}}}
		}
		return fakellm.Step{Text: "done " + task}
	})
	defer srv.Close()
	p, _ := providerPlatform(t, Options{})
	ws := newTestWorkspace(t, p, "w")
	rotated := make(chan struct{})
	var once sync.Once
	var logA, logB eventLog
	reqA := anthropicRequest(srv, "task A")
	reqA.APIKey, reqA.APIKeys = "", []string{k1, k2}
	reqA.OnEvent = func(ev Event) {
		logA.add(ev)
		if ev.Type == EventProvider && ev.Notice.Kind == providers.NoticeRotate {
			once.Do(func() { close(rotated) })
		}
	}
	reqB := anthropicRequest(srv, "task B")
	reqB.APIKey, reqB.APIKeys = "", []string{k1, k2}
	reqB.OnEvent = logB.add
	errs := make(chan error, 2)
	go func() {
		_, err := ws.Run(bg, reqA)
		errs <- err
	}()
	go func() {
		select {
		case <-rotated: // run A has rested k1 and goes on with k2
		case <-time.After(time.Minute):
		}
		_, err := ws.Run(bg, reqB)
		errs <- err
	}()
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	mu.Lock()
	defer mu.Unlock()
	if a := keysOf["task A"]; len(a) != 3 || a[0] != k1 || a[1] != k2 || a[2] != k2 {
		t.Errorf("run A's keys: %d requests, first with k1 %v", len(a), len(a) > 0 && a[0] == k1)
	}
	for _, k := range keysOf["task B"] {
		if k != k2 {
			t.Errorf("run B tried the resting key")
		}
	}
	if len(keysOf["task B"]) != 2 {
		t.Errorf("run B made %d requests", len(keysOf["task B"]))
	}
	var rot *providers.Notice
	for _, n := range notices(logA.all()) {
		if n.Kind == providers.NoticeRotate {
			rot = &n
		}
	}
	if rot == nil || rot.Key != providers.Fingerprint(k1) || rot.Class != providers.RateLimit {
		t.Errorf("rotate notice %+v", rot)
	}
}

// TestRunCost: each call's usage is priced at the platform's table for
// the model that answered; unpriced models are counted; a subagent's cost
// is its parent's SubagentCostUSD.
func TestRunCost(t *testing.T) {
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "subagent", Input: map[string]string{"task": "say hi"}}}},
		fakellm.Step{Text: "hi"},
		fakellm.Step{Text: "the subagent said hi"},
	)
	defer srv.Close()
	price := providers.Price{Input: 3, Output: 15, CacheRead: 0.3, CacheWrite: 3.75}
	p, _ := providerPlatform(t, Options{Prices: providers.Prices{"claude-test": price}})
	ws := subagentWorkspace(t, p, "w", SubagentConfig{Enabled: true})
	var log eventLog
	req := anthropicRequest(srv, "delegate")
	req.OnEvent = log.add
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	var own float64
	for _, ev := range log.all() {
		if ev.Type == EventUsage {
			if ev.CostUSD == nil {
				t.Fatalf("usage event without a cost: %+v", ev)
			}
			own += *ev.CostUSD
		}
	}
	if want := price.Cost(res.Usage); math.Abs(res.CostUSD-want) > 1e-12 || math.Abs(own-want) > 1e-12 || want <= 0 {
		t.Errorf("cost %g, events %g, want %g", res.CostUSD, own, want)
	}
	if want := price.Cost(res.SubagentUsage); math.Abs(res.SubagentCostUSD-want) > 1e-12 || want <= 0 {
		t.Errorf("subagent cost %g, want %g", res.SubagentCostUSD, want)
	}
	if res.UnpricedCalls != 0 {
		t.Errorf("%d unpriced calls", res.UnpricedCalls)
	}
	done := log.all()[len(log.all())-1]
	if done.Type != EventDone || done.Result.CostUSD != res.CostUSD {
		t.Errorf("done event %+v", done)
	}
	if b, _ := json.Marshal(done); !bytes.Contains(b, []byte(`"cost_usd":`)) || !bytes.Contains(b, []byte(`"subagent_cost_usd":`)) {
		t.Errorf("done event JSON %s", b)
	}
	// The usage ledger has a row per run, the subagent's included: the
	// workspace's cost is their sum.
	report, err := ws.Usage(bg, time.Time{}, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if total := res.CostUSD + res.SubagentCostUSD; len(report.Runs) != 2 || math.Abs(report.Totals.CostUSD-total) > 1e-12 {
		t.Errorf("ledger: %d rows, cost %g, want %g", len(report.Runs), report.Totals.CostUSD, total)
	}

	// A model without a price is counted, not priced.
	srv2 := fakellm.New(fakellm.Step{Text: "ok"})
	defer srv2.Close()
	res, err = ws.Run(bg, openaiRequest(srv2, "hello"))
	if err != nil {
		t.Fatal(err)
	}
	if res.CostUSD != 0 || res.UnpricedCalls != 1 {
		t.Errorf("unpriced run: cost %g, %d unpriced calls", res.CostUSD, res.UnpricedCalls)
	}
}

// TestRequestSettings: the host sets the workspace's settings, overridden
// by the request's, on every model request, over both protocols.
func TestRequestSettings(t *testing.T) {
	temp := 0.25
	p, _ := providerPlatform(t, Options{})
	ws, err := p.CreateWorkspace("w", WorkspaceConfig{RequestSettings: RequestSettings{
		MaxOutputTokens: 3000, Temperature: &temp, StopSequences: []string{"STOP-WS"},
	}})
	if err != nil {
		t.Fatal(err)
	}
	body := func(t *testing.T, srv *fakellm.Server) map[string]any {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal(srv.Requests()[0].Body, &m); err != nil {
			t.Fatal(err)
		}
		return m
	}
	t.Run("anthropic, workspace settings", func(t *testing.T) {
		srv := fakellm.New(fakellm.Step{Text: "ok"})
		defer srv.Close()
		if _, err := ws.Run(bg, anthropicRequest(srv, "hi")); err != nil {
			t.Fatal(err)
		}
		b := body(t, srv)
		if b["max_tokens"] != 3000.0 || b["temperature"] != 0.25 || b["thinking"] != nil {
			t.Errorf("request %v", b)
		}
		if stop, _ := json.Marshal(b["stop_sequences"]); string(stop) != `["STOP-WS"]` {
			t.Errorf("stop sequences %s", stop)
		}
	})
	t.Run("openai, request overrides", func(t *testing.T) {
		srv := fakellm.New(fakellm.Step{Text: "ok"})
		defer srv.Close()
		req := openaiRequest(srv, "hi")
		hot := 1.5
		req.RequestSettings = RequestSettings{MaxOutputTokens: 700, Temperature: &hot, StopSequences: []string{"A", "B"}}
		if _, err := ws.Run(bg, req); err != nil {
			t.Fatal(err)
		}
		b := body(t, srv)
		if b["max_completion_tokens"] != 700.0 || b["temperature"] != 1.5 {
			t.Errorf("request %v", b)
		}
		if stop, _ := json.Marshal(b["stop"]); string(stop) != `["A","B"]` {
			t.Errorf("stop %s", stop)
		}
	})
	t.Run("invalid", func(t *testing.T) {
		for _, s := range []RequestSettings{
			{ThinkingBudget: 500},
			{ThinkingBudget: 4000}, // not below the workspace's 3000 output tokens
			{StopSequences: []string{"a", "b", "c", "d", "e"}},
			{StopSequences: []string{""}},
			{Temperature: func() *float64 { v := 2.5; return &v }()},
			{MaxOutputTokens: -1},
		} {
			req := RunRequest{Message: "hi", LLM: providers.Provider(nil), RequestSettings: s}
			if _, err := ws.Run(bg, req); err == nil || !strings.Contains(err.Error(), "request settings") {
				t.Errorf("settings %+v: %v", s, err)
			}
		}
		if _, err := p.CreateWorkspace("bad", WorkspaceConfig{Fallbacks: []string{"nowhere/model"}}); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("unknown fallback provider: %v", err)
		}
		if _, err := p.CreateWorkspace("bad", WorkspaceConfig{Fallbacks: []string{"openai"}}); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("fallback without a model: %v", err)
		}
		if _, err := p.CreateWorkspace("bad", WorkspaceConfig{ContextWindow: 100}); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("tiny context window: %v", err)
		}
		if _, err := p.CreateWorkspace("bad", WorkspaceConfig{RequestSettings: RequestSettings{Temperature: func() *float64 { v := -1.0; return &v }()}}); !errors.Is(err, ErrInvalidConfig) {
			t.Errorf("negative temperature: %v", err)
		}
	})
}

// TestThinkingBlocksKept: with a thinking budget, Anthropic requests ask
// for extended thinking; the answer's thinking block, with its signature,
// is kept in the transcript and sent back with the tool result.
func TestThinkingBlocksKept(t *testing.T) {
	answer := `{"id":"msg_1","type":"message","role":"assistant","model":"claude-test","stop_reason":"tool_use","stop_sequence":null,` +
		`"content":[{"type":"thinking","thinking":"I should list the files.","signature":"sig-abc-123"},{"type":"tool_use","id":"toolu_x1","name":"ls","input":{}}],` +
		`"usage":{"input_tokens":10,"output_tokens":20}}`
	srv := fakellm.New(fakellm.Step{RawBody: answer}, fakellm.Step{Text: "Listed."})
	defer srv.Close()
	p, _ := providerPlatform(t, Options{})
	ws := newTestWorkspace(t, p, "w")
	req := anthropicRequest(srv, "list files")
	req.SessionID, req.NoStream = "s1", true
	req.ThinkingBudget = 2048
	temp := 0.5
	req.Temperature = &temp
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if res.Response != "Listed." {
		t.Fatalf("response %q", res.Response)
	}
	reqs := srv.Requests()
	var first map[string]any
	json.Unmarshal(reqs[0].Body, &first)
	thinking, _ := json.Marshal(first["thinking"])
	if string(thinking) != `{"budget_tokens":2048,"type":"enabled"}` || first["max_tokens"] != 2048.0+providers.DefaultMaxTokens || first["temperature"] != nil {
		t.Errorf("first request: thinking %s, max_tokens %v, temperature %v", thinking, first["max_tokens"], first["temperature"])
	}
	back := reqs[1].Messages()[1]
	if back.Role != chat.RoleAssistant || back.Content[0].Type != chat.BlockThinking || back.Content[0].Signature != "sig-abc-123" {
		t.Errorf("the thinking block was not sent back: %+v", back)
	}
	msgs, _, err := ws.Sessions().Load("s1")
	if err != nil {
		t.Fatal(err)
	}
	if b := msgs[1].Content[0]; b.Type != chat.BlockThinking || b.Text != "I should list the files." || b.Signature != "sig-abc-123" {
		t.Errorf("transcript holds %+v", msgs[1])
	}
}

// TestTextResetOnRetry: a stream cut after some text is retried; the run
// tells its client to drop the void text before the new answer streams.
func TestTextResetOnRetry(t *testing.T) {
	cut := "event: message_start\ndata: " + `{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"claude-test","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}` + "\n\n" +
		"event: content_block_start\ndata: " + `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}` + "\n\n" +
		"event: content_block_delta\ndata: " + `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Half an ans"}}` + "\n\n"
	srv := fakellm.New(fakellm.Step{RawBody: cut}, fakellm.Step{Text: "Whole answer."})
	defer srv.Close()
	p, _ := providerPlatform(t, Options{})
	ws := newTestWorkspace(t, p, "w")
	var log eventLog
	req := anthropicRequest(srv, "hi")
	req.OnEvent = log.add
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	var seq []string
	for _, ev := range log.all() {
		switch ev.Type {
		case EventTextDelta:
			seq = append(seq, "delta:"+ev.Text)
		case EventTextReset:
			seq = append(seq, "reset")
		case EventProvider:
			seq = append(seq, string(ev.Notice.Kind))
		}
	}
	got := strings.Join(seq, " ")
	if !strings.HasPrefix(got, "delta:Half an ans retry restart reset delta:") || res.Response != "Whole answer." {
		t.Fatalf("events %s, response %q", got, res.Response)
	}
}

// TestNoKeyLeaks: under every kind of failure (a key out of credit, a
// rejected key, rate limits, server errors, a bad request), with each
// provider echoing the key in its error messages, no key value reaches a
// log line, an event, an error or any file of the state directory.
func TestNoKeyLeaks(t *testing.T) {
	const k1, k2 = "sk-ant-api03-LEAKCHECK-one-0123456789", "sk-ant-api03-LEAKCHECK-two-0123456789"
	const k3 = "sk-proj-LEAKCHECK-fallback-0123456789"
	primary := fakellm.NewHandler(func(req fakellm.Request) fakellm.Step {
		switch key := req.Header.Get("X-Api-Key"); key {
		case k1:
			return fakellm.Step{Status: http.StatusPaymentRequired, Text: "Your credit balance is too low to access the API with key " + key}
		default:
			return fakellm.Step{Status: http.StatusUnauthorized, Text: "invalid x-api-key " + key}
		}
	})
	defer primary.Close()
	var mu sync.Mutex
	calls := 0
	fallback := fakellm.NewHandler(func(req fakellm.Request) fakellm.Step {
		mu.Lock()
		defer mu.Unlock()
		calls++
		key := strings.TrimPrefix(req.Header.Get("Authorization"), "Bearer ")
		switch calls {
		case 1:
			return fakellm.Step{Status: http.StatusTooManyRequests, Text: "Rate limit reached for key " + key, Header: http.Header{"Retry-After-Ms": {"5"}}}
		case 2:
			return fakellm.Step{Status: http.StatusInternalServerError, Text: "The server had an error with key " + key, Header: http.Header{"Retry-After-Ms": {"5"}}}
		case 3:
			return fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "ls"}}}
		case 4:
			return fakellm.Step{Text: "done"}
		}
		return fakellm.Step{Status: http.StatusBadRequest, Text: "Invalid request sent with key " + key}
	})
	defer fallback.Close()
	t.Setenv("OPENAI_API_KEY", k3)
	t.Setenv("OPENAI_API_KEYS", "")
	t.Setenv("OPENAI_BASE_URL", fallback.OpenAIBaseURL())
	var dropped []providers.Notice // the platform's notices, after its log
	p, logs := providerPlatform(t, Options{ProviderHealth: providers.HealthConfig{Notify: func(n providers.Notice) { dropped = append(dropped, n) }}})
	ws, err := p.CreateWorkspace("w", WorkspaceConfig{Fallbacks: []string{"openai/gpt-test"}})
	if err != nil {
		t.Fatal(err)
	}
	var events []string
	var errs []string
	for i, msg := range []string{"first", "second"} {
		req := RunRequest{Message: msg, SessionID: "s", Provider: "anthropic", Model: "claude-test",
			APIKeys: []string{k1, k2}, BaseURL: primary.AnthropicBaseURL(),
			OnEvent: func(ev Event) { events = append(events, ev.String()) }}
		_, err := ws.Run(bg, req)
		switch {
		case i == 0 && err != nil:
			t.Fatalf("first run: %v", err)
		case i == 1 && err == nil:
			t.Fatal("second run did not fail")
		case err != nil:
			errs = append(errs, err.Error())
		}
	}
	all := logs.String() + strings.Join(events, "\n") + strings.Join(errs, "\n")
	for _, want := range []string{`"kind":"key_dropped"`, `"kind":"fallback"`, `"kind":"retry"`, "[redacted]", providers.Fingerprint(k1)} {
		if !strings.Contains(all, want) {
			t.Errorf("collected output lacks %q: the failures did not happen as planned", want)
		}
	}
	if !strings.Contains(logs.String(), providers.Fingerprint(k1)) {
		t.Error("the dropped key was not logged by its fingerprint")
	}
	if len(dropped) != 1 || dropped[0].Kind != providers.NoticeKeyDropped || dropped[0].Key != providers.Fingerprint(k1) || dropped[0].Class != providers.Billing {
		t.Errorf("the platform's Notify got %+v", dropped)
	}
	err = filepath.Walk(p.StateDir(), func(path string, fi os.FileInfo, err error) error {
		if err != nil || !fi.Mode().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		all += string(data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(all, "LEAKCHECK") {
		i := strings.Index(all, "LEAKCHECK")
		t.Fatalf("a key leaked: …%s…", all[max(i-200, 0):min(i+50, len(all))])
	}
}
