package nsjail

import (
	"time"

	"github.com/bulkhead-dev/bulkhead/nsjail/internal/stage"
)

// Result is the outcome of a command that ran in the jail.
type Result struct {
	// ExitCode is the command's exit status (0-255), or -1 when it was
	// killed by a signal or by the timeout (as os.ProcessState.ExitCode).
	ExitCode int
	// Signal is the name of the signal that killed the command ("SIGKILL",
	// "SIGSEGV", …), or "" when it exited. A timeout reports "SIGKILL".
	Signal string
	// TimedOut is true when Config.Timeout expired and the jail was killed.
	TimedOut bool
	// OOMKilled is true when the kernel killed a process of the jail for
	// exceeding Config.Memory (the command itself or any of its children;
	// ExitCode and Signal tell what the command saw).
	OOMKilled bool
	// Stdout and Stderr are the captured streams, each at most
	// Config.OutputLimit bytes plus, when truncated, the notice
	// "\n[output truncated: N bytes omitted]\n". They are empty when
	// Config.Stdout or Config.Stderr received the stream instead.
	Stdout, Stderr []byte
	// StdoutTruncated and StderrTruncated report that output was omitted.
	StdoutTruncated, StderrTruncated bool
	// Duration is the wall-clock time from clone to the reaping of the jail.
	Duration time.Duration
	// Usage is the jail's resource usage.
	Usage Usage

	// steps and hostSteps are the init stage's setup step durations and
	// the host's phase durations, for benchmarks.
	steps, hostSteps []stage.StepTime
}

// Usage is the resource usage of a jail.
type Usage struct {
	// UserTime and SystemTime are the CPU time of every process of the jail
	// (getrusage(2) of the init stage, which reaps them all).
	UserTime, SystemTime time.Duration
	// MaxRSS is the largest resident set of any single process, in bytes.
	MaxRSS int64
	// MemoryPeak is the jail's cgroup's peak memory use in bytes (cgroup
	// v1 memory.max_usage_in_bytes, v2 memory.peak), 0 when the kernel does
	// not report it.
	MemoryPeak int64
}
