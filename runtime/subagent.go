package runtime

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
)

// ToolSubagent is the name of the tool that starts a subagent.
const ToolSubagent = "subagent"

// DefaultSubagentDepth is the default SubagentConfig.MaxDepth, and
// MaxSubagentDepth the largest allowed.
const (
	DefaultSubagentDepth = 3
	MaxSubagentDepth     = 8
)

// DefaultSubagentPrompt is the system prompt of a subagent started
// without a role.
const DefaultSubagentPrompt = "You are a subagent: another agent gave you the task in the user's message. " +
	"You work in the directory /workspace, shared with it. Do the task with the tools you have, " +
	"then answer with the result the other agent needs, complete and self-contained: it sees only your final answer."

// SubagentConfig enables the subagent tool in a workspace's runs: the
// model calls subagent {task, role?} to start a child run in the same
// workspace, with a fresh session linked to the parent's
// (sessions.Info.Parent), the role's system prompt and tools, and gets
// the child's final answer as the tool result.
//
// # Notes
//
//   - Children share their root run's budgets (tokens, wall time, jail
//     CPU) and count against the workspace's concurrency limit; a child
//     that finds no free run slot does not wait (its parent holds a slot)
//     and the call fails with the ErrBusy text instead.
//   - A run MaxDepth levels below the one the caller started is not
//     offered the tool, so a model cannot fork without bound.
type SubagentConfig struct {
	// Enabled offers the tool.
	Enabled bool `json:"enabled"`
	// MaxDepth is how many levels of subagents a run may start. Zero:
	// DefaultSubagentDepth.
	MaxDepth int `json:"max_depth,omitempty"`
	// Roles are the roles the model may give a subagent, by name.
	Roles map[string]SubagentRole `json:"roles,omitempty"`
}

// SubagentRole is one kind of subagent.
type SubagentRole struct {
	// SystemPrompt is the subagent's system prompt. Empty:
	// DefaultSubagentPrompt.
	SystemPrompt string `json:"system_prompt,omitempty"`
	// Tools narrows the tools the subagent is offered to these names
	// (built-in, host and custom tools alike) among its parent's; calls
	// to others are denied. Empty: the tools its parent has.
	Tools []string `json:"tools,omitempty"`
}

// validate refuses a depth out of range and roles without a valid name.
func (c *SubagentConfig) validate() error {
	if c == nil {
		return nil
	}
	if c.MaxDepth < 0 || c.MaxDepth > MaxSubagentDepth {
		return fmt.Errorf("%w: subagent max depth %d: want 0 to %d", ErrInvalidConfig, c.MaxDepth, MaxSubagentDepth)
	}
	for name, role := range c.Roles {
		if err := ids.Validate("subagent role", name); err != nil {
			return fmt.Errorf("%w: %w", ErrInvalidConfig, err)
		}
		if slices.Contains(role.Tools, "") {
			return fmt.Errorf("%w: subagent role %s: empty tool name", ErrInvalidConfig, name)
		}
	}
	return nil
}

// subagentRun is what a subagent's run inherits from its parent.
type subagentRun struct {
	parent  *run
	allowed map[string]bool // the role's tools; nil: all
}

// subagentSpec is the tool's spec for cfg's roles.
func subagentSpec(cfg *SubagentConfig) chat.Tool {
	role := map[string]any{"type": "string", "description": "The kind of subagent; omit for a general one."}
	desc := "Delegate a self-contained task to a subagent: a fresh agent in this workspace, with its own conversation, " +
		"that works on the task and returns only its final answer. Give it everything it needs in the task."
	if len(cfg.Roles) > 0 {
		names := slices.Sorted(maps.Keys(cfg.Roles))
		role["enum"] = names
		desc += " Roles: " + strings.Join(names, ", ") + "."
	}
	params, _ := json.Marshal(map[string]any{
		"type": "object",
		"properties": map[string]any{
			"task": map[string]any{"type": "string", "description": "The task, complete and self-contained."},
			"role": role,
		},
		"required":             []string{"task"},
		"additionalProperties": false,
	})
	return chat.Tool{Name: ToolSubagent, Description: desc, Parameters: params}
}

// subagentTool is the subagent tool of run parent, mounted at dir.
func (w *Workspace) subagentTool(parent *run, cfg *SubagentConfig, dir string) hostTool {
	return func(ctx context.Context, _ ToolContext, input json.RawMessage) (string, bool) {
		var in struct {
			Task string `json:"task"`
			Role string `json:"role"`
		}
		if err := json.Unmarshal(input, &in); err != nil {
			return "invalid arguments: " + err.Error(), true
		}
		if strings.TrimSpace(in.Task) == "" {
			return "task is required", true
		}
		role, ok := cfg.Roles[in.Role]
		if in.Role != "" && !ok {
			return fmt.Sprintf("no subagent role %q; roles: %s", in.Role, strings.Join(slices.Sorted(maps.Keys(cfg.Roles)), ", ")), true
		}
		sub := &subagentRun{parent: parent, allowed: parent.allowed}
		if len(role.Tools) > 0 {
			sub.allowed = map[string]bool{}
			for _, t := range role.Tools {
				if parent.allows(t) {
					sub.allowed[t] = true
				}
			}
		}
		req := RunRequest{
			Message: in.Task, SystemPrompt: cmp.Or(role.SystemPrompt, DefaultSubagentPrompt),
			Provider: parent.calls.provider, Model: parent.model, LLM: parent.llm, RequestSettings: parent.calls.settings,
			WorkspaceDir: dir, MaxTurns: parent.maxTurns, Jail: parent.jail, sub: sub,
		}
		res, err := w.run(ctx, req, func(Event) {})
		if err != nil {
			return "subagent failed: " + err.Error(), true
		}
		parent.mu.Lock()
		parent.result.SubagentUsage = parent.result.SubagentUsage.Add(res.Usage).Add(res.SubagentUsage)
		parent.result.SubagentCostUSD += res.CostUSD + res.SubagentCostUSD
		parent.result.UnpricedCalls += res.UnpricedCalls
		parent.mu.Unlock()
		if res.Reason != hostcall.FinishEndTurn {
			return fmt.Sprintf("[the subagent stopped early: %s]\n%s", res.Reason, res.Response), false
		}
		return res.Response, false
	}
}

// offersSubagent reports whether run r gets the subagent tool under cfg.
func (r *run) offersSubagent(cfg *SubagentConfig) bool {
	return cfg != nil && cfg.Enabled && r.depth < cmp.Or(cfg.MaxDepth, DefaultSubagentDepth) && r.allows(ToolSubagent)
}

// allows reports whether r may offer and run tool name: any tool, unless
// r is a subagent whose role narrows its tools.
func (r *run) allows(name string) bool {
	return r.allowed == nil || r.allowed[name]
}
