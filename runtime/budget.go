package runtime

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/nsjail"
)

// Budgets bound what one run, with the subagents it starts, may use. A
// zero field takes its default; a run request may tighten a workspace's
// budgets, never loosen them.
type Budgets struct {
	// MaxTokens bounds the tokens of every model call of the run and its
	// subagents: prompt tokens (input, cache reads and writes) plus
	// output tokens, as the provider reports them. A run that reaches it
	// runs none of the calls of the answer that reached it and finishes
	// with the reason ReasonTokenBudget. Default DefaultMaxTokens.
	MaxTokens int64 `json:"max_tokens,omitempty"`
	// MaxRunTime bounds the run's wall-clock time, subagents included; a
	// run that reaches it fails with an error wrapping
	// context.DeadlineExceeded that names the budget. Default
	// DefaultRunTimeout.
	MaxRunTime Duration `json:"max_run_time,omitempty"`
	// MaxJailCPU bounds the CPU time of the run's jails (bash, native
	// skills, its subagents' too), as the jails' cgroups count it. It is
	// checked as each jail ends, so one jail may overrun it by what it
	// used in its own time limit; the run then starts no other tool and
	// finishes with the reason ReasonJailCPUBudget. Default
	// DefaultMaxJailCPU.
	MaxJailCPU Duration `json:"max_jail_cpu,omitempty"`
}

// Defaults of Budgets.
const (
	DefaultMaxTokens  = 10_000_000
	DefaultMaxJailCPU = 30 * time.Minute
)

// The reasons a run stops at a budget (RunResult.Reason).
const (
	ReasonTokenBudget   hostcall.FinishReason = "token_budget"
	ReasonJailCPUBudget hostcall.FinishReason = "jail_cpu_budget"
)

// validate refuses negative budgets.
func (b Budgets) validate() error {
	if b.MaxTokens < 0 || b.MaxRunTime < 0 || b.MaxJailCPU < 0 {
		return fmt.Errorf("%w: budgets must not be negative", ErrInvalidConfig)
	}
	return nil
}

// tighten returns the budgets of a run: each field the smallest of b's and
// req's that are set, else the default.
func (b Budgets) tighten(req Budgets) Budgets {
	pick := func(ws, run, def int64) int64 {
		switch {
		case ws > 0 && run > 0:
			return min(ws, run)
		case run > 0:
			return run
		case ws > 0:
			return ws
		}
		return def
	}
	return Budgets{
		MaxTokens:  pick(b.MaxTokens, req.MaxTokens, DefaultMaxTokens),
		MaxRunTime: Duration(pick(int64(b.MaxRunTime), int64(req.MaxRunTime), int64(DefaultRunTimeout))),
		MaxJailCPU: Duration(pick(int64(b.MaxJailCPU), int64(req.MaxJailCPU), int64(DefaultMaxJailCPU))),
	}
}

// treeBudget is what a run and its subagents have used of the root run's
// budgets; every run of the tree shares one.
type treeBudget struct {
	limits  Budgets
	tokens  atomic.Int64
	jailCPU atomic.Int64 // nanoseconds
}

// addTokens counts the tokens of one model call.
func (b *treeBudget) addTokens(u chat.Usage) { b.tokens.Add(u.PromptTokens() + u.OutputTokens) }

// addJailCPU counts the CPU time of one jail.
func (b *treeBudget) addJailCPU(d time.Duration) { b.jailCPU.Add(int64(d)) }

// spent returns the reason of the first budget used up, "" while none is.
func (b *treeBudget) spent() hostcall.FinishReason {
	switch {
	case b.tokens.Load() >= b.limits.MaxTokens:
		return ReasonTokenBudget
	case time.Duration(b.jailCPU.Load()) >= time.Duration(b.limits.MaxJailCPU):
		return ReasonJailCPUBudget
	}
	return ""
}

// spentNotice says which budget is spent, for the result of a call not
// run because of reason.
func (b *treeBudget) spentNotice(reason hostcall.FinishReason) string {
	switch reason {
	case ReasonTokenBudget:
		return fmt.Sprintf("the run's token budget (%d tokens) is spent", b.limits.MaxTokens)
	default:
		return fmt.Sprintf("the run's jail CPU budget (%s) is spent", time.Duration(b.limits.MaxJailCPU))
	}
}

// JailUsage sums the jails of a run (bash calls, native skills); its own,
// without its subagents'.
type JailUsage struct {
	// Runs counts the jails.
	Runs int `json:"runs"`
	// CPU is their CPU time as their cgroups count it
	// (nsjail.Usage.CPUTime: user and system time where no cgroup counter
	// is available), JSON in microseconds.
	CPU time.Duration `json:"cpu_us"`
	// MemoryPeak is the largest cgroup peak memory of any one jail, in
	// bytes.
	MemoryPeak int64 `json:"memory_peak"`
	// WriteBytes are the bytes the jails' processes caused to be written
	// to storage (the workspace, the home directory; not /tmp or pipes;
	// see nsjail.Usage.WriteBytes).
	WriteBytes int64 `json:"write_bytes"`
}

// MarshalJSON encodes CPU in microseconds.
func (u JailUsage) MarshalJSON() ([]byte, error) {
	return fmt.Appendf(nil, `{"runs":%d,"cpu_us":%d,"memory_peak":%d,"write_bytes":%d}`,
		u.Runs, u.CPU.Microseconds(), u.MemoryPeak, u.WriteBytes), nil
}

// jailMeter gathers one run's JailUsage and charges its tree's budget.
type jailMeter struct {
	mu     sync.Mutex
	usage  JailUsage
	budget *treeBudget
}

// add counts one jail that ended.
func (m *jailMeter) add(u nsjail.Usage) {
	cpu := u.CPUTime
	m.mu.Lock()
	m.usage.Runs++
	m.usage.CPU += cpu
	m.usage.MemoryPeak = max(m.usage.MemoryPeak, u.MemoryPeak)
	m.usage.WriteBytes += u.WriteBytes
	m.mu.Unlock()
	m.budget.addJailCPU(cpu)
}

// get returns the usage so far.
func (m *jailMeter) get() JailUsage {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.usage
}
