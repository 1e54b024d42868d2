package providers

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

// routeTo builds a route to a fakellm endpoint with fast retries and the
// given health.
func routeTo(t *testing.T, name, model, base string, h *Health, retries int) Route {
	t.Helper()
	p, err := New(Config{Name: name, APIKey: testKey, BaseURL: base, Health: h, MaxRetries: retries, RetryBackoff: time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	return Route{Name: name, Model: model, Provider: p}
}

func TestFallbackAcrossProtocolsWithToolCalls(t *testing.T) {
	turn := 0
	srv := fakellm.NewHandler(func(req fakellm.Request) fakellm.Step {
		switch {
		case turn == 0 && req.Protocol == fakellm.ProtocolAnthropic:
			return fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "ls", Input: map[string]any{"path": "."}}}}
		case req.Protocol == fakellm.ProtocolAnthropic:
			return fakellm.Step{Status: 529, Text: "Overloaded"}
		case turn == 1 && req.Protocol == fakellm.ProtocolOpenAI:
			return fakellm.Step{ToolCalls: []fakellm.ToolCall{{Name: "read", Input: map[string]any{"path": "a.txt"}}}}
		case req.Protocol == fakellm.ProtocolOpenAI:
			return fakellm.Step{Status: 429, Text: "Rate limit reached for requests"}
		default:
			return fakellm.Step{Text: "All done: a.txt says hi."}
		}
	})
	defer srv.Close()
	h := NewHealth(HealthConfig{BaseCooldown: time.Hour})
	fb := Fallback(nil,
		routeTo(t, "anthropic", "claude-sonnet-4-5", srv.AnthropicBaseURL(), h, -1),
		routeTo(t, "openai", "gpt-4.1", srv.OpenAIBaseURL(), h, -1),
		routeTo(t, "gemini-native", "gemini-2.5-flash", srv.GeminiBaseURL(), h, -1),
	)
	var notices noticeLog
	ctx := WithObserver(context.Background(), Observer{Notice: notices.add})
	req := chat.Request{System: "sys", Messages: []chat.Message{chat.UserText("read the file")}, Tools: toolConversation().Tools}
	answeredBy := []string{}
	results := map[string]string{"ls": "a.txt", "read": "hi"}
	for turn = 0; turn < 3; turn++ {
		resp, err := fb.Complete(ctx, req, nil)
		if err != nil {
			t.Fatalf("turn %d: %v", turn, err)
		}
		answeredBy = append(answeredBy, resp.Provider)
		req.Messages = append(req.Messages, resp.Message)
		var out []chat.Block
		for _, u := range resp.Message.ToolUses() {
			out = append(out, chat.Block{Type: chat.BlockToolResult, ToolUseID: u.ID, Text: results[u.Name]})
		}
		if len(out) > 0 {
			req.Messages = append(req.Messages, chat.Message{Role: chat.RoleUser, Content: out})
		}
	}
	if want := "anthropic openai gemini-native"; strings.Join(answeredBy, " ") != want {
		t.Errorf("answered by %v, want %s", answeredBy, want)
	}
	if got := req.Messages[len(req.Messages)-1].Text(); got != "All done: a.txt says hi." {
		t.Errorf("final answer %q", got)
	}
	// The Gemini request carried both earlier tool rounds, made by the two
	// other protocols, each result paired with its call.
	reqs := srv.Requests()
	last := reqs[len(reqs)-1]
	if last.Protocol != fakellm.ProtocolGemini {
		t.Fatalf("last request went to %s", last.Protocol)
	}
	got := last.ToolResults()
	if len(got) != 2 || got[0].ToolUseID != "toolu_01" || got[0].Text != "a.txt" || got[1].ToolUseID != "call_02" || got[1].Text != "hi" {
		t.Errorf("tool results seen by Gemini = %+v", got)
	}
	var moves []string
	for _, n := range notices.ns {
		if n.Kind == NoticeFallback {
			moves = append(moves, n.Provider+"->"+n.To+":"+string(n.Class))
		}
	}
	want := []string{"anthropic->openai/gpt-4.1:overloaded", "anthropic->openai/gpt-4.1:overloaded", "openai->gemini-native/gemini-2.5-flash:rate_limit"}
	if strings.Join(moves, " ") != strings.Join(want, " ") {
		t.Errorf("fallback notices = %v, want %v", moves, want)
	}
}

func TestFallbackStopsOnConversationFaults(t *testing.T) {
	srv := fakellm.NewHandler(func(req fakellm.Request) fakellm.Step {
		switch req.Model() {
		case "small":
			return fakellm.Step{Status: 400, Text: "prompt is too long: 5000 tokens > 4096 maximum"}
		case "broken":
			return fakellm.Step{Status: 400, Text: "messages.0.content: text content blocks must be non-empty"}
		}
		return fakellm.Step{Text: "ok"}
	})
	defer srv.Close()
	h := NewHealth(HealthConfig{})
	windows := ContextWindows{"small": 4096, "big": 200_000}
	a := func(model string) Route { return routeTo(t, "anthropic", model, srv.AnthropicBaseURL(), h, -1) }
	o := func(model string) Route { return routeTo(t, "openai", model, srv.OpenAIBaseURL(), h, -1) }

	resp, err := Fallback(windows, a("small"), o("big")).Complete(context.Background(), hello, nil)
	if err != nil || resp.Provider != "openai" || resp.Model != "big" {
		t.Errorf("overflow towards a larger window: resp %+v err %v", resp, err)
	}
	_, err = Fallback(windows, a("small"), o("small")).Complete(context.Background(), hello, nil)
	if pe := asError(t, err); pe.Class != ContextOverflow || pe.Provider != "anthropic" {
		t.Errorf("overflow towards an equal window: %v", err)
	}
	n := len(srv.Requests())
	_, err = Fallback(windows, a("broken"), o("big")).Complete(context.Background(), hello, nil)
	if pe := asError(t, err); pe.Class != BadRequest || len(srv.Requests()) != n+1 {
		t.Errorf("bad_request: %v after %d requests", err, len(srv.Requests())-n)
	}
}

func TestFallbackAfterStreamedText(t *testing.T) {
	partial := "event: message_start\ndata: " + `{"type":"message_start","message":{"id":"m","type":"message","role":"assistant","model":"m","content":[],"usage":{"input_tokens":1,"output_tokens":1}}}` + "\n\n" +
		"event: content_block_start\ndata: " + `{"type":"content_block_start","index":0,"content_block":{"type":"text","text":""}}` + "\n\n" +
		"event: content_block_delta\ndata: " + `{"type":"content_block_delta","index":0,"delta":{"type":"text_delta","text":"Half an ans"}}` + "\n\n" +
		"event: error\ndata: " + `{"type":"error","error":{"type":"overloaded_error","message":"Overloaded"}}` + "\n\n"
	srv := fakellm.NewHandler(func(req fakellm.Request) fakellm.Step {
		if req.Protocol == fakellm.ProtocolAnthropic {
			return fakellm.Step{RawBody: partial}
		}
		return fakellm.Step{Text: "Whole answer."}
	})
	defer srv.Close()
	h := NewHealth(HealthConfig{})
	fb := Fallback(nil, routeTo(t, "anthropic", "claude-sonnet-4-5", srv.AnthropicBaseURL(), h, -1),
		routeTo(t, "openai", "gpt-4.1", srv.OpenAIBaseURL(), h, -1))

	var text strings.Builder
	onText := func(d string) { text.WriteString(d) }
	// Without a Restart function the streamed text stands and the error
	// is returned.
	_, err := fb.Complete(context.Background(), hello, onText)
	if pe := asError(t, err); pe.Class != Overloaded || text.String() != "Half an ans" {
		t.Errorf("no restart: err %v, text %q", err, text.String())
	}
	// With one, the caller discards the partial text and the turn goes on.
	text.Reset()
	var causes []Class
	ctx := WithObserver(context.Background(), Observer{Restart: func(c *Error) { causes = append(causes, c.Class); text.Reset() }})
	resp, err := fb.Complete(ctx, hello, onText)
	if err != nil || resp.Provider != "openai" || text.String() != "Whole answer." || len(causes) != 1 || causes[0] != Overloaded {
		t.Errorf("restart: resp %+v err %v text %q causes %v", resp, err, text.String(), causes)
	}
}

func TestParseRoute(t *testing.T) {
	for in, want := range map[string][2]string{
		"openai/gpt-4.1":                         {"openai", "gpt-4.1"},
		"groq/llama-3.3-70b-versatile":           {"groq", "llama-3.3-70b-versatile"},
		"openrouter/anthropic/claude-sonnet-4.5": {"openrouter", "anthropic/claude-sonnet-4.5"},
	} {
		p, m, err := ParseRoute(in)
		if err != nil || p != want[0] || m != want[1] {
			t.Errorf("ParseRoute(%q) = %q %q %v", in, p, m, err)
		}
	}
	for _, bad := range []string{"gpt-4.1", "openai/", "nope/model"} {
		if _, _, err := ParseRoute(bad); err == nil {
			t.Errorf("ParseRoute(%q) accepted", bad)
		}
	}
	if _, err := Fallback(nil).Complete(context.Background(), hello, nil); err == nil {
		t.Error("empty chain answered")
	}
}
