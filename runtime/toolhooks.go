package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
)

// decide returns the verdicts on the calls of the model's answer that are
// not a plain allow, by call id, for the step that runs the calls: every
// call is denied once a budget is spent, a call to a tool a subagent's
// role does not allow is denied, and the before_tool_call hooks decide on
// the others. Nil when there is nothing to decide (no such hook, no
// narrowed tools, no spent budget): the step then runs its calls without
// asking. The verdicts are kept to hold the host's own tools to them.
func (r *run) decide(ctx context.Context, answer chat.Message) map[string]hostcall.ToolDecision {
	uses := answer.ToolUses()
	spent, hooks := r.budget.spent(), r.hooks.hasBeforeTool()
	var decisions map[string]hostcall.ToolDecision
	if len(uses) > 0 && (spent != "" || hooks || r.allowed != nil) {
		decisions = map[string]hostcall.ToolDecision{}
		for _, u := range uses {
			input := u.Input
			if len(input) == 0 {
				input = json.RawMessage("{}")
			}
			var v ToolVerdict
			switch {
			case spent != "":
				v.Deny = r.budget.spentNotice(spent)
			case !r.allows(u.Name):
				v.Deny = fmt.Sprintf("tool %s is not available to this subagent", u.Name)
			case hooks:
				v = r.hooks.beforeTool(ctx, ToolCallEvent{HookRun: r.hookRun(), CallID: u.ID, Tool: u.Name, Input: input})
			}
			if v.Deny != "" || len(v.Input) > 0 {
				decisions[u.ID] = hostcall.ToolDecision{Deny: v.Deny, Input: v.Input}
			}
		}
	}
	r.mu.Lock()
	r.decisions = decisions
	r.mu.Unlock()
	return decisions
}

// decision returns the verdict on call id of the model's last answer.
func (r *run) decision(id string) hostcall.ToolDecision {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.decisions[id]
}

// afterBuiltin runs the after_tool_call hooks on the end of a built-in
// tool call the guest reports, replacing ev's result with theirs and
// remembering the change for the step's transcript (applyRewrites). A
// denied call's result is the host's own and is left alone.
func (r *run) afterBuiltin(ctx context.Context, ev *hostcall.Event) {
	if !slices.Contains(guestToolNames, ev.Name) || r.decision(ev.ID).Deny != "" || !r.hooks.hasAfterTool() {
		return
	}
	r.mu.Lock()
	var input json.RawMessage
	if call := r.pending[ev.ID]; call != nil {
		input = call.Input
	}
	r.mu.Unlock()
	before := ToolOutput{Text: ev.Result.Text, IsError: ev.Result.IsError}
	out := r.hooks.afterTool(ctx, ToolResultEvent{HookRun: r.hookRun(), CallID: ev.ID, Tool: ev.Name, Input: input, Output: before})
	if out == before {
		return
	}
	out.Text = capResult(out.Text, DefaultToolResultBytes)
	ev.Result = &hostcall.ToolResult{Text: out.Text, IsError: out.IsError}
	r.mu.Lock()
	if r.rewrites == nil {
		r.rewrites = map[string]ToolOutput{}
	}
	r.rewrites[ev.ID] = out
	r.mu.Unlock()
}

// applyRewrites puts the outputs of built-in calls that after_tool_call
// hooks changed into the tool results the step appends, before the
// transcript or the model sees them. A step that ran built-in calls and
// then asked for host tools appends their results in the next step.
func (r *run) applyRewrites(out *hostcall.StepOutput) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, m := range out.Append {
		for i, b := range m.Content {
			if o, ok := r.rewrites[b.ToolUseID]; ok && b.Type == chat.BlockToolResult {
				m.Content[i].Text, m.Content[i].IsError = o.Text, o.IsError
				delete(r.rewrites, b.ToolUseID)
			}
		}
	}
}

// hostCall serves one host tool call under the before_tool_call verdict
// on it and the after_tool_call hooks: a denied call does not run (the
// guest should not have passed it on).
func (r *run) hostCall(ctx context.Context, c hostcall.ToolCall) hostcall.ToolResult {
	if d := r.decision(c.ID); d.Deny != "" {
		return hostcall.ToolResult{Text: "denied: " + d.Deny, IsError: true}
	}
	if reason := r.budget.spent(); reason != "" { // a jail of this turn spent it
		return hostcall.ToolResult{Text: "not run: " + r.budget.spentNotice(reason), IsError: true}
	}
	res := r.callTool(ctx, c)
	if !r.hooks.hasAfterTool() {
		return res
	}
	out := r.hooks.afterTool(ctx, ToolResultEvent{HookRun: r.hookRun(), CallID: c.ID, Tool: c.Name, Input: c.Input,
		Output: ToolOutput{Text: res.Text, IsError: res.IsError}})
	return hostcall.ToolResult{Text: capResult(out.Text, DefaultToolResultBytes), IsError: out.IsError}
}
