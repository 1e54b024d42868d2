package main

import (
	"encoding/json"
	"os"
	"sync"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/runtime"
)

// runInfo is what the CLI knows of a run before it starts.
type runInfo struct {
	start        time.Time
	workspaceID  string
	sessionID    string
	provider     string
	workspaceDir string // the host directory mounted at /workspace
}

// runTally follows a run's events to sum up what its result object
// reports, whether or not the run finishes.
type runTally struct {
	runInfo
	mu        sync.Mutex
	started   bool     // run_start was seen
	model     string   // of run_start
	tools     []string // of run_start
	turns     int
	turnStart time.Time
	apiTime   time.Duration // sum of the model calls' latencies
	usage     chat.Usage
	cost      float64
	priced    bool   // every model call's model has a price (providers.DefaultPrices)
	turnText  string // the text of the latest turn
}

func newRunTally(info runInfo) *runTally {
	return &runTally{runInfo: info, priced: true}
}

func (t *runTally) observe(ev runtime.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	switch ev.Type {
	case runtime.EventRunStart:
		t.started, t.model, t.tools = true, ev.Model, ev.Tools
	case runtime.EventTurnStart:
		t.turns, t.turnStart, t.turnText = ev.Turn, ev.Time, ""
	case runtime.EventTextDelta:
		t.turnText += ev.Text
	case runtime.EventTextReset:
		t.turnText = ""
	case runtime.EventUsage, runtime.EventCompaction:
		if ev.Type == runtime.EventUsage {
			t.apiTime += ev.Time.Sub(t.turnStart)
		}
		t.usage = t.usage.Add(*ev.Usage)
		if ev.CostUSD != nil {
			t.cost += *ev.CostUSD
		} else {
			t.priced = false
		}
	}
}

// initObject is the first object of stream-json output, sent when the run
// starts (after a queued event, if the session was busy).
type initObject struct {
	Type         string    `json:"type"` // "init"
	Time         time.Time `json:"time"`
	SessionID    string    `json:"session_id"`
	WorkspaceID  string    `json:"workspace_id"`
	WorkspaceDir string    `json:"workspace_dir"` // mounted at /workspace
	Cwd          string    `json:"cwd"`
	Provider     string    `json:"provider"`
	Model        string    `json:"model"`
	Tools        []string  `json:"tools"`
	Version      string    `json:"version"`
}

func (t *runTally) init(at time.Time) initObject {
	t.mu.Lock()
	defer t.mu.Unlock()
	cwd, _ := os.Getwd()
	return initObject{
		Type: "init", Time: at, SessionID: t.sessionID, WorkspaceID: t.workspaceID, WorkspaceDir: t.workspaceDir,
		Cwd: cwd, Provider: t.provider, Model: t.model, Tools: t.tools, Version: version(),
	}
}

// resultObject is the output of --output-format json and the last object
// of stream-json, named after claude -p's result message.
type resultObject struct {
	Type string `json:"type"` // "result"
	// Subtype is success, error_max_turns, error_limit (another limit
	// stopped the run), error_interrupted or error_during_execution.
	Subtype string `json:"subtype"`
	IsError bool   `json:"is_error"`
	// Result is the final answer (also of a run stopped by --max-turns).
	Result string `json:"result"`
	// Error says why the run failed.
	Error string `json:"error,omitempty"`
	// Reason is why the agent loop ended: end_turn or max_turns.
	Reason    hostcall.FinishReason `json:"reason,omitempty"`
	ExitCode  int                   `json:"exit_code"`
	SessionID string                `json:"session_id,omitempty"` // set once the run started
	// WorkspaceID, Provider, Model: where and with what the run ran.
	WorkspaceID string `json:"workspace_id"`
	Provider    string `json:"provider"`
	Model       string `json:"model,omitempty"`
	NumTurns    int    `json:"num_turns"`
	// DurationMs is the run's wall-clock time; DurationAPIMs the part
	// spent waiting for the model.
	DurationMs    int64      `json:"duration_ms"`
	DurationAPIMs int64      `json:"duration_api_ms"`
	Usage         chat.Usage `json:"usage"`
	// TotalCostUSD is the cost of the run's model calls and its
	// subagents', in US dollars; left out when a model has no price in
	// providers.DefaultPrices.
	TotalCostUSD *float64 `json:"total_cost_usd,omitempty"`
}

// result returns the result object of a run that returned res and err
// (the command's error, see runOutcome).
func (t *runTally) result(res *runtime.RunResult, err error) resultObject {
	t.mu.Lock()
	defer t.mu.Unlock()
	r := resultObject{
		Type: "result", Subtype: "success", WorkspaceID: t.workspaceID, Provider: t.provider, Model: t.model,
		NumTurns: t.turns, DurationMs: time.Since(t.start).Milliseconds(), DurationAPIMs: t.apiTime.Milliseconds(),
		Usage: t.usage, ExitCode: exitCode(err),
	}
	if t.started {
		r.SessionID = t.sessionID
	}
	if t.priced && t.turns > 0 {
		r.TotalCostUSD = &t.cost
	}
	if res != nil {
		r.Result, r.Reason, r.NumTurns, r.Usage = res.Response, res.Reason, res.Turns, res.Usage
		r.TotalCostUSD = nil
		if res.UnpricedCalls == 0 {
			total := res.CostUSD + res.SubagentCostUSD
			r.TotalCostUSD = &total
		}
	}
	switch {
	case err == nil:
		return r
	case res != nil && res.Reason == hostcall.FinishMaxTurns:
		r.Subtype = "error_max_turns"
	case r.ExitCode > exitSignalBase:
		r.Subtype = "error_interrupted"
	case r.ExitCode == exitLimit:
		r.Subtype = "error_limit"
	default:
		r.Subtype = "error_during_execution"
	}
	r.IsError, r.Error = true, err.Error()
	return r
}

// runView shows a run as the output format asks: it receives the run's
// events, then finish with what the run returned.
type runView interface {
	event(runtime.Event)
	// finish shows the outcome: res and err as runOutcome returned them;
	// newSession says the session id was not given by --session.
	finish(res *runtime.RunResult, err error, newSession bool)
}

func newRunView(format string, tally *runTally, stdout *os.File) runView {
	switch format {
	case formatJSON:
		return &jsonView{tally: tally, out: json.NewEncoder(display(stdout))}
	case formatStreamJSON:
		return &streamView{jsonView{tally: tally, out: json.NewEncoder(display(stdout))}}
	}
	return newTextView(tally, stdout, stderr)
}

// jsonView prints only the result object.
type jsonView struct {
	tally *runTally
	out   *json.Encoder
}

func (v *jsonView) event(runtime.Event) {}

func (v *jsonView) finish(res *runtime.RunResult, err error, _ bool) {
	v.out.Encode(v.tally.result(res, err))
}

// streamView prints the init object when the run starts, every event as
// runtime.Event marshals it, and the result object.
type streamView struct{ jsonView }

func (v *streamView) event(ev runtime.Event) {
	if ev.Type == runtime.EventRunStart {
		v.out.Encode(v.tally.init(ev.Time))
	}
	v.out.Encode(ev)
}
