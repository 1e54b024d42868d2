package providers

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

// BenchmarkDemoCaching replays the demo session's nine requests through the
// Anthropic adapter against fakellm, which reports cache usage as the
// Messages API does, with and without cache_control breakpoints. One
// iteration is the whole session on a fresh server (an empty cache).
// Metrics are per session; cost uses DefaultPrices for claude-sonnet-4-5.
func BenchmarkDemoCaching(b *testing.B) {
	reqs := demoRequests(b)
	for _, cache := range []bool{false, true} {
		b.Run(fmt.Sprintf("cache=%v", cache), func(b *testing.B) {
			var total chat.Usage
			var perTurn []chat.Usage
			for range b.N {
				srv := fakellm.NewHandler(func(fakellm.Request) fakellm.Step { return fakellm.Step{Text: "ok"} })
				p, err := New(Config{Name: "anthropic", APIKey: testKey, BaseURL: srv.AnthropicBaseURL(), NoPromptCache: !cache})
				if err != nil {
					b.Fatal(err)
				}
				total, perTurn = chat.Usage{}, nil
				for _, req := range reqs {
					resp, err := p.Complete(context.Background(), req, nil)
					if err != nil {
						b.Fatal(err)
					}
					total = total.Add(resp.Usage)
					perTurn = append(perTurn, resp.Usage)
				}
				srv.Close()
			}
			price, _ := DefaultPrices.Lookup("anthropic", "claude-sonnet-4-5")
			b.ReportMetric(float64(total.InputTokens), "input-tok/session")
			b.ReportMetric(float64(total.CacheReadTokens), "cache-read-tok/session")
			b.ReportMetric(float64(total.CacheWriteTokens), "cache-write-tok/session")
			b.ReportMetric(price.Cost(total)*1e6/float64(len(reqs)), "µUSD/turn")
			var rows []string
			for i, u := range perTurn {
				rows = append(rows, fmt.Sprintf("turn %d: input %d, cache read %d, cache write %d", i+1, u.InputTokens, u.CacheReadTokens, u.CacheWriteTokens))
			}
			b.Logf("cache=%v\n%s", cache, strings.Join(rows, "\n"))
		})
	}
}

// stubAdapter answers every request at once, in memory.
type stubAdapter struct{ resp chat.Response }

func (s stubAdapter) complete(ctx context.Context, req chat.Request, key string, onText func(string), ex *exchange) (*chat.Response, error) {
	if ex.onSuccess != nil {
		ex.onSuccess()
	}
	r := s.resp
	return &r, nil
}

// stubClient is a client of New with an in-memory adapter.
func stubClient(b *testing.B, name string, h *Health) *client {
	p, err := New(Config{Name: name, APIKeys: []string{"k1", "k2", "k3"}, Health: h})
	if err != nil {
		b.Fatal(err)
	}
	c := p.(*client)
	c.proto = stubAdapter{chat.Response{Message: chat.Message{Role: chat.RoleAssistant}, StopReason: chat.StopEndTurn}}
	return c
}

// BenchmarkFallbackDecision measures what the provider layer adds to a
// request besides the call itself: key choice, cooldown check, probe
// bookkeeping and the fallback wrapper, with an in-memory adapter.
func BenchmarkFallbackDecision(b *testing.B) {
	ctx := context.Background()
	b.Run("healthy primary", func(b *testing.B) {
		h := NewHealth(HealthConfig{})
		fb := Fallback(nil, Route{Name: "anthropic", Model: "m1", Provider: stubClient(b, "anthropic", h)},
			Route{Name: "openai", Model: "m2", Provider: stubClient(b, "openai", h)})
		b.ReportAllocs()
		for range b.N {
			if _, err := fb.Complete(ctx, hello, nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("primary cooling, skipped", func(b *testing.B) {
		h := NewHealth(HealthConfig{ModelFailures: 1, BaseCooldown: 1 << 62})
		primary := stubClient(b, "anthropic", h)
		for i := range primary.keys {
			s := &slot{key: primary.keys[i].ref, model: "m1"}
			h.fail(s, Overloaded, 0)
		}
		fb := Fallback(nil, Route{Name: "anthropic", Model: "m1", Provider: primary},
			Route{Name: "openai", Model: "m2", Provider: stubClient(b, "openai", h)})
		b.ReportAllocs()
		for range b.N {
			resp, err := fb.Complete(ctx, hello, nil)
			if err != nil || resp.Provider != "openai" {
				b.Fatal(resp, err)
			}
		}
	})
	b.Run("direct adapter call (baseline)", func(b *testing.B) {
		c := stubClient(b, "anthropic", NewHealth(HealthConfig{}))
		b.ReportAllocs()
		for range b.N {
			if _, err := c.proto.complete(ctx, hello, "k1", nil, newExchange(ctx, DefaultMaxResponseBytes, DefaultIdleTimeout, nil)); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkCompaction200 simulates a 200-turn tool session (4 KB per tool
// result) on a 128k-token window and counts the prompt tokens sent over
// the whole session (EstimateTokens of each request, plus the
// summariser's requests), without a guard and with the guard the runtime
// is to run before each request when a request passes 80% of the window:
// shrinking old tool results (keeping the latest 10), compacting (keeping
// 20k tokens; the summary taken as 500 tokens), or both in that order.
func BenchmarkCompaction200(b *testing.B) {
	const turns, window = 200, 128_000
	history := toolSession(turns, 4000)
	system := strings.Repeat("You are a careful software agent. ", 40)
	summary := strings.Repeat("Summary sentence with facts. ", 70) // about 500 tokens
	for _, mode := range []string{"none", "shrink", "compact", "shrink+compact"} {
		b.Run(mode, func(b *testing.B) {
			var sent, biggest, compactions, overflowing int
			for range b.N {
				sent, biggest, compactions, overflowing = 0, 0, 0, 0
				var msgs []chat.Message
				for i := 0; i < len(history); {
					// One turn: the next assistant message and its result.
					end := min(i+2, len(history))
					if i == 0 {
						end = 1
					}
					msgs = append(msgs, history[i:end]...)
					i = end
					req := chat.Request{System: system, Messages: msgs}
					req, msgs = guardContext(mode, req, window, &sent, &compactions, summary)
					n := EstimateTokens(req)
					sent += n
					biggest = max(biggest, n)
					if n > window {
						overflowing++
					}
				}
			}
			b.ReportMetric(float64(sent), "tokens-sent/session")
			b.ReportMetric(float64(biggest), "max-request-tokens")
			b.ReportMetric(float64(compactions), "compactions")
			b.ReportMetric(float64(overflowing), "requests-over-window")
		})
	}
}

// guardContext applies mode's guard with a canned summary; it returns the
// request to send and the history to keep.
func guardContext(mode string, req chat.Request, window int, sent, compactions *int, summary string) (chat.Request, []chat.Message) {
	budget := window * 8 / 10
	if mode == "none" || EstimateTokens(req) <= budget {
		return req, req.Messages
	}
	if strings.HasPrefix(mode, "shrink") {
		shrunk, _ := ShrinkToolResults(req, budget, 10)
		if mode == "shrink" || EstimateTokens(shrunk) <= budget {
			return shrunk, req.Messages
		}
	}
	plan, err := PrepareCompaction(req.Messages, CompactOptions{})
	if err != nil {
		return req, req.Messages
	}
	*sent += EstimateTokens(plan.Request)
	*compactions++
	c, _ := plan.Record(req.Messages, &chat.Response{Message: chat.Message{Role: chat.RoleAssistant, Content: []chat.Block{{Type: chat.BlockText, Text: summary}}}})
	msgs := c.Apply(req.Messages)
	req.Messages = msgs
	return req, msgs
}
