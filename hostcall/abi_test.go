package hostcall

import (
	"encoding/json"
	"errors"
	"testing"
)

func TestStatusNames(t *testing.T) {
	want := map[Status]string{OK: "ok", RateLimited: "rate limited", Failed: "failed", Status(99): "status 99"}
	for s, name := range want {
		if s.String() != name {
			t.Errorf("Status(%d).String() = %q, want %q", uint32(s), s.String(), name)
		}
	}
}

// TestStatusValues pins the numeric codes: they are part of the ABI.
func TestStatusValues(t *testing.T) {
	codes := []Status{OK, UnknownMethod, BadRequest, TooLarge, RateLimited, Canceled, Denied, Failed}
	for i, s := range codes {
		if uint32(s) != uint32(i) {
			t.Errorf("%s = %d, want %d", s, uint32(s), i)
		}
	}
}

func TestError(t *testing.T) {
	err := error(&Error{Method: MethodToolCall, Status: Failed, Message: "boom"})
	if err.Error() != "host call tool.call: failed: boom" {
		t.Fatalf("Error() = %q", err)
	}
	var e *Error
	if !errors.As(Errorf(Denied, "no %s", "way"), &e) || e.Status != Denied || e.Message != "no way" {
		t.Fatalf("Errorf = %+v", e)
	}
}

// TestPayloadFieldNames pins the JSON field names of docs/hostcall.md.
func TestPayloadFieldNames(t *testing.T) {
	cases := []struct {
		v    any
		want string
	}{
		{Finish{Response: "r", Reason: FinishEndTurn, Turns: 2}, `{"response":"r","reason":"end_turn","turns":2}`},
		{ToolCall{ID: "1", Name: "bash", Input: json.RawMessage(`{}`)}, `{"id":"1","name":"bash","input":{}}`},
		{ToolResult{Text: "t", IsError: true}, `{"text":"t","is_error":true}`},
		{Event{Type: EventToolStart, ID: "1", Name: "ls"}, `{"type":"tool_start","id":"1","name":"ls"}`},
		{Log{Level: LogWarn, Message: "m"}, `{"level":"warn","message":"m"}`},
		{Log{Message: "m"}, `{"message":"m"}`},
	}
	for _, c := range cases {
		b, err := json.Marshal(c.v)
		if err != nil || string(b) != c.want {
			t.Errorf("%T = %s (%v), want %s", c.v, b, err, c.want)
		}
	}
}

func TestEncodeAppend(t *testing.T) {
	raw := []json.RawMessage{json.RawMessage(`{"role":"user","content":[]}`), json.RawMessage(`{"role":"assistant","content":[]}`)}
	var a Append
	if err := json.Unmarshal(EncodeAppend(raw), &a); err != nil || len(a.Messages) != 2 || a.Messages[1].Role != "assistant" {
		t.Fatalf("EncodeAppend round trip: %+v, %v", a, err)
	}
	if string(EncodeAppend(nil)) != `{"messages":[]}` {
		t.Fatalf("empty = %s", EncodeAppend(nil))
	}
}

// TestSkillMethodsDisjoint checks that no agent method is granted to a
// skill: the two capability sets share nothing.
func TestSkillMethodsDisjoint(t *testing.T) {
	agent := []string{MethodRunStart, MethodLLMComplete, MethodTranscriptAppend, MethodToolCall, MethodEventEmit, MethodRunFinish}
	for _, s := range SkillMethods {
		for _, a := range agent {
			if s == a {
				t.Errorf("%s is both an agent and a skill method", s)
			}
		}
	}
	if len(SkillMethods) != 2 || SkillMethods[0] != "log" || SkillMethods[1] != "params.read" {
		t.Errorf("SkillMethods = %q, want [log params.read] (docs/hostcall.md)", SkillMethods)
	}
}
