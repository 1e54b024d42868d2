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
	err := error(&Error{Method: MethodStepEnd, Status: Failed, Message: "boom"})
	if err.Error() != "host call step.end: failed: boom" {
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
		{HostResult{ToolUseID: "t", Text: "x"}, `{"tool_use_id":"t","text":"x"}`},
		{ToolDecision{Deny: "no"}, `{"deny":"no"}`},
		{StepOutput{Action: ActionFinish, Finish: &Finish{Reason: FinishEndTurn}}, `{"append":null,"action":"finish","finish":{"response":"","reason":"end_turn","turns":0}}`},
		{StepInput{Turn: 1}, `{"model":"","system":"","max_turns":0,"host_tools":null,"messages":null,"turn":1,"response":null,"host_results":null,"state":null}`},
	}
	for _, c := range cases {
		b, err := json.Marshal(c.v)
		if err != nil || string(b) != c.want {
			t.Errorf("%T = %s (%v), want %s", c.v, b, err, c.want)
		}
	}
}

// TestSkillMethodsDisjoint checks that no agent method is granted to a
// skill: the two capability sets share nothing.
func TestSkillMethodsDisjoint(t *testing.T) {
	agent := []string{MethodStepBegin, MethodStepEnd, MethodEventEmit}
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
