package runtime

import (
	"encoding/json"
	"fmt"
	"slices"
	"sync"
)

// extensions are what the embedding program registers on a platform or a
// workspace, in Go: lifecycle hooks and custom tools. A workspace's live
// in the platform (Workspace values are cheap handles) until the
// workspace is deleted.
type extensions struct {
	hooks Hooks
	tools toolSet
}

// extensionRegistry holds the extensions of each workspace by id.
type extensionRegistry struct {
	mu sync.Mutex
	m  map[string]*extensions
}

// get returns the extensions of workspace id, creating them.
func (r *extensionRegistry) get(id string) *extensions {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.m == nil {
		r.m = map[string]*extensions{}
	}
	e := r.m[id]
	if e == nil {
		e = &extensions{}
		r.m[id] = e
	}
	return e
}

// peek returns the extensions of workspace id, nil when none were
// registered.
func (r *extensionRegistry) peek(id string) *extensions {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.m[id]
}

// drop forgets the extensions of workspace id.
func (r *extensionRegistry) drop(id string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	delete(r.m, id)
}

// Hooks returns the platform's lifecycle hooks, called for the runs of
// every workspace (before the workspace's own).
func (p *Platform) Hooks() *Hooks { return &p.ext.hooks }

// Hooks returns the workspace's lifecycle hooks, called for its runs only.
// They stay registered for the life of the Platform, whichever Workspace
// value of the same id registered them, and go with DeleteWorkspace.
func (w *Workspace) Hooks() *Hooks { return &w.p.workspaceExt.get(w.id).hooks }

// RegisterTool adds a custom tool offered to the runs of every workspace.
// Errors: the tool is invalid (see Tool) or its name is a built-in tool's
// or already registered on the platform.
func (p *Platform) RegisterTool(t Tool) error { return p.ext.tools.register(t) }

// UnregisterTool removes the platform's custom tool name and reports
// whether there was one.
func (p *Platform) UnregisterTool(name string) bool { return p.ext.tools.unregister(name) }

// RegisterTool adds a custom tool offered to the workspace's runs, on top
// of the platform's (of the same name, the workspace's wins). Errors as
// Platform.RegisterTool.
func (w *Workspace) RegisterTool(t Tool) error { return w.p.workspaceExt.get(w.id).tools.register(t) }

// UnregisterTool removes the workspace's custom tool name and reports
// whether there was one.
func (w *Workspace) UnregisterTool(name string) bool {
	e := w.p.workspaceExt.peek(w.id)
	return e != nil && e.tools.unregister(name)
}

// toolSet is a set of custom tools in registration order.
type toolSet struct {
	mu    sync.RWMutex
	tools []Tool
}

func (s *toolSet) register(t Tool) error {
	if err := checkTool(t); err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if slices.ContainsFunc(s.tools, func(o Tool) bool { return o.Name == t.Name }) {
		return fmt.Errorf("custom tool %q: already registered", t.Name)
	}
	s.tools = append(s.tools, t)
	return nil
}

func (s *toolSet) unregister(name string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := len(s.tools)
	s.tools = slices.DeleteFunc(s.tools, func(t Tool) bool { return t.Name == name })
	return len(s.tools) < n
}

func (s *toolSet) list() []Tool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.tools)
}

// checkTool returns an error naming what is wrong with custom tool t: no
// name or Run, a built-in tool's name, parameters that are not a JSON
// object, a negative timeout.
func checkTool(t Tool) error {
	switch {
	case t.Name == "" || t.Run == nil:
		return fmt.Errorf("custom tool %q: needs a name and a Run function", t.Name)
	case builtinNames[t.Name]:
		return fmt.Errorf("custom tool %q: name taken by a built-in tool", t.Name)
	case len(t.Parameters) > 0 && !isObject(t.Parameters):
		return fmt.Errorf("custom tool %q: parameters are not a JSON object", t.Name)
	case t.Timeout < 0:
		return fmt.Errorf("custom tool %q: timeout %s must not be negative", t.Name, t.Timeout)
	}
	return nil
}

// customTools merges the custom tools of a run: the platform's, the
// workspace's, then the request's; of two tools of one name the later
// (narrower) wins, in the earlier one's place.
func customTools(levels ...[]Tool) []Tool {
	var out []Tool
	for _, level := range levels {
		for _, t := range level {
			if i := slices.IndexFunc(out, func(o Tool) bool { return o.Name == t.Name }); i >= 0 {
				out[i] = t
				continue
			}
			out = append(out, t)
		}
	}
	return out
}

// toolParams returns t's parameters, an empty object schema when unset.
func toolParams(t Tool) json.RawMessage {
	if len(t.Parameters) == 0 {
		return json.RawMessage(`{"type":"object","properties":{}}`)
	}
	return t.Parameters
}
