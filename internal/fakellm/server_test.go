package fakellm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

var protocols = []string{ProtocolAnthropic, ProtocolOpenAI}

func TestScriptExhausted(t *testing.T) {
	for _, p := range protocols {
		t.Run(p, func(t *testing.T) {
			s := New(Step{Text: "only one"})
			defer s.Close()
			postJSON(t, s, p, userBody(p, false, nil), http.StatusOK)
			res := post(t, context.Background(), s, p, authHeaders(p), userBody(p, false, nil))
			got := decodeResponse(t, res, http.StatusInternalServerError)
			if res.Header.Get("X-Should-Retry") != "false" {
				t.Errorf("x-should-retry = %q, want false", res.Header.Get("X-Should-Retry"))
			}
			msg := fmt.Sprint(path(t, got, "error", "message"))
			if !strings.Contains(msg, "script exhausted: request 2 has no step (1 scripted)") {
				t.Errorf("message = %q", msg)
			}
			if n := len(s.Requests()); n != 2 {
				t.Errorf("%d requests recorded, want 2", n)
			}
		})
	}
}

func TestRawBody(t *testing.T) {
	tests := []struct {
		name       string
		stream     bool
		status     int
		wantStatus int
		wantType   string
	}{
		{"json", false, 0, 200, "application/json"},
		{"stream", true, 0, 200, "text/event-stream"},
		{"with status", false, 502, 502, "application/json"},
	}
	const raw = `{"id": "msg_01", "content": [`
	for _, p := range protocols {
		for _, tt := range tests {
			t.Run(p+"/"+tt.name, func(t *testing.T) {
				s := New(Step{RawBody: raw, Status: tt.status, Text: "ignored"})
				defer s.Close()
				res := post(t, context.Background(), s, p, authHeaders(p), userBody(p, tt.stream, nil))
				b, err := io.ReadAll(res.Body)
				if err != nil {
					t.Fatal(err)
				}
				if res.StatusCode != tt.wantStatus || res.Header.Get("Content-Type") != tt.wantType || string(b) != raw {
					t.Errorf("got %d %q %q, want %d %q %q", res.StatusCode, res.Header.Get("Content-Type"), b, tt.wantStatus, tt.wantType, raw)
				}
			})
		}
	}
}

func TestStepToolInputMustBeObject(t *testing.T) {
	s := New(Step{ToolCalls: []ToolCall{{Name: "bash", Input: "ls"}}})
	defer s.Close()
	res := post(t, context.Background(), s, ProtocolOpenAI, authHeaders(ProtocolOpenAI), userBody(ProtocolOpenAI, false, nil))
	got := decodeResponse(t, res, http.StatusInternalServerError)
	if msg := fmt.Sprint(path(t, got, "error", "message")); !strings.Contains(msg, `tool call "bash": input must be a JSON object`) {
		t.Errorf("message = %q", msg)
	}
}

func TestDelay(t *testing.T) {
	t.Run("waits", func(t *testing.T) {
		const d = 50 * time.Millisecond
		s := New(Step{Text: "late", Delay: d})
		defer s.Close()
		begin := time.Now()
		postJSON(t, s, ProtocolAnthropic, userBody(ProtocolAnthropic, false, nil), http.StatusOK)
		if elapsed := time.Since(begin); elapsed < d {
			t.Errorf("answered after %v, want at least %v", elapsed, d)
		}
	})
	t.Run("client gives up", func(t *testing.T) {
		s := New(Step{Text: "never seen", Delay: time.Minute}, Step{Text: "next"})
		defer s.Close()
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+paths[ProtocolOpenAI], bytes.NewReader(userBody(ProtocolOpenAI, false, nil)))
		req.Header = authHeaders(ProtocolOpenAI)
		res, err := http.DefaultClient.Do(req)
		if err == nil {
			res.Body.Close()
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("err = %v, want deadline exceeded", err)
		}
		got := postJSON(t, s, ProtocolOpenAI, userBody(ProtocolOpenAI, false, nil), http.StatusOK)
		if path(t, got, "choices", 0, "message", "content") != "next" {
			t.Errorf("second reply = %v, want the second step", got)
		}
	})
	t.Run("close ends it", func(t *testing.T) {
		s := New(Step{Delay: time.Minute})
		errc := make(chan error, 1)
		go func() {
			req, _ := http.NewRequest(http.MethodPost, s.URL+paths[ProtocolAnthropic], bytes.NewReader(userBody(ProtocolAnthropic, false, nil)))
			req.Header = authHeaders(ProtocolAnthropic)
			res, err := http.DefaultClient.Do(req)
			if err == nil {
				_, err = io.ReadAll(res.Body)
				res.Body.Close()
			}
			errc <- err
		}()
		for len(s.Requests()) == 0 {
			time.Sleep(time.Millisecond)
		}
		begin := time.Now()
		s.Close()
		if elapsed := time.Since(begin); elapsed > 5*time.Second {
			t.Errorf("Close took %v", elapsed)
		}
		<-errc
	})
}

func TestHandlerLoop(t *testing.T) {
	// A two-turn agent loop: the model calls bash, the client answers, the
	// model reports what the tool said.
	handler := func(req Request) Step {
		results := req.LastToolResults()
		if len(results) == 0 {
			return Step{ToolCalls: []ToolCall{{Name: "bash", Input: map[string]any{"command": "echo hi"}}}}
		}
		return Step{Text: fmt.Sprintf("%s said %q (error %v)", results[0].ToolUseID, results[0].Text, results[0].IsError)}
	}
	tests := []struct {
		protocol string
		second   func(id string) []any
		text     func(map[string]any) any
		wantText string
	}{
		{ProtocolAnthropic, func(id string) []any {
			return []any{
				map[string]any{"role": "user", "content": "run it"},
				map[string]any{"role": "assistant", "content": []any{map[string]any{"type": "tool_use", "id": id, "name": "bash", "input": map[string]any{"command": "echo hi"}}}},
				map[string]any{"role": "user", "content": []any{map[string]any{"type": "tool_result", "tool_use_id": id, "content": "hi\n", "is_error": true}}},
			}
		}, func(v map[string]any) any { return path(t, v, "content", 0, "text") }, `toolu_01 said "hi\n" (error true)`},
		{ProtocolOpenAI, func(id string) []any {
			return []any{
				map[string]any{"role": "user", "content": "run it"},
				map[string]any{"role": "assistant", "content": nil, "tool_calls": []any{map[string]any{"id": id, "type": "function", "function": map[string]any{"name": "bash", "arguments": `{"command":"echo hi"}`}}}},
				map[string]any{"role": "tool", "tool_call_id": id, "content": "hi\n"},
			}
		}, func(v map[string]any) any { return path(t, v, "choices", 0, "message", "content") }, `call_01 said "hi\n" (error false)`},
	}
	for _, tt := range tests {
		t.Run(tt.protocol, func(t *testing.T) {
			s := NewHandler(handler)
			defer s.Close()
			first := postJSON(t, s, tt.protocol, userBody(tt.protocol, false, nil), http.StatusOK)
			var id string
			if tt.protocol == ProtocolAnthropic {
				id = path(t, first, "content", 0, "id").(string)
			} else {
				id = path(t, first, "choices", 0, "message", "tool_calls", 0, "id").(string)
			}
			second := postJSON(t, s, tt.protocol, userBody(tt.protocol, false, map[string]any{"messages": tt.second(id)}), http.StatusOK)
			if got := tt.text(second); got != tt.wantText {
				t.Errorf("final text = %v, want %q", got, tt.wantText)
			}
		})
	}
}

func TestRequestsRecorded(t *testing.T) {
	s := New(Step{Text: "a"}, Step{Text: "b"})
	defer s.Close()
	h := authHeaders(ProtocolOpenAI)
	h.Set("X-Trace", "t1")
	bodyA := userBody(ProtocolAnthropic, false, nil)
	bodyB := userBody(ProtocolOpenAI, true, nil)
	postJSON(t, s, ProtocolAnthropic, bodyA, http.StatusOK)
	res := post(t, context.Background(), s, ProtocolOpenAI, h, bodyB)
	io.Copy(io.Discard, res.Body)

	reqs := s.Requests()
	if len(reqs) != 2 {
		t.Fatalf("%d requests, want 2", len(reqs))
	}
	if r := reqs[0]; r.Protocol != ProtocolAnthropic || r.Stream || !bytes.Equal(r.Body, bodyA) || r.Header.Get("X-Api-Key") != "test-key" {
		t.Errorf("request 0 = %+v", r)
	}
	if r := reqs[1]; r.Protocol != ProtocolOpenAI || !r.Stream || !bytes.Equal(r.Body, bodyB) || r.Header.Get("X-Trace") != "t1" {
		t.Errorf("request 1 = %+v", r)
	}
}

func TestBodyLimit(t *testing.T) {
	s := New(Step{Text: "ok"})
	defer s.Close()
	big := bytes.Repeat([]byte(" "), MaxBodyBytes+1)
	got := decodeResponse(t, post(t, context.Background(), s, ProtocolAnthropic, authHeaders(ProtocolAnthropic), big), http.StatusRequestEntityTooLarge)
	if path(t, got, "error", "type") != "request_too_large" {
		t.Errorf("body = %v", got)
	}
	if n := len(s.Requests()); n != 0 {
		t.Errorf("%d requests recorded, want 0", n)
	}
}

func TestRoutes(t *testing.T) {
	s := New()
	defer s.Close()
	if s.AnthropicBaseURL() != s.URL || s.OpenAIBaseURL() != s.URL+"/v1" || !strings.HasPrefix(s.URL, "http://127.0.0.1:") {
		t.Errorf("URLs %q %q %q", s.URL, s.AnthropicBaseURL(), s.OpenAIBaseURL())
	}
	tests := []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/v1/messages", http.StatusMethodNotAllowed},
		{http.MethodGet, "/v1/chat/completions", http.StatusMethodNotAllowed},
		{http.MethodPost, "/v1/completions", http.StatusNotFound},
		{http.MethodPost, "/messages", http.StatusNotFound},
	}
	for _, tt := range tests {
		req, _ := http.NewRequest(tt.method, s.URL+tt.path, nil)
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tt.want {
			t.Errorf("%s %s = %d, want %d", tt.method, tt.path, res.StatusCode, tt.want)
		}
	}
}

func TestToolIDsCountAcrossRequests(t *testing.T) {
	s := New(
		Step{ToolCalls: []ToolCall{{Name: "ls"}, {Name: "ls"}}},
		Step{ToolCalls: []ToolCall{{Name: "ls"}}},
	)
	defer s.Close()
	first := postJSON(t, s, ProtocolAnthropic, userBody(ProtocolAnthropic, false, nil), http.StatusOK)
	second := postJSON(t, s, ProtocolOpenAI, userBody(ProtocolOpenAI, false, nil), http.StatusOK)
	got := []any{
		path(t, first, "content", 0, "id"), path(t, first, "content", 1, "id"),
		path(t, second, "choices", 0, "message", "tool_calls", 0, "id"), second["id"],
	}
	want := []any{"toolu_01", "toolu_02", "call_03", "chatcmpl-02"}
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("ids = %v, want %v", got, want)
			break
		}
	}
}

func TestPieces(t *testing.T) {
	tests := []struct {
		in   string
		want []string
	}{
		{"", nil},
		{"short", []string{"short"}},
		{"exactly8", []string{"exactly8"}},
		{"nine runes", []string{"nine run", "es"}},
		{"héllo wörld ✓", []string{"héllo wö", "rld ✓"}},
	}
	for _, tt := range tests {
		got := pieces(tt.in)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") || len(got) != len(tt.want) {
			t.Errorf("pieces(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
