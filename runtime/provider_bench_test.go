package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
	"github.com/bulkhead-dev/bulkhead/providers"
)

// demoSteps returns the model's answers of testdata/demo/cassette.json as
// fakellm steps: its text and tool calls, in order.
func demoSteps(b *testing.B) []fakellm.Step {
	data, err := os.ReadFile("../testdata/demo/cassette.json")
	if err != nil {
		b.Fatal(err)
	}
	var c struct {
		Interactions []struct {
			Response chat.Response `json:"response"`
		} `json:"interactions"`
	}
	if err := json.Unmarshal(data, &c); err != nil {
		b.Fatal(err)
	}
	var steps []fakellm.Step
	for _, in := range c.Interactions {
		var st fakellm.Step
		st.Text = in.Response.Message.Text()
		for _, u := range in.Response.Message.ToolUses() {
			var input map[string]any
			json.Unmarshal(u.Input, &input)
			st.ToolCalls = append(st.ToolCalls, fakellm.ToolCall{Name: u.Name, Input: input})
		}
		steps = append(steps, st)
	}
	return steps
}

// BenchmarkRunDemoCaching runs the demo task (the model's side from the
// demo cassette, the tools and jail for real on a copy of
// testdata/project) against fakellm's Anthropic endpoint, which reports
// cache usage as the Messages API does, with and without the provider's
// cache_control breakpoints, and reports the prompt tokens each turn was
// billed for: at the base rate (input), read from the cache, written to
// it. Cost at claude-sonnet-4-5's prices.
func BenchmarkRunDemoCaching(b *testing.B) {
	steps := demoSteps(b)
	for _, cache := range []bool{false, true} {
		b.Run(fmt.Sprintf("cache=%v", cache), func(b *testing.B) {
			var turns []chat.Usage
			var res *RunResult
			for range b.N {
				srv := fakellm.New(steps...)
				p := newTestPlatform(b)
				ws := newTestWorkspace(b, p, "demo")
				dir := filepath.Join(b.TempDir(), "project")
				if err := os.CopyFS(dir, os.DirFS("../testdata/project")); err != nil {
					b.Fatal(err)
				}
				llm, err := providers.New(providers.Config{Name: "anthropic", APIKey: testKey, BaseURL: srv.AnthropicBaseURL(),
					Health: p.health, NoPromptCache: !cache})
				if err != nil {
					b.Fatal(err)
				}
				turns = nil
				res, err = ws.Run(bg, RunRequest{Message: "The last page of inventory listings is missing. Find the bug, fix it, make sure the tests pass, and add a CHANGELOG entry.",
					Model: "claude-sonnet-4-5", LLM: llm, WorkspaceDir: dir, OnEvent: func(ev Event) {
						if ev.Type == EventUsage {
							turns = append(turns, *ev.Usage)
						}
					}})
				srv.Close()
				if err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(res.Usage.InputTokens), "input-tok/session")
			b.ReportMetric(float64(res.Usage.CacheReadTokens), "cache-read-tok/session")
			b.ReportMetric(float64(res.Usage.CacheWriteTokens), "cache-write-tok/session")
			b.ReportMetric(res.CostUSD*1e6/float64(len(turns)), "µUSD/turn")
			var rows []string
			for i, u := range turns {
				rows = append(rows, fmt.Sprintf("turn %d: input %d, cache read %d, cache write %d, output %d", i+1, u.InputTokens, u.CacheReadTokens, u.CacheWriteTokens, u.OutputTokens))
			}
			b.Logf("cache=%v, %d turns, $%.4f\n%s", cache, len(turns), res.CostUSD, strings.Join(rows, "\n"))
		})
	}
}

// memLLM answers every request at once, in process.
type memLLM struct{ resp chat.Response }

func (m memLLM) Complete(context.Context, chat.Request, func(string)) (*chat.Response, error) {
	r := m.resp
	return &r, nil
}

// BenchmarkModelCallOverhead measures what the host adds to one model
// call besides the provider: the context guard's estimate of the request
// (a 40-turn conversation with 4 KB tool results, about 45k tokens), the
// request settings, the observer, usage and cost accounting and the
// events, with an in-process provider; alone, and behind a two-route
// providers.Fallback whose primary answers.
func BenchmarkModelCallOverhead(b *testing.B) {
	var conv []chat.Message
	conv = append(conv, chat.UserText("start"))
	for i := range 40 {
		id := fmt.Sprintf("t%d", i)
		conv = append(conv,
			chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockText, Text: "Reading the next file."},
				{Type: chat.BlockToolUse, ID: id, Name: "read", Input: json.RawMessage(`{"path":"f.txt"}`)}}},
			chat.Message{Role: chat.RoleUser, Content: []chat.Block{{Type: chat.BlockToolResult, ToolUseID: id, Text: strings.Repeat("0123456789abcde\n", 256)}}})
	}
	answer := chat.Response{Message: textTurn("ok"), StopReason: chat.StopEndTurn, Model: "claude-sonnet-4-5", Provider: "anthropic",
		Usage: chat.Usage{InputTokens: 100, CacheReadTokens: 40000, OutputTokens: 20}}
	base := memLLM{answer}
	chain := providers.Fallback(nil, providers.Route{Name: "anthropic", Model: "claude-sonnet-4-5", Provider: base},
		providers.Route{Name: "openai", Model: "gpt-4.1", Provider: base})
	tools := []chat.Tool{{Name: "read", Description: "Read a file.", Parameters: json.RawMessage(`{"type":"object","properties":{"path":{"type":"string"}}}`)}}
	for _, c := range []struct {
		name string
		llm  providers.Provider
		host bool
	}{{"provider alone (baseline)", base, false}, {"host call, one provider", base, true}, {"host call, fallback chain", chain, true}} {
		b.Run(c.name, func(b *testing.B) {
			var mu sync.Mutex
			events := 0
			r := &run{model: "claude-sonnet-4-5", system: DefaultSystemPrompt, llm: c.llm, log: newTestPlatform(b).log,
				emit: func(Event) { mu.Lock(); events++; mu.Unlock() }, budget: &treeBudget{limits: Budgets{MaxTokens: 1 << 62}},
				calls: modelSetup{provider: "anthropic", prices: providers.DefaultPrices, window: 200_000}}
			req := chat.Request{Messages: conv, Tools: tools}
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if !c.host {
					if _, err := c.llm.Complete(bg, req, nil); err != nil {
						b.Fatal(err)
					}
					continue
				}
				msgs, _, err := r.guard(bg, req, conv, len(conv))
				if err != nil {
					b.Fatal(err)
				}
				req.Messages = msgs
				if _, err := r.complete(bg, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSession200 runs one 200-turn session on a model with a
// 128k-token window, with the context guard and without it (a window too
// large to act on), and reports the prompt tokens sent over the session
// as fakellm counts them (len(body)/4), summarisation requests included,
// with the part billed at the base rate (the rest read from or written to
// Anthropic's cache), the largest request and how many requests passed
// the window. Each turn reads a 4 KB file with the built-in read tool;
// in the "talk" shape the model also writes 2 KB of narration a turn,
// which only compaction can reduce. The summariser answers with about
// 500 tokens. Cost at claude-sonnet-4-5's prices, with caching.
func BenchmarkSession200(b *testing.B) {
	const turns, window = 200, 128_000
	summary := strings.Repeat("The agent read f.txt again and found the same content. ", 40)
	for _, shape := range []string{"tools", "talk"} {
		narration := "Reading it again."
		if shape == "talk" {
			narration = strings.Repeat("I keep reading the file to be sure of it. ", 48)
		}
		for _, guard := range []bool{false, true} {
			b.Run(fmt.Sprintf("%s/guard=%v", shape, guard), func(b *testing.B) {
				var sent, largest, over int
				var res *RunResult
				for range b.N {
					var mu sync.Mutex
					calls := 0
					sent, largest, over = 0, 0, 0
					srv := fakellm.NewHandler(func(req fakellm.Request) fakellm.Step {
						mu.Lock()
						defer mu.Unlock()
						n := len(req.Body) / 4
						sent += n
						largest = max(largest, n)
						if n > window {
							over++
						}
						if req.System() == providers.CompactionPrompt {
							return fakellm.Step{Text: summary}
						}
						calls++
						if calls >= turns {
							return fakellm.Step{Text: "done"}
						}
						return fakellm.Step{Text: narration, ToolCalls: []fakellm.ToolCall{{Name: "read", Input: map[string]string{"path": "f.txt"}}}}
					})
					p := newTestPlatform(b)
					cfg := WorkspaceConfig{Budgets: Budgets{MaxTokens: 1 << 40}, ContextWindow: window}
					if !guard {
						cfg.ContextWindow = 1 << 30
					}
					ws, err := p.CreateWorkspace("bench", cfg)
					if err != nil {
						b.Fatal(err)
					}
					writeFile(b, filepath.Join(ws.FilesDir(), "f.txt"), strings.Repeat("0123456789abcde\n", 256))
					req := anthropicRequest(srv, "read f.txt, again and again")
					req.Model, req.MaxTurns = "claude-sonnet-4-5", turns+1 // priced
					res, err = ws.Run(bg, req)
					srv.Close()
					if err != nil {
						b.Fatal(err)
					}
					if res.Turns != turns {
						b.Fatalf("%d turns", res.Turns)
					}
				}
				b.ReportMetric(float64(sent), "tokens-sent/session")
				b.ReportMetric(float64(res.Usage.InputTokens), "base-rate-tok/session")
				b.ReportMetric(float64(largest), "max-request-tokens")
				b.ReportMetric(float64(over), "requests-over-window")
				b.ReportMetric(float64(res.Compactions), "compactions")
				b.ReportMetric(res.CostUSD, "USD/session")
			})
		}
	}
}
