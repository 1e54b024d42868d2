package sessions

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofrs/flock"
)

func mustLock(t *testing.T, s *Store, id string) func() error {
	t.Helper()
	unlock, err := s.Lock(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return unlock
}

func TestLockExcludesGoroutines(t *testing.T) {
	s := newStore(t)
	var inside, maxInside, entered atomic.Int32
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			for range 5 {
				unlock, err := s.Lock(context.Background(), "s1")
				if err != nil {
					t.Error(err)
					return
				}
				n := inside.Add(1)
				for {
					m := maxInside.Load()
					if n <= m || maxInside.CompareAndSwap(m, n) {
						break
					}
				}
				entered.Add(1)
				time.Sleep(time.Millisecond)
				inside.Add(-1)
				if err := unlock(); err != nil {
					t.Error(err)
				}
			}
		})
	}
	wg.Wait()
	if maxInside.Load() != 1 || entered.Load() != 30 {
		t.Fatalf("at most %d holders at once over %d entries; want 1 over 30", maxInside.Load(), entered.Load())
	}
}

func TestLockWaitsForRelease(t *testing.T) {
	s := newStore(t)
	unlock := mustLock(t, s, "s1")
	var released atomic.Bool
	got := make(chan error, 1)
	go func() {
		u, err := s.Lock(context.Background(), "s1")
		if err == nil && !released.Load() {
			err = errors.New("acquired while the first holder still had the lock")
		}
		if err == nil {
			err = u()
		}
		got <- err
	}()
	time.Sleep(50 * time.Millisecond)
	released.Store(true)
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	select {
	case err := <-got:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("second Lock not acquired after release")
	}
	if err := unlock(); err != nil {
		t.Fatalf("second unlock call: %v", err)
	}
}

func TestLockContext(t *testing.T) {
	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"cancel while waiting", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(50*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"deadline while waiting", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 50*time.Millisecond)
		}, context.DeadlineExceeded},
		{"already cancelled", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			cancel()
			return ctx, cancel
		}, context.Canceled},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			unlock := mustLock(t, s, "s1")
			defer unlock()
			ctx, cancel := tc.ctx()
			defer cancel()
			start := time.Now()
			u, err := s.Lock(ctx, "s1")
			if !errors.Is(err, tc.want) || u != nil {
				t.Fatalf("Lock = %v, want %v and no unlock func", err, tc.want)
			}
			if d := time.Since(start); d > 2*time.Second {
				t.Fatalf("Lock returned %v after the context ended", d)
			}
		})
	}
}

func TestLockDifferentSessionsIndependent(t *testing.T) {
	s := newStore(t)
	defer mustLock(t, s, "a")()
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	unlock, err := s.Lock(ctx, "b")
	if err != nil {
		t.Fatalf("locking b while a is held: %v", err)
	}
	unlock()
}

// A lock taken on a file that was removed (and maybe recreated) between
// open(2) and flock(2) does not lock the path; stillLinked detects it so that
// acquire starts over.
func TestStillLinked(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.lock")
	fl := flock.New(path)
	if ok, err := fl.TryLock(); !ok || err != nil {
		t.Fatalf("TryLock = %v, %v", ok, err)
	}
	defer fl.Unlock()
	if same, err := stillLinked(fl, path); !same || err != nil {
		t.Fatalf("stillLinked on the locked file = %v, %v; want true", same, err)
	}
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if same, err := stillLinked(fl, path); same || err != nil {
		t.Fatalf("stillLinked after remove = %v, %v; want false", same, err)
	}
	if err := os.WriteFile(path, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if same, err := stillLinked(fl, path); same || err != nil {
		t.Fatalf("stillLinked after recreate = %v, %v; want false", same, err)
	}
	// acquire locks the new file, not the one fl still holds.
	got, err := acquire(context.Background(), path, false)
	if err != nil {
		t.Fatalf("acquire of the recreated path: %v", err)
	}
	defer got.Unlock()
	if same, _ := stillLinked(got, path); !same {
		t.Fatal("acquire returned a lock on a file path no longer names")
	}
}

func TestLockTimeoutLimit(t *testing.T) {
	tests := []struct {
		name string
		call func(s *Store) error
	}{
		{"Append", func(s *Store) error { return s.Append("s1", "m", user("x")) }},
		{"List", func(s *Store) error { _, err := s.List(); return err }},
		{"Get", func(s *Store) error { _, err := s.Get("s1"); return err }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := newStore(t)
			if s.limits.LockTimeout != 30*time.Second {
				t.Fatalf("default lock timeout %v, want 30s", s.limits.LockTimeout)
			}
			held := flock.New(s.indexLockPath())
			if err := held.Lock(); err != nil {
				t.Fatal(err)
			}
			defer held.Unlock()
			s = s.WithLimits(Limits{LockTimeout: 100 * time.Millisecond})
			start := time.Now()
			err := tc.call(s)
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("%s with the index lock held: %v, want DeadlineExceeded", tc.name, err)
			}
			if d := time.Since(start); d < 100*time.Millisecond || d > 2*time.Second {
				t.Fatalf("%s gave up after %v, want about 100ms", tc.name, d)
			}
		})
	}
}

// TestTryLock: TryLock takes a free session's lock and refuses a held one
// at once with ErrLocked.
func TestTryLock(t *testing.T) {
	s := newStore(t)
	unlock, err := s.TryLock("s1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.TryLock("s1"); !errors.Is(err, ErrLocked) {
		t.Fatalf("second TryLock = %v, want ErrLocked", err)
	}
	if err := unlock(); err != nil {
		t.Fatal(err)
	}
	unlock, err = s.TryLock("s1")
	if err != nil {
		t.Fatalf("TryLock after unlock: %v", err)
	}
	unlock()
}
