package ledger_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/bulkhead-dev/bulkhead/ledger"
)

func Example() {
	dir, err := os.MkdirTemp("", "usage")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	l := ledger.Open(filepath.Join(dir, "usage")) // dir is the workspace's directory

	end := time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)
	for i, tools := range []map[string]int{{"bash": 2}, {"bash": 1, "read": 4}} {
		err := l.Append(ledger.Record{
			Start: end.Add(-time.Minute), End: end.Add(time.Duration(i) * time.Hour),
			RunID: fmt.Sprint("run-", i), SessionID: "s1", Provider: "anthropic", Model: "claude-sonnet-4-5",
			InputTokens: 1000, OutputTokens: 200, ModelCalls: 3, ToolCalls: tools,
			JailCPU: 150 * time.Millisecond, JailMemoryPeak: 32 << 20, JailRuns: tools["bash"],
			WallTime: time.Minute, Reason: "end_turn",
		})
		if err != nil {
			log.Fatal(err)
		}
	}

	// March so far.
	recs, skipped, err := l.Records(context.Background(), time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC), time.Time{})
	if err != nil {
		log.Fatal(err)
	}
	t := ledger.Sum(recs)
	fmt.Println(t.Runs, "runs,", skipped, "lines skipped")
	fmt.Println(t.InputTokens+t.OutputTokens, "tokens in", t.ModelCalls, "model calls")
	fmt.Println("tools:", t.ToolCalls)
	fmt.Println("jail CPU", t.JailCPU, "in", t.JailRuns, "jails, peak", t.JailMemoryPeak>>20, "MiB")
	// Output:
	// 2 runs, 0 lines skipped
	// 2400 tokens in 6 model calls
	// tools: map[bash:3 read:4]
	// jail CPU 300ms in 3 jails, peak 32 MiB
}
