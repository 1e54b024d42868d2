package runtime

import (
	"cmp"
	"context"
	"fmt"
	"sync"
	"time"
)

// ParallelOptions tune Workspace.RunParallel.
type ParallelOptions struct {
	// MaxConcurrency is how many of the runs may be in progress at once.
	// Zero: the workspace's concurrency limit (MaxConcurrentRuns, default
	// DefaultWorkspaceRuns). The workspace's and the platform's limits
	// still apply: runs beyond them queue, and fail with ErrBusy when
	// the queues are full.
	MaxConcurrency int
	// TaskTimeout bounds each run, as RunRequest.Timeout does (the
	// smaller wins). Zero: each request's own.
	TaskTimeout time.Duration
}

// ParallelResult is the outcome of one run of RunParallel: its result, or
// its error.
type ParallelResult struct {
	Result *RunResult
	Err    error
}

// RunParallel runs reqs in the workspace, at most opts.MaxConcurrency at
// a time, and returns their outcomes in the order of reqs, each with its
// own error; it returns when every run has ended. Cancelling ctx cancels
// the runs in progress and fails those not started with ctx's error.
func (w *Workspace) RunParallel(ctx context.Context, reqs []RunRequest, opts ParallelOptions) ([]ParallelResult, error) {
	if opts.MaxConcurrency < 0 || opts.TaskTimeout < 0 {
		return nil, fmt.Errorf("parallel runs: max concurrency and task timeout must not be negative")
	}
	limit := cmp.Or(opts.MaxConcurrency, w.cfg.MaxConcurrentRuns, DefaultWorkspaceRuns)
	out := make([]ParallelResult, len(reqs))
	slots := make(chan struct{}, limit)
	var wg sync.WaitGroup
	for i, req := range reqs {
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			for j := i; j < len(reqs); j++ {
				out[j].Err = fmt.Errorf("not started: %w", ctx.Err())
			}
			wg.Wait()
			return out, nil
		}
		if opts.TaskTimeout > 0 && (req.Timeout == 0 || opts.TaskTimeout < req.Timeout) {
			req.Timeout = opts.TaskTimeout
		}
		wg.Add(1)
		go func() {
			defer func() { <-slots; wg.Done() }()
			out[i].Result, out[i].Err = w.Run(ctx, req)
		}()
	}
	wg.Wait()
	return out, nil
}
