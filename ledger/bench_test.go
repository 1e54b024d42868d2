package ledger

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// BenchmarkAppend appends one record per op, fsync included, to a
// segment on the test's temporary directory.
func BenchmarkAppend(b *testing.B) {
	l := Open(b.TempDir())
	r := rec("r", day)
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Append(r); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRecords100k reads back 100,000 records spread over two month
// segments: one op is one whole Records call.
func BenchmarkRecords100k(b *testing.B) {
	dir := b.TempDir()
	const rows = 100_000
	var segs [2]strings.Builder
	for i := range rows {
		r := rec(fmt.Sprint("run-", i), day.AddDate(0, i%2, 0))
		segs[i%2].WriteString(mustLine(b, r) + "\n")
	}
	for i, name := range []string{"2025-02.jsonl", "2025-03.jsonl"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(segs[i].String()), 0o600); err != nil {
			b.Fatal(err)
		}
	}
	l := Open(dir)
	b.ReportAllocs()
	for b.Loop() {
		recs, _, err := l.Records(context.Background(), time.Time{}, time.Time{})
		if err != nil || len(recs) != rows {
			b.Fatalf("%d records, %v", len(recs), err)
		}
	}
}
