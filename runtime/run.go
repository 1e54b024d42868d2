package runtime

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"iter"
	"path/filepath"
	"strings"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/ids"
	"github.com/bulkhead-dev/bulkhead/nsjail"
	"github.com/bulkhead-dev/bulkhead/sessions"
)

// Run runs the agent on req and returns its result. Errors name what
// failed: a missing message, an invalid id or directory, a missing key, a
// provider failure, or a guest stopped by its limits. Tool failures are not
// errors: they go back to the model.
func (w *Workspace) Run(ctx context.Context, req RunRequest) (*RunResult, error) {
	emit := func(Event) {}
	if on := req.OnEvent; on != nil {
		emit = func(ev Event) {
			ev.Time = time.Now()
			on(ev)
		}
	}
	res, err := w.run(ctx, req, emit)
	if err != nil {
		emit(Event{Type: EventError, Error: err.Error()})
		return nil, err
	}
	emit(Event{Type: EventDone, SessionID: res.SessionID, Result: res})
	return res, nil
}

// Stream runs the agent on req and yields its events as they happen; the
// last one is EventDone or, with a non-nil error, the failure. Stopping the
// iteration early cancels the run. req.OnEvent is ignored.
func (w *Workspace) Stream(ctx context.Context, req RunRequest) iter.Seq2[Event, error] {
	return func(yield func(Event, error) bool) {
		ctx, cancel := context.WithCancel(ctx)
		defer cancel()
		events := make(chan Event, 64)
		done := make(chan error, 1)
		req.OnEvent = func(ev Event) {
			if ev.Type == EventError {
				return // delivered with the error below
			}
			select {
			case events <- ev:
			case <-ctx.Done():
			}
		}
		go func() {
			_, err := w.Run(ctx, req)
			done <- err
		}()
		for {
			select {
			case ev := <-events:
				if !yield(ev, nil) {
					cancel()
					<-done
					return
				}
			case err := <-done:
				for len(events) > 0 {
					if !yield(<-events, nil) {
						return
					}
				}
				if err != nil {
					yield(Event{Type: EventError, Time: time.Now(), Error: err.Error()}, err)
				}
				return
			}
		}
	}
}

func (w *Workspace) run(ctx context.Context, req RunRequest, emit func(Event)) (res *RunResult, err error) {
	start := time.Now()
	// A subagent does not wait for a slot: its parent holds one, and
	// parents waiting on children that wait on parents would deadlock.
	ctx, done, err := w.p.runs.begin(ctx, w.id, w.runLimits(req.sub == nil, func() {
		emit(Event{Type: EventQueued, Text: "waiting for a run slot of workspace " + w.id})
	}))
	if err != nil {
		return nil, err
	}
	defer done()
	defer func() {
		cause := context.Cause(ctx)
		stopped := errors.Is(cause, ErrClosed) || errors.Is(cause, ErrWorkspaceNotFound)
		if err != nil && stopped && !errors.Is(err, cause) {
			err = fmt.Errorf("run stopped: %w", cause)
		}
	}()
	r, dir, err := w.prepare(req, emit)
	if err != nil {
		return nil, err
	}
	added, err := r.hooks.agentStart(ctx, AgentStartEvent{HookRun: r.hookRun(), Message: req.Message, SystemPrompt: r.system, Model: r.model})
	if err != nil {
		return nil, err
	}
	r.system += added
	defer func() {
		r.hooks.agentEnd(context.WithoutCancel(ctx), AgentEndEvent{HookRun: r.hookRun(), Result: res, Err: err})
	}()
	defer func() { w.record(r, start, res, err) }()
	timeout := time.Duration(r.budgets.MaxRunTime)
	release, err := w.Acquire()
	if err != nil {
		return nil, err
	}
	defer release()
	if err := w.ensureData(); err != nil {
		return nil, err
	}
	unlock, err := w.lockSession(ctx, r.sessionID, emit)
	if err != nil {
		return nil, err
	}
	defer unlock()
	loaded, warnings, err := w.sessions.LoadHistory(r.sessionID)
	if err != nil {
		return nil, fmt.Errorf("load session %s: %w", r.sessionID, err)
	}
	history := loaded.Messages
	r.calls.base, r.calls.lead = compactedPrefix(loaded)
	for _, warn := range warnings {
		w.p.log.Warn().Str("session", r.sessionID).Msg(warn.String())
	}
	if fix, ok := answerInterrupted(history); ok {
		if err := w.sessions.Append(r.sessionID, r.model, fix); err != nil {
			return nil, fmt.Errorf("session %s: record interrupted tool calls: %w", r.sessionID, err)
		}
		history = append(history, fix)
	}
	r.history = history
	r.hooks.sessionStart(ctx, SessionHookEvent{HookRun: r.hookRun(), New: len(history) == 0, Messages: len(history)})
	defer func() {
		r.hooks.sessionEnd(context.WithoutCancel(ctx), SessionHookEvent{HookRun: r.hookRun(), New: len(history) == 0, Messages: len(history) + r.appended})
	}()
	// Memory that cannot be opened (a damaged or refused database) never
	// fails a run: it goes without.
	mem, releaseMem, memErr := w.pooledMemory() // the run holds the workspace (Acquire above)
	if memErr == nil {
		defer releaseMem()
	}
	enabled, skillErr := w.EnabledSkills()
	r.system += skillPrompt(enabled)
	re, err := w.startEgress(r, skillsNeedNetwork(enabled))
	if err != nil {
		return nil, err
	}
	defer re.close(w.p, r.runID)
	r.egress = re
	r.tools, r.toolSpecs, err = w.hostTools(r, w.customTools(req.Tools), dir, re, mem, enabled)
	if err != nil {
		return nil, err
	}
	ctx, stop := context.WithCancelCause(ctx)
	defer stop(nil)
	r.stop = stop
	host, err := w.p.wasmHost(ctx)
	if err != nil {
		return nil, err
	}
	emit(Event{Type: EventRunStart, SessionID: r.sessionID, Model: r.model, Tools: toolNames(r.toolSpecs)})
	if skillErr != nil {
		warning := fmt.Sprintf("skills: %v; the run goes on without skills", skillErr)
		w.p.log.Warn().Str("workspace", w.id).Msg(warning)
		emit(Event{Type: EventWarning, Text: warning})
	}
	if memErr != nil {
		warning := fmt.Sprintf("%v; the run goes on without memory tools or memory indexing", memErr)
		w.p.log.Warn().Str("workspace", w.id).Msg(warning)
		emit(Event{Type: EventWarning, Text: warning})
	}
	ctx, cancelTimeout := context.WithTimeoutCause(ctx, timeout, ErrMaxRunTime)
	defer cancelTimeout()
	res, err = r.drive(ctx, host, dir, timeout)
	if mem != nil {
		w.indexMemory()
	}
	r.mu.Lock()
	for _, t := range r.watches {
		t.Stop()
	}
	r.mu.Unlock()
	if cause := context.Cause(ctx); errors.Is(cause, ErrToolTimeout) {
		return nil, cause
	}
	if err != nil {
		return nil, err
	}
	res.SessionID, res.RunID = r.sessionID, r.runID
	res.Jail = r.meter.get()
	res.WriteBytes = r.writeBytes.Load() + res.Jail.WriteBytes
	res.DurationMs = time.Since(start).Milliseconds()
	return res, nil
}

// hookChain returns the hooks of a run of w: the platform's, then w's.
func (w *Workspace) hookChain() hookChain {
	c := hookChain{sets: []*Hooks{&w.p.ext.hooks}, timeout: w.p.hookTimeout, log: w.p.log}
	if e := w.p.workspaceExt.peek(w.id); e != nil {
		c.sets = append(c.sets, &e.hooks)
	}
	return c
}

// customTools returns the custom tools of a run of w with the request's
// tools: the platform's, w's, then the request's (see customTools).
func (w *Workspace) customTools(request []Tool) []Tool {
	var own []Tool
	if e := w.p.workspaceExt.peek(w.id); e != nil {
		own = e.tools.list()
	}
	return customTools(w.p.ext.tools.list(), own, request)
}

// runLimits returns the concurrency limits of a run of w; wait queues it
// when a limit is reached, calling onQueued once.
func (w *Workspace) runLimits(wait bool, onQueued func()) runLimits {
	return runLimits{
		runs: w.p.maxRuns, queue: w.p.maxQueue,
		wsRuns:  cmp.Or(w.cfg.MaxConcurrentRuns, DefaultWorkspaceRuns),
		wsQueue: cmp.Or(w.cfg.MaxQueuedRuns, DefaultWorkspaceQueue),
		wait:    wait, onQueued: onQueued,
	}
}

// lockSession takes session id's lock, emitting EventQueued first when
// another run holds it and the run must wait.
func (w *Workspace) lockSession(ctx context.Context, id string, emit func(Event)) (func() error, error) {
	unlock, err := w.sessions.TryLock(id)
	if errors.Is(err, sessions.ErrLocked) {
		emit(Event{Type: EventQueued, SessionID: id, Text: "waiting for session " + id + ", which another run holds"})
		unlock, err = w.sessions.Lock(ctx, id)
	}
	if err != nil {
		return nil, fmt.Errorf("lock session %s: %w", id, err)
	}
	return unlock, nil
}

// prepare validates req and resolves it against the workspace's config and
// the environment. It returns the run and the directory to mount.
func (w *Workspace) prepare(req RunRequest, emit func(Event)) (*run, string, error) {
	if strings.TrimSpace(req.Message) == "" {
		return nil, "", errors.New("no message: a run needs a message")
	}
	switch {
	case req.MaxTurns < 0:
		return nil, "", fmt.Errorf("max turns must not be negative (got %d)", req.MaxTurns)
	case req.Timeout < 0 || req.MaxTokens < 0 || req.MaxJailCPU < 0:
		return nil, "", errors.New("timeout, max tokens and max jail CPU must not be negative")
	}
	sessionID := req.SessionID
	if sessionID == "" {
		sessionID = NewSessionID()
	} else if err := ids.Validate("session", sessionID); err != nil {
		return nil, "", err
	}
	dir, err := w.mountDir(req.WorkspaceDir)
	if err != nil {
		return nil, "", err
	}
	provider := w.ProviderName(req.Provider)
	model := w.modelFor(req, provider)
	calls, err := w.modelSetup(req, provider, model)
	if err != nil {
		return nil, "", err
	}
	llm := req.LLM
	if llm == nil {
		if llm, err = w.LLM(req); err != nil {
			return nil, "", err
		}
	}
	maxTurns := req.MaxTurns
	if maxTurns <= 0 {
		maxTurns = w.cfg.MaxTurns
	}
	if maxTurns <= 0 {
		maxTurns = DefaultMaxTurns
	}
	jail, err := w.cfg.JailLimits.tighten(req.Jail)
	if err != nil {
		return nil, "", err
	}
	r := &run{
		workspaceID: w.id,
		runID:       newRunID(),
		sessionID:   sessionID,
		log:         w.p.log,
		model:       model,
		system:      cmp.Or(req.SystemPrompt, w.cfg.SystemPrompt, DefaultSystemPrompt),
		maxTurns:    maxTurns,
		toolBudget:  cmp.Or(time.Duration(w.cfg.ToolTimeout), DefaultToolTimeout),
		toolGrace:   ToolTimeoutGrace,
		jail:        jail,
		answeredBy:  model,
		provider:    provider,
		message:     chat.UserText(req.Message),
		llm:         llm,
		calls:       calls,
		store:       w.sessions,
		emit:        emit,
		pending:     map[string]*ToolCall{},
		hooks:       w.hookChain(),
		budgets:     w.cfg.Budgets.tighten(Budgets{MaxTokens: req.MaxTokens, MaxRunTime: Duration(req.Timeout), MaxJailCPU: Duration(req.MaxJailCPU)}),
	}
	r.budget = &treeBudget{limits: r.budgets}
	if s := req.sub; s != nil {
		r.parentRunID, r.depth, r.parentSession = s.parent.runID, s.parent.depth+1, s.parent.sessionID
		r.budget, r.allowed = s.parent.budget, s.allowed
	}
	r.meter = &jailMeter{budget: r.budget}
	return r, dir, nil
}

// NewSessionID returns a fresh session id: UTC time and 6 random hex digits,
// e.g. "20261129-152311-a1b2c3".
func NewSessionID() string {
	var b [3]byte
	rand.Read(b[:])
	return time.Now().UTC().Format("20060102-150405") + "-" + hex.EncodeToString(b[:])
}

// ProviderName returns the provider a run asking for name uses: name, else
// the workspace's configured provider, else DefaultProvider.
func (w *Workspace) ProviderName(name string) string {
	return cmp.Or(name, w.cfg.Provider, DefaultProvider)
}

// mountDir checks the directory a run mounts at /workspace (default: the
// workspace's files/) once, before the model is called, with the jail's
// rules (nsjail.CheckWorkspace: no host root, system directory, pseudo file
// system or protected path such as /root or the platform's state), so the
// WebAssembly file tools serve only what a jail would mount; and neither
// inside nor around the state directory unless it is this workspace's own
// files/, so that no run can reach another tenant's state.
func (w *Workspace) mountDir(dir string) (string, error) {
	if dir == "" {
		dir = w.FilesDir()
	}
	abs, err := filepath.Abs(dir)
	if err != nil {
		return "", fmt.Errorf("workspace directory: %w", err)
	}
	real, err := nsjail.CheckWorkspace(abs, w.p.protectedPaths())
	if err != nil {
		return "", fmt.Errorf("workspace directory: %w", err)
	}
	state, err := filepath.EvalSymlinks(w.p.stateDir)
	if err != nil {
		return "", fmt.Errorf("state directory: %w", err)
	}
	own, _ := filepath.EvalSymlinks(w.FilesDir())
	if real != own && (within(real, state) || within(state, real)) {
		return "", fmt.Errorf("workspace directory %s: overlaps the state directory %s", dir, w.p.stateDir)
	}
	return real, nil
}

// within reports whether path is dir or below it.
func within(path, dir string) bool {
	rel, err := filepath.Rel(dir, path)
	return err == nil && rel != ".." && !strings.HasPrefix(rel, "../")
}
