package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
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

// hostTools returns the tools served by tool.call for a run mounted at dir:
// bash, the skill tools of the enabled skills (none when there are none),
// the memory tools of the workspace's store mem (none when mem is nil),
// then the request's custom tools, with their schemas.
func (w *Workspace) hostTools(custom []Tool, dir string, lim JailLimits, re *runEgress, mem *memory.Store, enabled []*skills.Skill) (map[string]hostTool, []chat.Tool, error) {
	skillBinds, expose := skillrun.JailBinds(enabled...)
	eff := lim.effective()
	tools := map[string]hostTool{"bash": bashTool(w.jailConfig(dir, lim, skillBinds, expose), time.Duration(eff.MaxBashTimeout), re)}
	specs := []chat.Tool{bashSpec}
	if len(enabled) > 0 {
		specs = append(specs, w.skillTools(enabled, dir, re, tools)...)
	}
	if mem != nil {
		w.memoryTools(mem, tools)
		specs = append(specs, memory.ToolSpecs()...)
	}
	for _, t := range custom {
		if t.Name == "" || t.Run == nil {
			return nil, nil, fmt.Errorf("custom tool %q: needs a name and a Run function", t.Name)
		}
		if builtinNames[t.Name] || tools[t.Name] != nil {
			return nil, nil, fmt.Errorf("custom tool %q: name already taken", t.Name)
		}
		params := t.Parameters
		if len(params) == 0 {
			params = json.RawMessage(`{"type":"object","properties":{}}`)
		}
		if !json.Valid(params) {
			return nil, nil, fmt.Errorf("custom tool %q: parameters are not valid JSON", t.Name)
		}
		run := t.Run
		tools[t.Name] = func(ctx context.Context, tc ToolContext, input json.RawMessage) (string, bool) {
			out, err := run(ctx, tc, input)
			if err != nil {
				return err.Error(), true
			}
			return out, false
		}
		specs = append(specs, chat.Tool{Name: t.Name, Description: t.Description, Parameters: params})
	}
	return tools, specs, nil
}

// logWriter forwards the guest's standard error to the log at debug level.
type logWriter struct{ log zerolog.Logger }

func (l logWriter) Write(p []byte) (int, error) {
	l.log.Debug().Str("guest", "agent").Msg(string(p))
	return len(p), nil
}
