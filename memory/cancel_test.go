package memory

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

// TestStoreBatchCancelled: a StoreBatch whose context is cancelled while
// the batch is being written (here in an endless trigger on its third
// memory, which SQLite interrupts) fails with an error wrapping
// context.Canceled, and writes none of the batch.
func TestStoreBatchCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var timer *time.Timer
	s := openTest(t, Options{Now: func() time.Time {
		// Called once the write transaction has begun.
		if timer == nil {
			timer = time.AfterFunc(50*time.Millisecond, cancel)
		}
		return time.Now()
	}})
	before := storeTexts(t, s, "stored before")
	timer.Stop()
	timer = nil
	if _, err := s.db.Exec(`CREATE TRIGGER endless AFTER INSERT ON memories WHEN NEW.text = 'endless' BEGIN
		SELECT max(x) FROM (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT x FROM c);
	END`); err != nil {
		t.Fatal(err)
	}
	_, err := s.StoreBatch(ctx, []NewMemory{{Text: "first"}, {Text: "second"}, {Text: "endless"}, {Text: "fourth"}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("StoreBatch cancelled mid-batch: %v; want an error wrapping context.Canceled", err)
	}
	ms, err := s.List(context.Background(), ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []int64
	for _, m := range ms {
		got = append(got, m.ID)
	}
	if !slices.Equal(got, before) {
		t.Errorf("memories after the cancelled batch: ids %v, want %v", got, before)
	}
	var fts int
	if err := s.db.QueryRow(`SELECT count(*) FROM memories_fts WHERE memories_fts MATCH 'first OR second OR fourth'`).Scan(&fts); err != nil || fts != 0 {
		t.Errorf("full-text rows of the cancelled batch: %d, %v; want none", fts, err)
	}
}
