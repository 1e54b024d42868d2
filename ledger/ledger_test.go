package ledger

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

// day is a fixed instant the tests build records around.
var day = time.Date(2025, 2, 14, 10, 0, 0, 0, time.UTC)

// rec returns a valid record that ended at end, identified by id.
func rec(id string, end time.Time) Record {
	return Record{
		Start: end.Add(-3 * time.Second), End: end,
		RunID: id, SessionID: "s1", Provider: "anthropic", Model: "claude-sonnet-4-5",
		InputTokens: 1200, OutputTokens: 300, ModelCalls: 2,
		ToolCalls: map[string]int{"bash": 1, "read": 2},
		JailCPU:   81234 * time.Microsecond, JailMemoryPeak: 10 << 20, JailRuns: 1,
		WriteBytes: 4096, WallTime: 3 * time.Second, Reason: "end_turn",
	}
}

// mustAppend appends recs and fails the test on an error.
func mustAppend(t testing.TB, l *Ledger, recs ...Record) {
	t.Helper()
	for _, r := range recs {
		if err := l.Append(r); err != nil {
			t.Fatalf("Append(%s): %v", r.RunID, err)
		}
	}
}

// read returns the records in [from, to) and the skipped count.
func read(t testing.TB, l *Ledger, from, to time.Time) ([]Record, int) {
	t.Helper()
	recs, skipped, err := l.Records(context.Background(), from, to)
	if err != nil {
		t.Fatalf("Records: %v", err)
	}
	return recs, skipped
}

// runIDs lists the records' run ids in order.
func runIDs(recs []Record) string {
	var ids []string
	for _, r := range recs {
		ids = append(ids, r.RunID)
	}
	return strings.Join(ids, ",")
}

func TestRoundTrip(t *testing.T) {
	ws := filepath.Join(t.TempDir(), "ws")
	dir := filepath.Join(ws, "usage")
	l := Open(dir)
	if err := l.Append(Record{Start: time.Now(), End: time.Now()}); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Append with the ledger directory's parent missing: %v", err)
	}
	if err := os.Mkdir(ws, 0o700); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Fatalf("Open touched the disk: %v", err)
	}
	if recs, skipped := read(t, l, time.Time{}, time.Time{}); len(recs) != 0 || skipped != 0 {
		t.Fatalf("missing dir: %d records, %d skipped", len(recs), skipped)
	}
	zone := time.FixedZone("UTC+5", 5*3600)
	full := Record{
		Start: time.Date(2025, 2, 14, 15, 0, 0, 123456789, zone), End: time.Date(2025, 2, 14, 15, 0, 4, 500000000, zone),
		RunID: "r1", SessionID: "s1", ParentRunID: "r0", Provider: "openai", Model: "gpt-5",
		InputTokens: 1, OutputTokens: 2, CacheReadTokens: 3, CacheWriteTokens: 4, ModelCalls: 5,
		ToolCalls: map[string]int{"bash": 6, "skill_execute": 7},
		JailCPU:   8*time.Millisecond + 9*time.Microsecond + 999, JailMemoryPeak: 10, JailRuns: 11,
		WriteBytes: 12, WallTime: 4377*time.Millisecond + 999*time.Microsecond,
		Reason: "error", Error: "provider: 529 overloaded", CostUSD: 0.0125,
	}
	mustAppend(t, l, full, rec("r2", day))
	recs, skipped := read(t, l, time.Time{}, time.Time{})
	if skipped != 0 || len(recs) != 2 {
		t.Fatalf("%d records, %d skipped", len(recs), skipped)
	}
	want := full
	want.Start, want.End = full.Start.UTC(), full.End.UTC()
	want.JailCPU = 8009 * time.Microsecond // µs on disk
	want.WallTime = 4377 * time.Millisecond
	if !reflect.DeepEqual(recs[0], want) {
		t.Errorf("read\n%+v\nwant\n%+v", recs[0], want)
	}
	if recs[1].RunID != "r2" || recs[1].ParentRunID != "" || recs[1].Error != "" {
		t.Errorf("second record %+v", recs[1])
	}
	for path, perm := range map[string]fs.FileMode{dir: 0o700 | fs.ModeDir, filepath.Join(dir, "2025-02.jsonl"): 0o600} {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode() != perm {
			t.Errorf("%s mode %v, want %v", path, fi.Mode(), perm)
		}
	}
}

// TestFormat pins the line format: the keys, units and encodings other
// tools read.
func TestFormat(t *testing.T) {
	dir := t.TempDir()
	r := rec("r1", day)
	r.CacheReadTokens, r.Error = 50, "boom"
	mustAppend(t, Open(dir), r)
	data, err := os.ReadFile(filepath.Join(dir, "2025-02.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	want := `{"v":1,"start":"2025-02-14T09:59:57Z","end":"2025-02-14T10:00:00Z","run_id":"r1","session_id":"s1",` +
		`"provider":"anthropic","model":"claude-sonnet-4-5","input_tokens":1200,"output_tokens":300,"cache_read_tokens":50,` +
		`"cache_write_tokens":0,"model_calls":2,"tool_calls":{"bash":1,"read":2},"jail_cpu_us":81234,"jail_memory_peak":10485760,` +
		`"jail_runs":1,"write_bytes":4096,"wall_ms":3000,"reason":"end_turn","error":"boom"}` + "\n"
	if string(data) != want {
		t.Errorf("line\n%s\nwant\n%s", data, want)
	}
}

func TestRangeAcrossMonths(t *testing.T) {
	dir := t.TempDir()
	l := Open(dir)
	feb := time.Date(2025, 2, 1, 0, 0, 0, 0, time.UTC)
	mar := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	plus5 := time.FixedZone("UTC+5", 5*3600)
	mustAppend(t, l,
		rec("jan-last", feb.Add(-time.Nanosecond)),
		rec("feb-first", feb),
		rec("jan-in-utc", time.Date(2025, 2, 1, 4, 59, 0, 0, plus5)), // 23:59 on 31 January, UTC
		rec("feb-mid", day),
		rec("feb-last", mar.Add(-time.Nanosecond)),
		rec("mar-first", mar),
		rec("dec", time.Date(2024, 12, 31, 12, 0, 0, 0, time.UTC)),
	)
	var files []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		files = append(files, e.Name())
	}
	if got := strings.Join(files, " "); got != ".lock 2024-12.jsonl 2025-01.jsonl 2025-02.jsonl 2025-03.jsonl" {
		t.Fatalf("files %s", got)
	}
	// A garbage line in January: a range that does not reach January must
	// not read that segment, so it reports nothing skipped.
	f, err := os.OpenFile(filepath.Join(dir, "2025-01.jsonl"), os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("not json\n")
	f.Close()
	tests := []struct {
		name     string
		from, to time.Time
		want     string
		skipped  int
	}{
		{"all", time.Time{}, time.Time{}, "dec,jan-last,jan-in-utc,feb-first,feb-mid,feb-last,mar-first", 1},
		{"february", feb, mar, "feb-first,feb-mid,feb-last", 0},
		{"to is exclusive", feb, feb.Add(time.Nanosecond), "feb-first", 0},
		{"from is inclusive", mar.Add(-time.Nanosecond), time.Time{}, "feb-last,mar-first", 0},
		{"across a boundary", feb.Add(-time.Hour), feb.Add(time.Hour), "jan-last,jan-in-utc,feb-first", 1},
		{"no upper bound", day, time.Time{}, "feb-mid,feb-last,mar-first", 0},
		{"no lower bound", time.Time{}, feb, "dec,jan-last,jan-in-utc", 1},
		{"bounds in another zone", time.Date(2025, 2, 1, 5, 0, 0, 0, plus5), mar.In(plus5), "feb-first,feb-mid,feb-last", 0},
		{"empty range", day, day, "", 0},
		{"no segment", time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC), time.Time{}, "", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			recs, skipped := read(t, l, tc.from, tc.to)
			if got := runIDs(recs); got != tc.want || skipped != tc.skipped {
				t.Errorf("records %q skipped %d, want %q skipped %d", got, skipped, tc.want, tc.skipped)
			}
		})
	}
}

// TestTornLine writes half a line by hand, as a crash during Append would
// leave it, then appends: both good records are read and the fragment is
// one skipped line.
func TestTornLine(t *testing.T) {
	dir := t.TempDir()
	l := Open(dir)
	mustAppend(t, l, rec("before", day))
	seg := filepath.Join(dir, "2025-02.jsonl")
	f, err := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.WriteString(`{"v":1,"start":"2025-02-14T09:59:57Z","end":"2025-02-14T10:00:`); err != nil {
		t.Fatal(err)
	}
	f.Close()
	if recs, skipped := read(t, l, time.Time{}, time.Time{}); runIDs(recs) != "before" || skipped != 1 {
		t.Fatalf("torn tail: records %q skipped %d", runIDs(recs), skipped)
	}
	mustAppend(t, l, rec("after", day))
	if recs, skipped := read(t, l, time.Time{}, time.Time{}); runIDs(recs) != "before,after" || skipped != 1 {
		t.Errorf("after the next append: records %q skipped %d", runIDs(recs), skipped)
	}
	data, _ := os.ReadFile(seg)
	if lines := strings.Split(string(data), "\n"); len(lines) != 4 || !strings.HasSuffix(lines[1], `"end":"2025-02-14T10:00:`) || !strings.HasPrefix(lines[2], `{"v":1,`) {
		t.Errorf("segment:\n%s", data)
	}
}

// TestTornWholeRecord covers a crash after the whole line but before its
// newline: the record is whole, so it counts once the next Append ends
// its line.
func TestTornWholeRecord(t *testing.T) {
	dir := t.TempDir()
	l := Open(dir)
	mustAppend(t, l, rec("first", day))
	seg := filepath.Join(dir, "2025-02.jsonl")
	data, _ := os.ReadFile(seg)
	if err := os.WriteFile(seg, data[:len(data)-1], 0o600); err != nil {
		t.Fatal(err)
	}
	if recs, skipped := read(t, l, time.Time{}, time.Time{}); len(recs) != 0 || skipped != 1 {
		t.Fatalf("line without newline: records %q skipped %d", runIDs(recs), skipped)
	}
	mustAppend(t, l, rec("second", day))
	if recs, skipped := read(t, l, time.Time{}, time.Time{}); runIDs(recs) != "first,second" || skipped != 0 {
		t.Errorf("records %q skipped %d", runIDs(recs), skipped)
	}
}

func TestLineLimit(t *testing.T) {
	dir := t.TempDir()
	l := Open(dir)
	big := rec("big", day)
	big.Error = strings.Repeat("x", DefaultMaxLineBytes)
	if err := l.Append(big); !errors.Is(err, ErrLineTooLong) || !strings.Contains(err.Error(), "MaxLineBytes") {
		t.Fatalf("Append of a %d-byte error: %v, want ErrLineTooLong", len(big.Error), err)
	}
	if _, err := os.Stat(filepath.Join(dir, "2025-02.jsonl")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("a refused record created its segment: %v", err)
	}
	// Just under the default fits.
	line, _ := rec("fits", day).MarshalJSON()
	fits := rec("fits", day)
	fits.Error = strings.Repeat("y", DefaultMaxLineBytes-len(line)-len(`,"error":""`))
	mustAppend(t, l, fits)
	// Written under a larger limit, read under a smaller one: skipped.
	mustAppend(t, l.WithLimits(Limits{MaxLineBytes: 1 << 20}), big)
	mustAppend(t, l, rec("small", day))
	recs, skipped := read(t, l, time.Time{}, time.Time{})
	if runIDs(recs) != "fits,small" || skipped != 1 {
		t.Errorf("records %q skipped %d, want fits,small and the long line skipped", runIDs(recs), skipped)
	}
	recs, skipped = read(t, l.WithLimits(Limits{MaxLineBytes: 1 << 20}), time.Time{}, time.Time{})
	if runIDs(recs) != "fits,big,small" || skipped != 0 {
		t.Errorf("larger limit: records %q skipped %d", runIDs(recs), skipped)
	}
}

func TestInvalidRecords(t *testing.T) {
	mod := func(f func(*Record)) Record {
		r := rec("r", day)
		f(&r)
		return r
	}
	tests := []struct {
		name string
		r    Record
		key  string
	}{
		{"zero end", mod(func(r *Record) { r.End = time.Time{} }), "end is not set"},
		{"zero start", mod(func(r *Record) { r.Start = time.Time{} }), "start is not set"},
		{"end before start", mod(func(r *Record) { r.Start = r.End.Add(time.Nanosecond) }), "end 2025-02-14T10:00:00Z is before start"},
		{"year 10000", mod(func(r *Record) { r.End = time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC) }), "end year 10000"},
		{"negative input tokens", mod(func(r *Record) { r.InputTokens = -1 }), "input_tokens is negative"},
		{"negative output tokens", mod(func(r *Record) { r.OutputTokens = -1 }), "output_tokens"},
		{"negative cache read", mod(func(r *Record) { r.CacheReadTokens = -1 }), "cache_read_tokens"},
		{"negative cache write", mod(func(r *Record) { r.CacheWriteTokens = -1 }), "cache_write_tokens"},
		{"negative model calls", mod(func(r *Record) { r.ModelCalls = -1 }), "model_calls"},
		{"negative cpu", mod(func(r *Record) { r.JailCPU = -1 }), "jail_cpu_us"},
		{"negative peak", mod(func(r *Record) { r.JailMemoryPeak = -1 }), "jail_memory_peak"},
		{"negative jail runs", mod(func(r *Record) { r.JailRuns = -1 }), "jail_runs"},
		{"negative write bytes", mod(func(r *Record) { r.WriteBytes = -1 }), "write_bytes"},
		{"negative wall", mod(func(r *Record) { r.WallTime = -time.Millisecond }), "wall_ms"},
		{"negative tool count", mod(func(r *Record) { r.ToolCalls = map[string]int{"bash": -2} }), `tool_calls["bash"] is negative`},
		{"empty tool name", mod(func(r *Record) { r.ToolCalls = map[string]int{"": 1} }), "empty tool name"},
		{"NaN cost", mod(func(r *Record) { r.CostUSD = math.NaN() }), "cost_usd is NaN"},
		{"negative cost", mod(func(r *Record) { r.CostUSD = -0.5 }), "cost_usd is -0.5"},
	}
	dir := filepath.Join(t.TempDir(), "usage")
	l := Open(dir)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := l.Append(tc.r)
			if !errors.Is(err, ErrInvalidRecord) || !strings.Contains(err.Error(), tc.key) {
				t.Errorf("Append = %v, want ErrInvalidRecord naming %q", err, tc.key)
			}
		})
	}
	if _, err := os.Stat(dir); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("refused records created the directory: %v", err)
	}
}

// TestSkippedLines: complete lines that are no valid record are skipped
// and counted wherever they are; a newer version is an error.
func TestSkippedLines(t *testing.T) {
	dir := t.TempDir()
	l := Open(dir)
	mustAppend(t, l, rec("a", day))
	seg := filepath.Join(dir, "2025-02.jsonl")
	f, err := os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		t.Fatal(err)
	}
	negative := strings.Replace(mustLine(t, rec("neg", day)), `"input_tokens":1200`, `"input_tokens":-5`, 1)
	noVersion := strings.Replace(mustLine(t, rec("v0", day)), `"v":1,`, ``, 1)
	f.WriteString("\n" + "[1,2]\n" + negative + "\n" + noVersion + "\n" + `{"v":1}` + "\n")
	f.Close()
	mustAppend(t, l, rec("b", day))
	if recs, skipped := read(t, l, time.Time{}, time.Time{}); runIDs(recs) != "a,b" || skipped != 5 {
		t.Errorf("records %q skipped %d, want a,b and 5 skipped", runIDs(recs), skipped)
	}
	f, _ = os.OpenFile(seg, os.O_WRONLY|os.O_APPEND, 0)
	f.WriteString(strings.Replace(mustLine(t, rec("v2", day)), `"v":1,`, `"v":2,`, 1) + "\n")
	f.Close()
	_, _, err = l.Records(context.Background(), time.Time{}, time.Time{})
	if !errors.Is(err, ErrNewerVersion) || !strings.Contains(err.Error(), seg+" line 8") {
		t.Errorf("Records = %v, want ErrNewerVersion naming %s line 8", err, seg)
	}
}

func mustLine(t testing.TB, r Record) string {
	t.Helper()
	data, err := r.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestConcurrentGoroutines(t *testing.T) {
	dir := t.TempDir()
	const workers, each = 8, 40
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			l := Open(dir) // a Ledger per goroutine, as a runtime per run
			for i := range each {
				// Spread over two months, so segments are created concurrently.
				end := day.AddDate(0, i%2, 0)
				if err := l.Append(rec(fmt.Sprintf("g%d-%d", w, i), end)); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	// A reader meanwhile never sees a half line.
	wg.Go(func() {
		for range 20 {
			_, skipped, err := Open(dir).Records(context.Background(), time.Time{}, time.Time{})
			if err != nil || skipped != 0 {
				t.Errorf("concurrent Records: skipped %d, %v", skipped, err)
				return
			}
		}
	})
	wg.Wait()
	assertIDs(t, dir, ids([]string{"g"}, workers, each))
}

// ids returns the run ids <prefix><w>-<i> for each prefix, w < workers
// and i < each.
func ids(prefixes []string, workers, each int) []string {
	var out []string
	for _, p := range prefixes {
		for w := range workers {
			for i := range each {
				out = append(out, fmt.Sprintf("%s%d-%d", p, w, i))
			}
		}
	}
	return out
}

// assertIDs checks that dir holds exactly one record of each id of want
// and nothing else, none skipped.
func assertIDs(t *testing.T, dir string, want []string) {
	t.Helper()
	recs, skipped := read(t, Open(dir), time.Time{}, time.Time{})
	seen := map[string]int{}
	for _, r := range recs {
		seen[r.RunID]++
	}
	if skipped != 0 || len(recs) != len(want) {
		t.Fatalf("%d records, %d skipped; want %d, none skipped", len(recs), skipped, len(want))
	}
	for _, id := range want {
		if seen[id] != 1 {
			t.Errorf("record %s seen %d times", id, seen[id])
		}
	}
}

func TestLockTimeout(t *testing.T) {
	dir := t.TempDir()
	l := Open(dir).WithLimits(Limits{LockTimeout: 50 * time.Millisecond})
	mustAppend(t, l, rec("a", day))
	held := flock.New(filepath.Join(dir, ".lock"))
	if err := held.Lock(); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	err := l.Append(rec("b", day))
	if !errors.Is(err, ErrLockTimeout) || !strings.Contains(err.Error(), "50ms") {
		t.Errorf("Append under a held lock = %v, want ErrLockTimeout after 50ms", err)
	}
	if waited := time.Since(start); waited < 50*time.Millisecond {
		t.Errorf("gave up after %v, before the timeout", waited)
	}
	if _, _, err := l.Records(context.Background(), time.Time{}, time.Time{}); !errors.Is(err, ErrLockTimeout) {
		t.Errorf("Records under an exclusive lock = %v, want ErrLockTimeout", err)
	}
	held.Unlock()
	if recs, _ := read(t, l, time.Time{}, time.Time{}); runIDs(recs) != "a" {
		t.Errorf("records %q after the timeout, want a", runIDs(recs))
	}
	if got := Open(dir).limits.LockTimeout; got != DefaultLockTimeout {
		t.Errorf("default lock timeout %v", got)
	}
	if got := Open(dir).WithLimits(Limits{}).limits; got != DefaultLimits() {
		t.Errorf("zero limits became %+v", got)
	}
}

// TestFsync counts the fsync(2) calls of Append (the file; the directory
// when the segment is new; the parent when the directory is new) and
// checks that a failing fsync is an error that leaves the segment as it
// was.
func TestFsync(t *testing.T) {
	var synced []string
	fail := false
	orig := syncFile
	syncFile = func(f *os.File) error {
		synced = append(synced, filepath.Base(f.Name()))
		if fail {
			return errors.New("injected EIO")
		}
		return orig(f)
	}
	t.Cleanup(func() { syncFile = orig })
	parent := t.TempDir()
	l := Open(filepath.Join(parent, "usage"))
	steps := []struct {
		end  time.Time
		want string
	}{
		{day, "2025-02.jsonl usage " + filepath.Base(parent)},
		{day, "2025-02.jsonl"},
		{day.AddDate(0, 1, 0), "2025-03.jsonl usage"},
	}
	for i, s := range steps {
		synced = nil
		mustAppend(t, l, rec(fmt.Sprint(i), s.end))
		if got := strings.Join(synced, " "); !sameSet(got, s.want) {
			t.Errorf("append %d synced %q, want %q", i, got, s.want)
		}
	}
	seg := filepath.Join(l.Dir(), "2025-02.jsonl")
	before, _ := os.ReadFile(seg)
	fail = true
	if err := l.Append(rec("lost", day)); err == nil || !strings.Contains(err.Error(), "injected EIO") {
		t.Errorf("Append with a failing fsync = %v", err)
	}
	fail = false
	if after, _ := os.ReadFile(seg); string(after) != string(before) {
		t.Errorf("a failed append left %q", after[len(before):])
	}
}

// sameSet compares two space-separated lists ignoring order.
func sameSet(a, b string) bool {
	x, y := strings.Fields(a), strings.Fields(b)
	if len(x) != len(y) {
		return false
	}
	count := map[string]int{}
	for _, s := range x {
		count[s]++
	}
	for _, s := range y {
		count[s]--
	}
	for _, n := range count {
		if n != 0 {
			return false
		}
	}
	return true
}

func TestRecordsContext(t *testing.T) {
	dir := t.TempDir()
	line := mustLine(t, rec("r", day)) + "\n"
	if err := os.WriteFile(filepath.Join(dir, "2025-02.jsonl"), []byte(strings.Repeat(line, 2*ctxCheckLines)), 0o600); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := Open(dir).Records(ctx, time.Time{}, time.Time{}); !errors.Is(err, context.Canceled) {
		t.Errorf("Records with a cancelled context = %v", err)
	}
	if recs, _ := read(t, Open(dir), time.Time{}, time.Time{}); len(recs) != 2*ctxCheckLines {
		t.Errorf("%d records, want %d", len(recs), 2*ctxCheckLines)
	}
}

// TestIgnoredFiles: files that are not month segments are not read.
func TestIgnoredFiles(t *testing.T) {
	dir := t.TempDir()
	mustAppend(t, Open(dir), rec("a", day))
	for _, name := range []string{"2025-02.jsonl.tmp", "2025-13.jsonl", "notes.jsonl", "2025-2.jsonl"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("garbage\n"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Mkdir(filepath.Join(dir, "2025-01.jsonl"), 0o700); err != nil {
		t.Fatal(err)
	}
	if recs, skipped := read(t, Open(dir), time.Time{}, time.Time{}); runIDs(recs) != "a" || skipped != 0 {
		t.Errorf("records %q skipped %d", runIDs(recs), skipped)
	}
}
