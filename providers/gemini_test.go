package providers

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

func TestGeminiNative(t *testing.T) {
	for _, stream := range []bool{false, true} {
		srv := fakellm.New(
			fakellm.Step{Text: "Let me look.", ToolCalls: []fakellm.ToolCall{{Name: "ls", Input: map[string]any{"path": "."}}}},
			fakellm.Step{Text: "It holds x.txt."},
		)
		p := newTestProvider(t, "gemini-native", srv.GeminiBaseURL(), func(c *Config) { c.NoStream = !stream })
		req := chat.Request{System: strings.Repeat("Be careful. ", 400), Tools: toolConversation().Tools, Messages: []chat.Message{chat.UserText("list")}}
		onText, deltas := collect()
		resp, err := complete(t, p, req, onText)
		if err != nil {
			t.Fatal(err)
		}
		uses := resp.Message.ToolUses()
		if len(uses) != 1 || uses[0].Name != "ls" || string(uses[0].Input) != `{"path":"."}` || !strings.HasPrefix(uses[0].ID, "gemini_call_") ||
			resp.StopReason != chat.StopToolUse || resp.Provider != "gemini-native" || resp.Message.Text() != "Let me look." {
			t.Fatalf("stream=%v: response %+v", stream, resp)
		}
		if strings.Join(*deltas, "") != "Let me look." {
			t.Errorf("deltas = %q", *deltas)
		}
		first := srv.Requests()[0]
		if first.Header.Get("X-Goog-Api-Key") != testKey || strings.Contains(string(first.Body), testKey) {
			t.Error("key not sent in the x-goog-api-key header only")
		}
		if first.System() != req.System || strings.Join(first.ToolNames(), ",") != "ls,read" || first.Stream != stream {
			t.Errorf("request system/tools/stream = %q %v %v", first.System()[:10], first.ToolNames(), first.Stream)
		}
		var body map[string]any
		_ = json.Unmarshal(first.Body, &body)
		mustJSON(t, "declaration", body["tools"].([]any)[0].(map[string]any)["functionDeclarations"].([]any)[1], `{"name":"read","description":"Read a file.","parametersJsonSchema":{"type":"object","properties":{"path":{"type":"string"},"limit":{"type":"integer"}},"required":["path"],"additionalProperties":false}}`)
		mustJSON(t, "generationConfig", body["generationConfig"], `{"maxOutputTokens":8192}`)

		// The tool result goes back as a functionResponse named after the call.
		req.Messages = append(req.Messages, resp.Message, chat.Message{Role: chat.RoleUser, Content: []chat.Block{{Type: chat.BlockToolResult, ToolUseID: uses[0].ID, Text: "x.txt"}}})
		resp2, err := complete(t, p, req, nil)
		if err != nil {
			t.Fatal(err)
		}
		if resp2.Message.Text() != "It holds x.txt." || resp2.StopReason != chat.StopEndTurn {
			t.Errorf("second answer %+v", resp2)
		}
		second := srv.Requests()[1]
		if r := second.LastToolResults(); len(r) != 1 || r[0].ToolUseID != uses[0].ID || r[0].Text != "x.txt" {
			t.Errorf("tool results sent = %+v", r)
		}
		if !strings.Contains(string(second.Body), `"functionResponse":{"id":"`+uses[0].ID+`","name":"ls","response":{"output":"x.txt"}}`) {
			t.Errorf("functionResponse not named after its call: %s", second.Body)
		}
		// The repeated prefix (tools, system prompt, first message) was
		// reported as cached and kept apart from input tokens.
		if resp2.Usage.CacheReadTokens < 1024 || resp2.Usage.PromptTokens() != int64(len(second.Body)/4) {
			t.Errorf("usage %+v for a %d-token prompt", resp2.Usage, len(second.Body)/4)
		}
		srv.Close()
	}
}

func TestGeminiThoughtSignaturesAndErrors(t *testing.T) {
	srv := newFakeServer(t, func(w http.ResponseWriter, r *http.Request, hit int) {
		switch hit {
		case 0:
			writeJSON(w, 200, `{"candidates":[{"content":{"role":"model","parts":[
			  {"text":"thinking...","thought":true},
			  {"functionCall":{"name":"ls","args":{"path":"."}},"thoughtSignature":"U0lH"}]},"finishReason":"STOP"}],
			  "usageMetadata":{"promptTokenCount":100,"candidatesTokenCount":10,"thoughtsTokenCount":5,"cachedContentTokenCount":60},"modelVersion":"gemini-2.5-flash-001"}`)
		case 1:
			writeJSON(w, 200, `{"candidates":[{"content":{"role":"model","parts":[{"text":"ok"}]},"finishReason":"MAX_TOKENS"}]}`)
		case 2:
			writeJSON(w, 200, `{"promptFeedback":{"blockReason":"SAFETY"}}`)
		default:
			writeJSON(w, 429, `{"error":{"code":429,"message":"Resource has been exhausted","status":"RESOURCE_EXHAUSTED","details":[{"@type":"type.googleapis.com/google.rpc.RetryInfo","retryDelay":"3600s"}]}}`)
		}
	})
	p := newTestProvider(t, "gemini-native", srv.URL, func(c *Config) { c.NoStream = true })
	resp, err := complete(t, p, hello, nil)
	if err != nil {
		t.Fatal(err)
	}
	use := resp.Message.ToolUses()[0]
	if use.Signature != "U0lH" || len(resp.Message.Content) != 1 || resp.Model != "gemini-2.5-flash-001" {
		t.Errorf("response %+v: thought summary kept or signature lost", resp.Message.Content)
	}
	if want := (chat.Usage{InputTokens: 40, OutputTokens: 15, CacheReadTokens: 60}); resp.Usage != want {
		t.Errorf("usage %+v, want %+v", resp.Usage, want)
	}
	next := chat.Request{Messages: []chat.Message{chat.UserText("hi"), resp.Message,
		{Role: chat.RoleUser, Content: []chat.Block{{Type: chat.BlockToolResult, ToolUseID: use.ID, Text: "x", IsError: true}}}}}
	resp, err = complete(t, p, next, nil)
	if err != nil || resp.StopReason != chat.StopMaxTokens {
		t.Fatalf("resp %+v err %v", resp, err)
	}
	mustJSON(t, "model turn", srv.last(t).Body["contents"].([]any)[1], `{"role":"model","parts":[{"functionCall":{"id":"`+use.ID+`","name":"ls","args":{"path":"."}},"thoughtSignature":"U0lH"}]}`)
	mustJSON(t, "error result", srv.last(t).Body["contents"].([]any)[2], `{"role":"user","parts":[{"functionResponse":{"id":"`+use.ID+`","name":"ls","response":{"error":"x"}}}]}`)
	orphan := chat.Request{Messages: []chat.Message{{Role: chat.RoleUser, Content: []chat.Block{{Type: chat.BlockToolResult, ToolUseID: "nope", Text: "x"}}}}}
	if _, err := p.Complete(context.Background(), orphan, nil); asError(t, err).Class != BadRequest {
		t.Errorf("orphan result: %v", err)
	}
	if _, err := complete(t, p, hello, nil); asError(t, err).Class != BadRequest || !strings.Contains(err.Error(), "SAFETY") {
		t.Errorf("blocked prompt: %v", err)
	}
	_, err = complete(t, p, hello, nil)
	if pe := asError(t, err); pe.Class != RateLimit || pe.RetryAfter.Hours() != 1 || pe.Provider != "gemini-native" {
		t.Errorf("429: %+v", pe)
	}
}
