package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/sessions"
)

// echoLLM answers every request with the text "ok".
type echoLLM struct{}

func (echoLLM) Complete(context.Context, chat.Request, func(string)) (*chat.Response, error) {
	return &chat.Response{Message: textTurn("ok")}, nil
}

// FuzzHandleHostCall feeds arbitrary methods and payloads to the host side
// of the host-call interface, as a hostile guest could. It must never
// panic; malformed payloads must be BadRequest; unknown methods
// UnknownMethod.
func FuzzHandleHostCall(f *testing.F) {
	seeds := []struct{ method, payload string }{
		{hostcall.MethodStepBegin, `{}`},
		{hostcall.MethodStepEnd, `{"append":[{"role":"assistant","content":[{"type":"text","text":"x"}]}],"action":"finish","finish":{"response":"x","reason":"end_turn","turns":1}}`},
		{hostcall.MethodStepEnd, `{"action":"complete","request":{"messages":null}}`},
		{hostcall.MethodStepEnd, `{"action":"host_tools","host_calls":[{"id":"1","name":"echo","input":{"a":1}}]}`},
		{hostcall.MethodEventEmit, `{"type":"tool_start","id":"1","name":"read"}`},
		{hostcall.MethodEventEmit, `{"type":"tool_end","id":"1","name":"read","result":{"text":"t"}}`},
		{hostcall.MethodEventEmit, `{"type":"tool_end","id":"zz"}`},
		{"nope", `{}`},
		{hostcall.MethodStepEnd, `{"action":`},
		{hostcall.MethodStepEnd, "\x00\xff"},
	}
	for _, s := range seeds {
		f.Add(s.method, []byte(s.payload))
	}
	store, err := sessions.Open(f.TempDir())
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, method string, payload []byte) {
		r := &run{
			sessionID: "fuzz", model: "m", maxTurns: 2, message: chat.UserText("hi"),
			llm: echoLLM{}, store: store, emit: func(Event) {}, pending: map[string]*ToolCall{},
			tools:  map[string]hostTool{"echo": func(_ context.Context, _ ToolContext, in json.RawMessage) (string, bool) { return string(in), false }},
			stepIn: &hostcall.StepInput{Messages: []chat.Message{chat.UserText("hi")}},
		}
		out, err := r.HandleHostCall(context.Background(), method, payload)
		var hc *hostcall.Error
		switch {
		case err == nil:
			if !json.Valid(out) {
				t.Fatalf("%s: result is not JSON: %q", method, out)
			}
		case errors.As(err, &hc):
			if !json.Valid(payload) && hc.Status != hostcall.BadRequest && hc.Status != hostcall.UnknownMethod {
				t.Fatalf("%s with invalid JSON: status %s", method, hc.Status)
			}
		}
	})
}
