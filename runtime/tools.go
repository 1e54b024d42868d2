package runtime

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/memory"
	"github.com/bulkhead-dev/bulkhead/skillrun"
	"github.com/bulkhead-dev/bulkhead/skills"
	"github.com/rs/zerolog"
)

// builtinNames are the tools the guest runs itself; custom tools may not
// shadow them or the host's own.
var builtinNames = map[string]bool{
	"read": true, "write": true, "edit": true, "ls": true, "find": true, "grep": true,
	"bash": true, "memory_store": true, "memory_search": true,
	"skill_execute": true, "skill_read": true, "subagent": true,
}

// guestToolNames are the tools the guest offers the model and runs itself,
// on the host's CPU outside any jail (the host watches their time budget),
// in the guest's order (see tools-wasm/builtin, Toolbox.Specs).
var guestToolNames = []string{"read", "write", "edit", "ls", "find", "grep"}

// toolNames returns the names of every tool a run offers the model: the
// guest's, then those of specs, the host's.
func toolNames(specs []chat.Tool) []string {
	names := slices.Clone(guestToolNames)
	for _, s := range specs {
		names = append(names, s.Name)
	}
	return names
}

// hostTools returns the tools the host serves for run r mounted at dir:
// bash, the skill tools of the enabled skills (none when there are none),
// the memory tools of the workspace's store mem (none when mem is nil),
// subagent when the workspace enables it and r is above the depth limit,
// then the custom tools, with their schemas; only those r allows.
func (w *Workspace) hostTools(r *run, custom []Tool, dir string, re *runEgress, mem *memory.Store, enabled []*skills.Skill) (map[string]hostTool, []chat.Tool, error) {
	skillBinds, expose := skillrun.JailBinds(enabled...)
	eff := r.jail.effective()
	tools := map[string]hostTool{"bash": bashTool(w.jailConfig(dir, r.jail, skillBinds, expose), time.Duration(eff.MaxBashTimeout), re, r.meter)}
	specs := []chat.Tool{bashSpec}
	if len(enabled) > 0 {
		specs = append(specs, w.skillTools(enabled, dir, re, r.meter, tools)...)
	}
	if mem != nil {
		w.memoryTools(mem, tools)
		specs = append(specs, memory.ToolSpecs()...)
	}
	if r.offersSubagent(w.cfg.Subagents) {
		tools[ToolSubagent] = w.subagentTool(r, w.cfg.Subagents, dir)
		specs = append(specs, subagentSpec(w.cfg.Subagents))
	}
	for _, t := range custom {
		if err := checkTool(t); err != nil {
			return nil, nil, err
		}
		if tools[t.Name] != nil {
			return nil, nil, fmt.Errorf("custom tool %q: name already taken", t.Name)
		}
		tools[t.Name] = customTool(t)
		specs = append(specs, chat.Tool{Name: t.Name, Description: t.Description, Parameters: toolParams(t)})
	}
	specs = slices.DeleteFunc(specs, func(s chat.Tool) bool { return !r.allows(s.Name) })
	maps.DeleteFunc(tools, func(name string, _ hostTool) bool { return !r.allows(name) })
	return tools, specs, nil
}

// customTool serves custom tool t within its timeout: an error, a panic
// or an overrun is an error result.
func customTool(t Tool) hostTool {
	timeout := cmp.Or(t.Timeout, DefaultCustomToolTimeout)
	return func(ctx context.Context, tc ToolContext, input json.RawMessage) (string, bool) {
		out, err := contain(ctx, timeout, func(ctx context.Context) (string, error) { return t.Run(ctx, tc, input) })
		if errors.Is(err, errContained) {
			return fmt.Sprintf("tool %s %s", t.Name, strings.TrimPrefix(err.Error(), errContained.Error()+": ")), true
		}
		if err != nil {
			return err.Error(), true
		}
		return out, false
	}
}

// logWriter forwards the guest's standard error to the log at debug level.
type logWriter struct{ log zerolog.Logger }

func (l logWriter) Write(p []byte) (int, error) {
	l.log.Debug().Str("guest", "agent").Msg(string(p))
	return len(p), nil
}
