package fakellm

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// paths maps a protocol to its endpoint path.
var paths = map[string]string{
	ProtocolAnthropic: "/v1/messages",
	ProtocolOpenAI:    "/v1/chat/completions",
	ProtocolGemini:    "/v1beta/models/test-model:generateContent",
}

// authHeaders returns the headers a well-behaved client of protocol sends.
func authHeaders(protocol string) http.Header {
	h := http.Header{"Content-Type": {"application/json"}}
	switch protocol {
	case ProtocolAnthropic:
		h.Set("X-Api-Key", "test-key")
		h.Set("Anthropic-Version", "2023-06-01")
	case ProtocolGemini:
		h.Set("X-Goog-Api-Key", "test-key")
	default:
		h.Set("Authorization", "Bearer test-key")
	}
	return h
}

// userBody returns a minimal valid request body for protocol.
func userBody(protocol string, stream bool, extra map[string]any) []byte {
	body := map[string]any{
		"model":    "test-model",
		"messages": []any{map[string]any{"role": "user", "content": "hello"}},
	}
	if protocol == ProtocolAnthropic {
		body["max_tokens"] = 1024
	}
	if stream {
		body["stream"] = true
	}
	for k, v := range extra {
		body[k] = v
	}
	b, _ := json.Marshal(body)
	return b
}

// post sends body to the protocol's endpoint with the given headers.
func post(t *testing.T, ctx context.Context, s *Server, protocol string, h http.Header, body []byte) *http.Response {
	t.Helper()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.URL+paths[protocol], bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = h
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", paths[protocol], err)
	}
	t.Cleanup(func() { res.Body.Close() })
	return res
}

// postJSON posts body with good headers and decodes the JSON answer, which
// must have status want.
func postJSON(t *testing.T, s *Server, protocol string, body []byte, want int) map[string]any {
	t.Helper()
	res := post(t, context.Background(), s, protocol, authHeaders(protocol), body)
	return decodeResponse(t, res, want)
}

func decodeResponse(t *testing.T, res *http.Response, want int) map[string]any {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != want {
		t.Fatalf("status %d, want %d; body %s", res.StatusCode, want, b)
	}
	if ct := res.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q, want application/json", ct)
	}
	var v map[string]any
	if err := json.Unmarshal(b, &v); err != nil {
		t.Fatalf("decode %s: %v", b, err)
	}
	return v
}

// event is one server-sent event.
type event struct {
	name string
	data string
}

// readEvents posts a streaming request and parses the event stream.
func readEvents(t *testing.T, s *Server, protocol string, body []byte) []event {
	t.Helper()
	res := post(t, context.Background(), s, protocol, authHeaders(protocol), body)
	if res.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(res.Body)
		t.Fatalf("status %d; body %s", res.StatusCode, b)
	}
	if ct := res.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("Content-Type %q, want text/event-stream", ct)
	}
	var events []event
	var cur event
	sc := bufio.NewScanner(res.Body)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case line == "":
			events = append(events, cur)
			cur = event{}
		case strings.HasPrefix(line, "event: "):
			cur.name = strings.TrimPrefix(line, "event: ")
		case strings.HasPrefix(line, "data: "):
			cur.data = strings.TrimPrefix(line, "data: ")
		default:
			t.Fatalf("unexpected stream line %q", line)
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return events
}

func decodeData(t *testing.T, e event) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(e.data), &v); err != nil {
		t.Fatalf("event %s data %q: %v", e.name, e.data, err)
	}
	return v
}

// path walks nested maps and arrays: path(v, "content", 0, "text").
func path(t *testing.T, v any, keys ...any) any {
	t.Helper()
	for _, k := range keys {
		switch k := k.(type) {
		case string:
			m, ok := v.(map[string]any)
			if !ok {
				t.Fatalf("at %q: %v is not an object", k, v)
			}
			v = m[k]
		case int:
			a, ok := v.([]any)
			if !ok || k >= len(a) {
				t.Fatalf("at [%d]: %v is not an array that long", k, v)
			}
			v = a[k]
		}
	}
	return v
}

// num returns a JSON number as an int.
func num(t *testing.T, v any) int {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("%v is not a number", v)
	}
	return int(f)
}
