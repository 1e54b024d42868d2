package runtime

import (
	"context"
	"errors"
	"fmt"
	"sync"
)

// ErrClosed is returned by a Platform's methods after Close or Shutdown,
// and wrapped by the error of a run that Close stopped.
var ErrClosed = errors.New("platform is closed")

// ErrBusy is wrapped by the error of a run refused because a concurrency
// limit and its queue are full; the message names the limit.
var ErrBusy = errors.New("busy")

// Defaults of the concurrency limits (Options and WorkspaceConfig).
const (
	// DefaultMaxRuns is the default Options.MaxRuns: runs in progress at
	// once on a platform.
	DefaultMaxRuns = 10_000
	// DefaultMaxQueuedRuns is the default Options.MaxQueuedRuns.
	DefaultMaxQueuedRuns = 1_000
	// DefaultWorkspaceRuns is the default WorkspaceConfig.MaxConcurrentRuns.
	DefaultWorkspaceRuns = 4
	// DefaultWorkspaceQueue is the default WorkspaceConfig.MaxQueuedRuns.
	DefaultWorkspaceQueue = 16
)

// runLimits are the concurrency limits one admission checks.
type runLimits struct {
	runs, queue     int // the platform's
	wsRuns, wsQueue int // the workspace's
	wait            bool
	onQueued        func() // called once when the run starts waiting
}

// runRegistry tracks the runs in progress of a platform: it admits runs
// within the platform's and each workspace's concurrency limits (queueing
// a bounded number), lets Close stop them and Shutdown wait for them,
// and lets DeleteWorkspace stop a workspace's runs.
type runRegistry struct {
	mu       sync.Mutex
	closing  bool
	active   map[*activeRun]struct{}
	count    map[string]int  // runs in progress by workspace
	waiting  map[string]int  // runs queued by workspace
	waitAll  int             // runs queued on the platform
	deleting map[string]bool // workspaces being deleted: no new runs
	held     map[string]bool // workspaces being replaced (see hold): no new runs
	changed  chan struct{}   // closed (and replaced) when a run ends
	idle     chan struct{}   // closed when active empties while closing
}

// activeRun is one run in progress: its workspace and how to stop it.
type activeRun struct {
	workspace string
	cancel    context.CancelCauseFunc
	done      chan struct{}
}

// begin admits a run of workspace within lim and returns its context,
// cancelled with a cause when the platform stops it, and the function that
// ends it. When a limit is reached the run waits (lim.wait) in a bounded
// queue until a run ends or ctx ends. Errors: ErrClosed after Close or
// Shutdown began; ErrWorkspaceNotFound while the workspace is being
// deleted; an error wrapping ErrBusy naming the limit whose queue is full
// (or whose limit is reached, without lim.wait); ctx's error.
func (r *runRegistry) begin(ctx context.Context, workspace string, lim runLimits) (context.Context, func(), error) {
	r.mu.Lock()
	queued := false
	defer func() {
		if queued {
			r.waiting[workspace]--
			r.waitAll--
		}
		r.mu.Unlock()
	}()
	for {
		switch {
		case r.closing:
			return nil, nil, ErrClosed
		case r.deleting[workspace]:
			return nil, nil, fmt.Errorf("%w: %s (being deleted)", ErrWorkspaceNotFound, workspace)
		case r.held[workspace]:
			return nil, nil, fmt.Errorf("%w: %s (being replaced by an import)", ErrWorkspaceBusy, workspace)
		}
		total := len(r.active)
		if total < lim.runs && r.count[workspace] < lim.wsRuns {
			break
		}
		if !lim.wait {
			return nil, nil, r.busy(workspace, lim, total, false)
		}
		if !queued {
			if r.waiting[workspace] >= lim.wsQueue || r.waitAll >= lim.queue {
				return nil, nil, r.busy(workspace, lim, total, true)
			}
			queued = true
			r.init()
			r.waiting[workspace]++
			r.waitAll++
			if lim.onQueued != nil {
				lim.onQueued()
			}
		}
		changed := r.changed
		r.mu.Unlock()
		select {
		case <-changed:
		case <-ctx.Done():
			r.mu.Lock()
			return nil, nil, ctx.Err()
		}
		r.mu.Lock()
	}
	r.init()
	ctx, cancel := context.WithCancelCause(ctx)
	run := &activeRun{workspace: workspace, cancel: cancel, done: make(chan struct{})}
	r.active[run] = struct{}{}
	r.count[workspace]++
	return ctx, func() { r.end(run) }, nil
}

// busy is begin's ErrBusy error for the limit that refused the run.
func (r *runRegistry) busy(workspace string, lim runLimits, total int, queueFull bool) error {
	what := "limit reached"
	if queueFull {
		what = "limit and queue full"
	}
	if r.count[workspace] >= lim.wsRuns {
		return fmt.Errorf("%w: workspace %s: %s (%d runs at once, %d queued)", ErrBusy, workspace, what, lim.wsRuns, lim.wsQueue)
	}
	return fmt.Errorf("%w: platform: %s (%d runs at once, %d queued; %d running)", ErrBusy, what, lim.runs, lim.queue, total)
}

// init makes the maps and the change channel. r.mu must be held.
func (r *runRegistry) init() {
	if r.active == nil {
		r.active, r.count, r.waiting, r.deleting, r.held = map[*activeRun]struct{}{}, map[string]int{}, map[string]int{}, map[string]bool{}, map[string]bool{}
		r.changed = make(chan struct{})
	}
}

// end unregisters run and wakes the queued runs.
func (r *runRegistry) end(run *activeRun) {
	run.cancel(nil)
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.active[run]; !ok {
		return
	}
	delete(r.active, run)
	if r.count[run.workspace]--; r.count[run.workspace] == 0 {
		delete(r.count, run.workspace)
	}
	close(run.done)
	close(r.changed)
	r.changed = make(chan struct{})
	if r.closing && len(r.active) == 0 && r.idle != nil {
		close(r.idle)
		r.idle = nil
	}
}

// close refuses new runs from now on and returns a channel closed once no
// run is in progress.
func (r *runRegistry) close() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.init()
	r.closing = true
	close(r.changed) // queued runs see closing
	r.changed = make(chan struct{})
	done := make(chan struct{})
	if len(r.active) == 0 {
		close(done)
		return done
	}
	if r.idle == nil {
		r.idle = make(chan struct{})
	}
	idle := r.idle
	go func() { <-idle; close(done) }()
	return done
}

// cancel stops every run in progress with cause.
func (r *runRegistry) cancel(cause error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	for run := range r.active {
		run.cancel(cause)
	}
}

// stopWorkspace refuses new runs of workspace, stops its runs in progress
// with cause and waits for them to end; the returned function lets runs
// of the workspace start again.
func (r *runRegistry) stopWorkspace(workspace string, cause error) func() {
	r.mu.Lock()
	r.init()
	r.deleting[workspace] = true
	close(r.changed) // queued runs of it see deleting
	r.changed = make(chan struct{})
	var dones []chan struct{}
	for run := range r.active {
		if run.workspace == workspace {
			run.cancel(cause)
			dones = append(dones, run.done)
		}
	}
	r.mu.Unlock()
	for _, d := range dones {
		<-d
	}
	return func() {
		r.mu.Lock()
		delete(r.deleting, workspace)
		r.mu.Unlock()
	}
}

// hold refuses new runs of workspace (with ErrWorkspaceBusy) until
// release is called, unless runs of it are in progress or it is held
// already: then ok is false and nothing changes.
func (r *runRegistry) hold(workspace string) (release func(), ok bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.init()
	if r.count[workspace] > 0 || r.held[workspace] {
		return nil, false
	}
	r.held[workspace] = true
	return func() {
		r.mu.Lock()
		delete(r.held, workspace)
		r.mu.Unlock()
	}, true
}

// isClosed reports whether Close or Shutdown began.
func (r *runRegistry) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closing
}
