package runtime

import (
	"context"
	"sync"
	"time"
)

// Bounds of the background indexing of a workspace's memory after runs.
const (
	// indexAttempts is how many times one indexing job is tried.
	indexAttempts = 3
	// indexRetryDelay is the wait before the first retry; it doubles.
	indexRetryDelay = time.Second
	// IndexWaitLimit is the longest the memory_search tool waits for a
	// workspace's pending indexing before it searches what is there.
	IndexWaitLimit = 10 * time.Second
)

// indexer brings workspaces' memories up to date after their runs, in the
// background, so that a run's answer never waits for indexing (with an
// embedding provider down, a 0.24 s run took 3.9 s when it did). It keeps
// at most one job per workspace: a run that ends while its workspace is
// being indexed marks it for one more pass.
//
// # Notes
//
//   - The next run finds the turn: memory_search waits for the
//     workspace's pending job (up to IndexWaitLimit) before searching.
//   - Platform.Close drains it before closing the memory stores.
type indexer struct {
	mu   sync.Mutex
	jobs map[string]*indexJob // by workspace id
	wg   sync.WaitGroup
}

// indexJob is the indexing of one workspace: again asks for another pass
// after the current one; done is closed when no pass is left; cancel
// stops it (the workspace is being deleted).
type indexJob struct {
	again  bool
	done   chan struct{}
	ctx    context.Context
	cancel context.CancelFunc
}

// schedule indexes w's memory in the background with index (one pass: its
// sessions and memory files), retrying a failed pass with backoff.
func (x *indexer) schedule(w *Workspace, index func(context.Context) error) {
	x.mu.Lock()
	defer x.mu.Unlock()
	if x.jobs == nil {
		x.jobs = map[string]*indexJob{}
	}
	if job := x.jobs[w.id]; job != nil {
		job.again = true
		return
	}
	ctx, cancel := context.WithCancel(context.Background())
	job := &indexJob{done: make(chan struct{}), ctx: ctx, cancel: cancel}
	x.jobs[w.id] = job
	x.wg.Go(func() {
		defer cancel()
		for {
			x.pass(job.ctx, w, index)
			x.mu.Lock()
			if !job.again || job.ctx.Err() != nil {
				delete(x.jobs, w.id)
				close(job.done)
				x.mu.Unlock()
				return
			}
			job.again = false
			x.mu.Unlock()
		}
	})
}

// pass runs index up to indexAttempts times until it succeeds or ctx
// ends; failures are logged.
func (x *indexer) pass(ctx context.Context, w *Workspace, index func(context.Context) error) {
	delay := indexRetryDelay
	for attempt := 1; ; attempt++ {
		err := index(ctx)
		if err == nil || ctx.Err() != nil {
			return
		}
		if attempt == indexAttempts {
			w.p.log.Warn().Err(err).Str("workspace", w.id).Int("attempts", attempt).Msg("memory indexing failed; the next run's indexing tries again")
			return
		}
		w.p.log.Info().Err(err).Str("workspace", w.id).Dur("retry_in", delay).Msg("memory indexing failed")
		select {
		case <-time.After(delay):
		case <-ctx.Done():
			return
		}
		delay *= 2
	}
}

// wait waits until workspace id has no pending indexing, ctx ends or
// IndexWaitLimit passes, whichever is first.
func (x *indexer) wait(ctx context.Context, id string) {
	x.mu.Lock()
	job := x.jobs[id]
	x.mu.Unlock()
	if job == nil {
		return
	}
	t := time.NewTimer(IndexWaitLimit)
	defer t.Stop()
	select {
	case <-job.done:
	case <-ctx.Done():
	case <-t.C:
	}
}

// stop cancels workspace id's pending indexing and waits for it to end.
func (x *indexer) stop(id string) {
	x.mu.Lock()
	job := x.jobs[id]
	x.mu.Unlock()
	if job != nil {
		job.cancel()
		<-job.done
	}
}

// drain waits for every job.
func (x *indexer) drain() { x.wg.Wait() }
