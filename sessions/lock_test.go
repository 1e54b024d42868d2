package sessions

import (
	"context"
	"errors"
	"fmt"
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

// TestLockSharedAcrossStores: two Stores of one workspace directory, one
// of them opened through a symbolic link, exclude each other in one
// process: TryLock fails, Lock waits for the release, Delete refuses.
func TestLockSharedAcrossStores(t *testing.T) {
	dir := t.TempDir()
	link := filepath.Join(t.TempDir(), "link")
	if err := os.Symlink(dir, link); err != nil {
		t.Fatal(err)
	}
	a, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b, err := Open(link)
	if err != nil {
		t.Fatal(err)
	}
	mustAppend(t, a, "s1", "m", user("x"))
	unlock := mustLock(t, a, "s1")
	if _, err := b.TryLock("s1"); !errors.Is(err, ErrLocked) {
		t.Fatalf("TryLock through the other Store: %v, want ErrLocked", err)
	}
	if err := b.Delete("s1"); !errors.Is(err, ErrLocked) {
		t.Fatalf("Delete through the other Store: %v, want ErrLocked", err)
	}
	got := make(chan error, 1)
	var released atomic.Bool
	go func() {
		u, err := b.Lock(context.Background(), "s1")
		if err == nil && !released.Load() {
			err = errors.New("acquired while the other Store held the lock")
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
	if err := <-got; err != nil {
		t.Fatal(err)
	}
}

// TestUnlockTwiceKeepsNextHolder: a second call of an unlock function
// does not release the lock a later Lock took.
func TestUnlockTwiceKeepsNextHolder(t *testing.T) {
	s := newStore(t)
	first := mustLock(t, s, "s1")
	if err := first(); err != nil {
		t.Fatal(err)
	}
	second := mustLock(t, s, "s1")
	defer second()
	if err := first(); err != nil {
		t.Fatalf("second call of the first unlock: %v", err)
	}
	if _, err := s.TryLock("s1"); !errors.Is(err, ErrLocked) {
		t.Fatalf("TryLock after the first unlock was called again: %v, want ErrLocked", err)
	}
}

// openFDs returns how many descriptors the process has open.
func openFDs(t *testing.T) int {
	t.Helper()
	entries, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Fatal(err)
	}
	return len(entries) - 1 // the one ReadDir read them through
}

// TestLocksShareOneDescriptor: a thousand session locks of a workspace,
// through two Stores, cost the process one descriptor and no file per
// session; the descriptor is closed with the last unlock.
func TestLocksShareOneDescriptor(t *testing.T) {
	const n = 1000
	dir := t.TempDir()
	a, err := Open(dir)
	if err != nil {
		t.Fatal(err)
	}
	b := a.WithLimits(Limits{})
	before := openFDs(t)
	unlocks := make([]func() error, 0, n)
	for i := range n {
		s := a
		if i%2 == 1 {
			s = b
		}
		u, err := s.TryLock(fmt.Sprintf("s%d", i))
		if err != nil {
			t.Fatal(err)
		}
		unlocks = append(unlocks, u)
	}
	if got := openFDs(t); got > before+1 {
		t.Fatalf("%d sessions locked: %d descriptors more, want at most 1", n, got-before)
	}
	if entries, _ := os.ReadDir(a.sessionsDir()); len(entries) != 0 {
		t.Fatalf("locks left %d files in sessions/", len(entries))
	}
	for _, u := range unlocks {
		if err := u(); err != nil {
			t.Fatal(err)
		}
	}
	if got := openFDs(t); got != before {
		t.Fatalf("all unlocked: %d descriptors more, want 0", got-before)
	}
}

// TestLockOffset: the byte of a session is the same in every process
// (fixed values), within 62 bits, and differs between ids.
func TestLockOffset(t *testing.T) {
	seen := map[int64]string{}
	for i := range 10000 {
		id := fmt.Sprintf("session-%d", i)
		off := lockOffset(id)
		if off < 0 || off >= 1<<62 {
			t.Fatalf("%s: offset %d outside [0, 2^62)", id, off)
		}
		if other, ok := seen[off]; ok {
			t.Fatalf("%s and %s share byte %d", id, other, off)
		}
		seen[off] = id
	}
	// SHA-256("s1") begins e8bc163c82eee187 (printf s1 | sha256sum); its
	// top two bits are cleared.
	if got, want := lockOffset("s1"), int64(0x28bc163c82eee187); got != want {
		t.Fatalf("lockOffset(s1) = %#x, want %#x", got, want)
	}
}
