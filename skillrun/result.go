package skillrun

import (
	"fmt"
	"strings"
	"time"

	"github.com/bulkhead-dev/bulkhead/nsjail"
	"github.com/bulkhead-dev/bulkhead/skills"
)

// Result is how a skill call ended. Every byte in it has been masked.
type Result struct {
	// Kind is the kind of skill that ran (skills.Native or skills.WASM).
	Kind skills.Kind
	// Stdout is what the skill wrote to standard output: at most
	// Limits.OutputLimit bytes, then, when more was written, the notice
	// "\n[output truncated: N bytes omitted]\n".
	Stdout []byte
	// StdoutTruncated reports that output was omitted.
	StdoutTruncated bool
	// StderrTail is the end of what the skill wrote to standard error, at
	// most Limits.StderrTail bytes.
	StderrTail []byte
	// ExitCode is the skill's exit status: the process's (0-255) for a
	// native skill, the WASI proc_exit status (0 when _start returned)
	// for a WASM skill; -1 when it did not exit by itself (a signal, a
	// trap, the timeout).
	ExitCode int
	// Signal names the signal that killed a native skill ("SIGKILL",
	// "SIGSEGV"), empty otherwise.
	Signal string
	// Trap is the first line of the trap that ended a WASM skill, empty
	// otherwise.
	Trap string
	// TimedOut reports that the time limit expired and the skill was
	// stopped.
	TimedOut bool
	// OOMKilled reports that the skill ran out of memory: the kernel killed
	// a process of a native skill's jail, or a WASM skill's memory could
	// not grow.
	OOMKilled bool
	// Timeout is the time limit the call ran under.
	Timeout time.Duration
	// Duration is the wall-clock time of Execute.
	Duration time.Duration
	// Jail is the resource usage of a native skill's jail; nil for a
	// WASM skill, which runs on the host's CPU within its time limit.
	Jail *nsjail.Usage
}

// Succeeded reports whether the skill exited with status 0 within its
// limits.
func (r *Result) Succeeded() bool {
	return r.ExitCode == 0 && !r.TimedOut && !r.OOMKilled
}

// ToolResult renders the result for the model, as skill_execute's tool
// result: the standard output as is when the skill succeeded; otherwise
// the standard output, a line saying why the skill failed, and the
// standard error tail. isError is !Succeeded().
func (r *Result) ToolResult() (text string, isError bool) {
	if r.Succeeded() {
		return string(r.Stdout), false
	}
	var b strings.Builder
	b.Write(r.Stdout)
	if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
		b.WriteByte('\n')
	}
	b.WriteString("[" + r.failure() + "]\n")
	if len(r.StderrTail) > 0 {
		b.WriteString("[stderr]\n")
		b.Write(r.StderrTail)
		if !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
	}
	return b.String(), true
}

// failure says in a few words why the skill failed.
func (r *Result) failure() string {
	switch {
	case r.TimedOut:
		return fmt.Sprintf("skill stopped: time limit of %s exceeded", r.Timeout)
	case r.OOMKilled:
		return "skill stopped: memory limit exceeded"
	case r.Signal != "":
		return "skill killed by " + r.Signal
	case r.Trap != "":
		return "skill trapped: " + r.Trap
	}
	return fmt.Sprintf("skill exited with code %d", r.ExitCode)
}
