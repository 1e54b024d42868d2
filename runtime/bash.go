package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/nsjail"
)

// Limits of the bash tool.
const (
	DefaultBashTimeout = 120 * time.Second
	MaxBashTimeout     = 30 * time.Minute
)

var bashSpec = chat.Tool{
	Name: "bash",
	Description: "Run a bash command in an isolated Linux jail whose working directory is /workspace " +
		"(read-write). No network beyond loopback. Returns stdout, stderr and the exit code. " +
		"Default timeout 120 seconds.",
	Parameters: json.RawMessage(`{"type":"object","properties":{` +
		`"command":{"type":"string","description":"The command, run with bash -c"},` +
		`"timeout":{"type":"number","description":"Timeout in seconds (default 120)"}},` +
		`"required":["command"]}`),
}

// bashTool returns the bash tool of a run: each call is a fresh jail
// (package nsjail) configured by cfg (the workspace at /workspace, its
// home, mounts and limits, the enabled skills' folders read-only at
// /skills/<id>, nothing of the platform's own state), with the model's
// timeout capped at maxTimeout.
//
// re, the run's network (nil without), adds each call's egress grant and
// the credentials set for bash, and masks their raw values in the output;
// meter counts each jail's usage.
func bashTool(cfg nsjail.Config, maxTimeout time.Duration, re *runEgress, meter *jailMeter) hostTool {
	return func(ctx context.Context, tc ToolContext, input json.RawMessage) (string, bool) {
		var in struct {
			Command string   `json:"command"`
			Timeout *float64 `json:"timeout"`
		}
		if err := json.Unmarshal(input, &in); err != nil {
			return "invalid arguments: " + err.Error(), true
		}
		if strings.TrimSpace(in.Command) == "" {
			return "command is required", true
		}
		timeout := min(DefaultBashTimeout, maxTimeout)
		if in.Timeout != nil {
			if !(*in.Timeout > 0) {
				return "timeout must be a positive number of seconds", true
			}
			// Clamp in seconds first: a huge float overflows a Duration.
			timeout = time.Duration(min(*in.Timeout, maxTimeout.Seconds()) * float64(time.Second))
		}
		call := re.bashConfig(cfg, tc.CallID)
		call.Timeout = timeout
		res, err := nsjail.Bash(ctx, call, in.Command)
		if err != nil {
			return "jail failed: " + err.Error(), true
		}
		meter.add(res.Usage)
		out := formatBash(res, timeout)
		if re != nil && re.mask != nil {
			out = string(re.mask.Mask([]byte(out)))
		}
		return out, res.ExitCode != 0 || res.TimedOut
	}
}

// formatBash renders a jail result for the model.
func formatBash(res *nsjail.Result, timeout time.Duration) string {
	var b strings.Builder
	b.Write(res.Stdout)
	if len(res.Stderr) > 0 {
		if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
			b.WriteByte('\n')
		}
		b.WriteString("[stderr]\n")
		b.Write(res.Stderr)
	}
	if b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
		b.WriteByte('\n')
	}
	if res.OOMKilled {
		b.WriteString("[a process was killed for exceeding the jail's memory limit]\n")
	}
	switch {
	case res.TimedOut:
		fmt.Fprintf(&b, "[timed out after %s; the command and its children were killed]", timeout)
	case res.Signal != "":
		fmt.Fprintf(&b, "[killed by signal %s]", res.Signal)
	default:
		fmt.Fprintf(&b, "[exit code %d]", res.ExitCode)
	}
	return b.String()
}
