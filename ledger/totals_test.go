package ledger

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

func TestSum(t *testing.T) {
	if got := Sum(nil); !reflect.DeepEqual(got, Totals{}) {
		t.Errorf("Sum(nil) = %+v", got)
	}
	a := rec("a", day)
	b := rec("b", day.Add(time.Hour))
	b.Start = day.Add(-time.Hour)
	b.ToolCalls = map[string]int{"bash": 4, "grep": 1}
	b.JailMemoryPeak = 64 << 20
	b.Error, b.CostUSD = "cancelled", 0.25
	b.CacheReadTokens, b.CacheWriteTokens = 7, 9
	c := rec("c", day.Add(30*time.Minute))
	c.ToolCalls, c.JailMemoryPeak = nil, 1
	got := Sum([]Record{a, b, c})
	want := Totals{
		Runs: 3, Errors: 1, FirstStart: b.Start, LastEnd: b.End,
		InputTokens: 3600, OutputTokens: 900, CacheReadTokens: 7, CacheWriteTokens: 9, ModelCalls: 6,
		ToolCalls: map[string]int{"bash": 5, "read": 2, "grep": 1},
		JailCPU:   3 * 81234 * time.Microsecond, JailMemoryPeak: 64 << 20, JailRuns: 3,
		WriteBytes: 3 * 4096, WallTime: 9 * time.Second, CostUSD: 0.25,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Sum =\n%+v\nwant\n%+v", got, want)
	}
	if a.ToolCalls["bash"] != 1 {
		t.Errorf("Sum changed a record's tool calls: %v", a.ToolCalls)
	}
	data, err := json.Marshal(got)
	if err != nil {
		t.Fatal(err)
	}
	const wantJSON = `{"runs":3,"errors":1,"first_start":"2025-02-14T09:00:00Z","last_end":"2025-02-14T11:00:00Z",` +
		`"input_tokens":3600,"output_tokens":900,"cache_read_tokens":7,"cache_write_tokens":9,"model_calls":6,` +
		`"tool_calls":{"bash":5,"grep":1,"read":2},"jail_cpu_us":243702,"jail_memory_peak":67108864,"jail_runs":3,` +
		`"write_bytes":12288,"wall_ms":9000,"cost_usd":0.25}`
	if string(data) != wantJSON {
		t.Errorf("JSON\n%s\nwant\n%s", data, wantJSON)
	}
	var back Totals
	if err := json.Unmarshal(data, &back); err != nil || !reflect.DeepEqual(back, got) {
		t.Errorf("JSON round trip = %+v, %v", back, err)
	}
	empty, _ := json.Marshal(Totals{})
	if string(empty) != `{"runs":0,"errors":0,"input_tokens":0,"output_tokens":0,"cache_read_tokens":0,"cache_write_tokens":0,"model_calls":0,"tool_calls":{},"jail_cpu_us":0,"jail_memory_peak":0,"jail_runs":0,"write_bytes":0,"wall_ms":0,"cost_usd":0}` {
		t.Errorf("empty totals JSON %s", empty)
	}
}
