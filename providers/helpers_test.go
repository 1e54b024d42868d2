package providers

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
)

const testKey = "sk-test-SECRET-0123456789"

// received is one request a test server saw.
type received struct {
	Header http.Header
	Path   string
	Body   map[string]any
}

// fakeServer is a loopback HTTP server that records every request and
// answers through a per-test handler, given the zero-based hit number.
type fakeServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []received
}

func newFakeServer(t *testing.T, handle func(w http.ResponseWriter, r *http.Request, hit int)) *fakeServer {
	t.Helper()
	fs := &fakeServer{}
	fs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		fs.mu.Lock()
		hit := len(fs.reqs)
		fs.reqs = append(fs.reqs, received{Header: r.Header.Clone(), Path: r.URL.Path, Body: body})
		fs.mu.Unlock()
		handle(w, r, hit)
	}))
	t.Cleanup(fs.Close)
	return fs
}

// hits returns how many requests arrived.
func (fs *fakeServer) hits() int {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	return len(fs.reqs)
}

// last returns the last request.
func (fs *fakeServer) last(t *testing.T) received {
	t.Helper()
	fs.mu.Lock()
	defer fs.mu.Unlock()
	if len(fs.reqs) == 0 {
		t.Fatal("server received no request")
	}
	return fs.reqs[len(fs.reqs)-1]
}

// fastHealth returns a Health whose cooldowns last milliseconds, so that
// retry tests do not wait on them.
func fastHealth() *Health {
	return NewHealth(HealthConfig{BaseCooldown: time.Millisecond, MaxCooldown: 10 * time.Millisecond})
}

// newTestProvider builds a provider against url with fast retries and
// cooldowns; mod may adjust the config.
func newTestProvider(t *testing.T, name, url string, mod func(*Config)) Provider {
	t.Helper()
	cfg := Config{Name: name, APIKey: testKey, BaseURL: url, RetryBackoff: time.Millisecond, Health: fastHealth()}
	if mod != nil {
		mod(&cfg)
	}
	p, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return p
}

// writeJSON answers with status and a JSON body.
func writeJSON(w http.ResponseWriter, status int, body string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	io.WriteString(w, body)
}

// sse writes server-sent events; event may be "" for data-only events.
type sse struct{ w http.ResponseWriter }

func startSSE(w http.ResponseWriter) sse {
	w.Header().Set("Content-Type", "text/event-stream")
	w.WriteHeader(http.StatusOK)
	return sse{w}
}

func (s sse) send(event, data string) {
	if event != "" {
		fmt.Fprintf(s.w, "event: %s\n", event)
	}
	fmt.Fprintf(s.w, "data: %s\n\n", data)
	s.w.(http.Flusher).Flush()
}

// toolConversation is a request whose history holds an assistant turn with
// two tool calls and the user turn with both results (the second an error).
func toolConversation() chat.Request {
	return chat.Request{
		System: "You are terse.",
		Messages: []chat.Message{
			chat.UserText("list then read"),
			{Role: chat.RoleAssistant, Content: []chat.Block{
				{Type: chat.BlockText, Text: "Looking."},
				{Type: chat.BlockToolUse, ID: "call_A", Name: "ls", Input: json.RawMessage(`{"path":"."}`)},
				{Type: chat.BlockToolUse, ID: "call_B", Name: "read", Input: json.RawMessage(`{"path":"x.txt"}`)},
			}},
			{Role: chat.RoleUser, Content: []chat.Block{
				{Type: chat.BlockToolResult, ToolUseID: "call_A", Text: "x.txt"},
				{Type: chat.BlockToolResult, ToolUseID: "call_B", Text: "no such file", IsError: true},
			}},
		},
		Tools: []chat.Tool{
			{Name: "ls", Description: "List a directory.", Parameters: json.RawMessage(`{"type":"object","properties":{"path":{"type":"string"}}}`)},
			{Name: "read", Description: "Read a file.", Parameters: json.RawMessage(`{"type":"object","properties":{"path":{"type":"string"},"limit":{"type":"integer"}},"required":["path"],"additionalProperties":false}`)},
		},
	}
}

// jsonEqual reports whether a decoded JSON value equals the JSON text want.
func jsonEqual(t *testing.T, got any, want string) bool {
	t.Helper()
	var w any
	if err := json.Unmarshal([]byte(want), &w); err != nil {
		t.Fatalf("bad want JSON %s: %v", want, err)
	}
	g, _ := json.Marshal(got)
	var gn any
	_ = json.Unmarshal(g, &gn)
	return reflect.DeepEqual(gn, w)
}

// mustJSON asserts a decoded JSON value equals want.
func mustJSON(t *testing.T, what string, got any, want string) {
	t.Helper()
	if !jsonEqual(t, got, want) {
		g, _ := json.Marshal(got)
		t.Errorf("%s =\n  %s\nwant\n  %s", what, g, want)
	}
}

// collect returns an onText callback and a pointer to the deltas it saw.
func collect() (func(string), *[]string) {
	var deltas []string
	return func(d string) { deltas = append(deltas, d) }, &deltas
}

// complete calls p with a background context and a one-minute guard.
func complete(t *testing.T, p Provider, req chat.Request, onText func(string)) (*chat.Response, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	return p.Complete(ctx, req, onText)
}

// wantBlocks asserts a message's content.
func wantBlocks(t *testing.T, got []chat.Block, want []chat.Block) {
	t.Helper()
	if !jsonEqual(t, got, mustMarshal(want)) {
		g, _ := json.Marshal(got)
		t.Errorf("content =\n  %s\nwant\n  %s", g, mustMarshal(want))
	}
}

func mustMarshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return string(b)
}

// asError asserts err is an *Error and returns it.
func asError(t *testing.T, err error) *Error {
	t.Helper()
	var pe *Error
	if !errors.As(err, &pe) {
		t.Fatalf("err = %v (%T), want *Error", err, err)
	}
	return pe
}
