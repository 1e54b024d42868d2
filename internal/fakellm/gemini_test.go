package fakellm

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
)

func TestGeminiToolCallRoundTrip(t *testing.T) {
	s := New(Step{Text: "Looking.", ToolCalls: []ToolCall{{Name: "ls", Input: map[string]any{"path": "."}}}}, Step{Text: "Done."})
	defer s.Close()
	body := `{"systemInstruction":{"parts":[{"text":"be brief"}]},
	  "contents":[{"role":"user","parts":[{"text":"list"}]}],
	  "tools":[{"functionDeclarations":[{"name":"ls","parametersJsonSchema":{"type":"object"}}]}]}`
	got := postJSON(t, s, ProtocolGemini, []byte(body), http.StatusOK)
	if path(t, got, "candidates", 0, "content", "parts", 0, "text") != "Looking." ||
		path(t, got, "candidates", 0, "content", "parts", 1, "functionCall", "name") != "ls" ||
		path(t, got, "candidates", 0, "finishReason") != "STOP" {
		t.Fatalf("reply = %v", got)
	}
	if _, hasID := path(t, got, "candidates", 0, "content", "parts", 1, "functionCall").(map[string]any)["id"]; hasID {
		t.Error("function call has an id; the Gemini API sends none")
	}
	if n := num(t, path(t, got, "usageMetadata", "promptTokenCount")); n != len(body)/4 {
		t.Errorf("promptTokenCount = %d, want %d", n, len(body)/4)
	}
	req := s.Requests()[0]
	if req.Protocol != ProtocolGemini || req.Model() != "test-model" || req.System() != "be brief" || req.ToolNames()[0] != "ls" {
		t.Errorf("request = %s %q %q %v", req.Protocol, req.Model(), req.System(), req.ToolNames())
	}

	// The answer: the call with the client's id and its result.
	second := `{"contents":[{"role":"user","parts":[{"text":"list"}]},
	  {"role":"model","parts":[{"functionCall":{"id":"c1","name":"ls","args":{"path":"."}}}]},
	  {"role":"user","parts":[{"functionResponse":{"id":"c1","name":"ls","response":{"error":"denied"}}}]}]}`
	postJSON(t, s, ProtocolGemini, []byte(second), http.StatusOK)
	res := s.Requests()[1].LastToolResults()
	if len(res) != 1 || res[0].ToolUseID != "c1" || res[0].Text != "denied" || !res[0].IsError {
		t.Errorf("tool results = %+v", res)
	}

	// An unanswered call is refused, as by the real API.
	unpaired := `{"contents":[{"role":"model","parts":[{"functionCall":{"id":"c9","name":"ls","args":{}}}]},{"role":"user","parts":[{"text":"hi"}]}]}`
	e := postJSON(t, s, ProtocolGemini, []byte(unpaired), http.StatusBadRequest)
	if path(t, e, "error", "status") != "INVALID_ARGUMENT" {
		t.Errorf("error = %v", e)
	}
}

func TestGeminiStreamAndErrors(t *testing.T) {
	s := New(Step{Text: "Hello there, streaming."}, Step{Status: 429, Text: "Resource has been exhausted", Header: http.Header{"Retry-After": {"7"}}})
	defer s.Close()
	body := []byte(`{"contents":[{"role":"user","parts":[{"text":"hi"}]}]}`)
	req, _ := http.NewRequest(http.MethodPost, s.URL+"/v1beta/models/m:streamGenerateContent?alt=sse", strings.NewReader(string(body)))
	req.Header = authHeaders(ProtocolGemini)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	var text strings.Builder
	finish := ""
	for _, line := range strings.Split(readAll(t, res), "\n") {
		data, ok := strings.CutPrefix(line, "data: ")
		if !ok {
			continue
		}
		var chunk map[string]any
		if err := json.Unmarshal([]byte(data), &chunk); err != nil {
			t.Fatal(err)
		}
		for _, p := range path(t, chunk, "candidates", 0, "content", "parts").([]any) {
			text.WriteString(p.(map[string]any)["text"].(string))
		}
		if f, ok := path(t, chunk, "candidates", 0).(map[string]any)["finishReason"]; ok {
			finish = f.(string)
		}
	}
	if text.String() != "Hello there, streaming." || finish != "STOP" {
		t.Errorf("streamed %q finish %q", text.String(), finish)
	}

	r := post(t, t.Context(), s, ProtocolGemini, authHeaders(ProtocolGemini), body)
	e := decodeResponse(t, r, http.StatusTooManyRequests)
	if path(t, e, "error", "status") != "RESOURCE_EXHAUSTED" || r.Header.Get("Retry-After") != "7" {
		t.Errorf("error = %v, Retry-After %q", e, r.Header.Get("Retry-After"))
	}
	noKey := post(t, t.Context(), s, ProtocolGemini, http.Header{"Content-Type": {"application/json"}}, body)
	if e := decodeResponse(t, noKey, http.StatusForbidden); path(t, e, "error", "status") != "PERMISSION_DENIED" {
		t.Errorf("no key: %v", e)
	}
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	var sb strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := res.Body.Read(buf)
		sb.Write(buf[:n])
		if err != nil {
			return sb.String()
		}
	}
}
