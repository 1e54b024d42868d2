package runtime

import (
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

// TestUsageLedger: every run leaves one ledger row whose figures are the
// run's: tokens as the provider reported them (the usage events), tool
// calls by name, the jails' cgroup figures, bytes written; failed runs
// and subagents too; Usage selects rows by time range.
func TestUsageLedger(t *testing.T) {
	srv := fakellm.New(
		fakellm.Step{ToolCalls: []fakellm.ToolCall{
			{Name: "write", Input: map[string]string{"path": "a.txt", "content": "hello"}},
			{Name: "bash", Input: map[string]string{"command": "head -c 65536 /dev/zero > b.bin; sync"}},
			{Name: "subagent", Input: map[string]string{"task": "say hi"}},
		}},
		fakellm.Step{Text: "hi from the child"},
		fakellm.Step{Text: "done"},
		fakellm.Step{Status: 400, Text: "bad request"},
	)
	defer srv.Close()
	p := newTestPlatform(t)
	ws := subagentWorkspace(t, p, "w", SubagentConfig{Enabled: true})
	before := time.Now()
	var reported chat.Usage
	req := anthropicRequest(srv, "go")
	req.OnEvent = func(ev Event) {
		if ev.Type == EventUsage && ev.Usage != nil {
			reported = reported.Add(*ev.Usage)
		}
	}
	res, err := ws.Run(bg, req)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := ws.Run(bg, anthropicRequest(srv, "fail")); err == nil {
		t.Fatal("the 400 did not fail the run")
	}
	rep, err := ws.Usage(bg, before, time.Time{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Runs) != 3 || rep.Skipped != 0 {
		t.Fatalf("%d rows (%d skipped): %+v", len(rep.Runs), rep.Skipped, rep.Runs)
	}
	child, parent, failed := rep.Runs[0], rep.Runs[1], rep.Runs[2]
	if child.ParentRunID != res.RunID || parent.RunID != res.RunID || parent.ParentRunID != "" {
		t.Errorf("rows in order child, parent: %s (parent %s), %s", child.RunID, child.ParentRunID, parent.RunID)
	}
	if parent.InputTokens != reported.InputTokens || parent.OutputTokens != reported.OutputTokens || parent.InputTokens == 0 {
		t.Errorf("parent tokens in %d out %d; the provider reported %+v", parent.InputTokens, parent.OutputTokens, reported)
	}
	if parent.ModelCalls != 2 || parent.ToolCalls["write"] != 1 || parent.ToolCalls["bash"] != 1 || parent.ToolCalls["subagent"] != 1 {
		t.Errorf("parent calls: %d model, tools %v", parent.ModelCalls, parent.ToolCalls)
	}
	if parent.JailRuns != 1 || parent.JailCPU != res.Jail.CPU.Truncate(time.Microsecond) || parent.JailCPU <= 0 || parent.JailMemoryPeak != res.Jail.MemoryPeak {
		t.Errorf("parent jail: %d runs, cpu %v peak %d; result %+v", parent.JailRuns, parent.JailCPU, parent.JailMemoryPeak, res.Jail)
	}
	if parent.WriteBytes < 65536+5 || parent.WriteBytes != res.WriteBytes {
		t.Errorf("parent wrote %d bytes; result %d", parent.WriteBytes, res.WriteBytes)
	}
	if parent.Reason != "end_turn" || child.Reason != "end_turn" || parent.Provider != "anthropic" || parent.Model == "" {
		t.Errorf("parent %q %s/%s, child %q", parent.Reason, parent.Provider, parent.Model, child.Reason)
	}
	if failed.Reason != "error" || failed.Error == "" || failed.ModelCalls != 0 {
		t.Errorf("failed run: reason %q error %q calls %d", failed.Reason, failed.Error, failed.ModelCalls)
	}
	if rep.Totals.Runs != 3 || rep.Totals.InputTokens != parent.InputTokens+child.InputTokens {
		t.Errorf("totals %+v", rep.Totals)
	}
	later, err := ws.Usage(bg, time.Now().Add(time.Hour), time.Time{})
	if err != nil || len(later.Runs) != 0 {
		t.Errorf("a range after every run: %v, %v", later, err)
	}
}
