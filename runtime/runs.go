package runtime

import (
	"context"
	"errors"
	"sync"
)

// ErrClosed is returned by a Platform's methods after Close or Shutdown,
// and wrapped by the error of a run that Close stopped.
var ErrClosed = errors.New("platform is closed")

// runRegistry tracks the runs in progress of a platform, so that Close can
// stop them, Shutdown can wait for them, and no run starts after either.
type runRegistry struct {
	mu      sync.Mutex
	closing bool
	active  map[*activeRun]struct{}
	idle    chan struct{} // closed when active empties while closing
}

// activeRun is one run in progress: its workspace and how to stop it.
type activeRun struct {
	workspace string
	cancel    context.CancelCauseFunc
}

// begin registers a run of workspace and returns its context, cancelled
// with a cause when the platform stops it, and the function that
// unregisters it. Errors: ErrClosed after Close or Shutdown began.
func (r *runRegistry) begin(ctx context.Context, workspace string) (context.Context, func(), error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.closing {
		return nil, nil, ErrClosed
	}
	ctx, cancel := context.WithCancelCause(ctx)
	run := &activeRun{workspace: workspace, cancel: cancel}
	if r.active == nil {
		r.active = map[*activeRun]struct{}{}
	}
	r.active[run] = struct{}{}
	return ctx, func() {
		cancel(nil)
		r.mu.Lock()
		defer r.mu.Unlock()
		delete(r.active, run)
		if r.closing && len(r.active) == 0 && r.idle != nil {
			close(r.idle)
			r.idle = nil
		}
	}, nil
}

// close refuses new runs from now on and returns a channel closed once no
// run is in progress.
func (r *runRegistry) close() <-chan struct{} {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.closing = true
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

// isClosed reports whether Close or Shutdown began.
func (r *runRegistry) isClosed() bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.closing
}
