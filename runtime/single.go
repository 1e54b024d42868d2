package runtime

import "context"

// DefaultWorkspaceID is the workspace used by Runtime.
const DefaultWorkspaceID = "default"

// Runtime is the single-user convenience: a Platform with one workspace,
// "default", created on first use.
type Runtime struct {
	*Platform
	ws *Workspace
}

// New opens the platform at opts.StateDir and its default workspace.
func New(opts Options) (*Runtime, error) {
	p, err := NewPlatform(opts)
	if err != nil {
		return nil, err
	}
	ws, err := p.OpenOrCreateWorkspace(DefaultWorkspaceID, WorkspaceConfig{})
	if err != nil {
		p.Close()
		return nil, err
	}
	return &Runtime{Platform: p, ws: ws}, nil
}

// Default returns the default workspace.
func (r *Runtime) Default() *Workspace { return r.ws }

// Run runs the agent in the default workspace.
func (r *Runtime) Run(ctx context.Context, req RunRequest) (*RunResult, error) {
	return r.ws.Run(ctx, req)
}
