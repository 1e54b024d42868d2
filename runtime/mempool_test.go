package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/memory"
	"github.com/bulkhead-dev/bulkhead/memory/embedding"
	"github.com/ncruces/go-sqlite3/driver"
)

// openMemoryIDs returns the workspaces whose memory stores p holds open.
func openMemoryIDs(p *Platform) []string {
	p.mem.mu.Lock()
	defer p.mem.mu.Unlock()
	var ids []string
	for id := range p.mem.open {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// TestIdleMemoriesClosed: beyond MaxIdleMemories released stores the
// least recently released is closed; a store in use never is, however
// many others come and go; releasing twice counts once; a closed store
// reopens with its memories.
func TestIdleMemoriesClosed(t *testing.T) {
	p, err := NewPlatform(Options{StateDir: t.TempDir(), MaxIdleMemories: 2})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	use := func(id string) *memory.Store {
		t.Helper()
		ws, err := p.Workspace(id)
		if errors.Is(err, ErrWorkspaceNotFound) {
			ws, err = p.CreateWorkspace(id, WorkspaceConfig{})
		}
		if err != nil {
			t.Fatal(err)
		}
		st, release, err := ws.Memory()
		if err != nil {
			t.Fatal(err)
		}
		defer release()
		if _, err := st.Store(bg, memory.NewMemory{Text: "fact of " + id}); err != nil {
			t.Fatal(err)
		}
		return st
	}
	a := use("a")
	use("b")
	use("c")
	if got := openMemoryIDs(p); !slices.Equal(got, []string{"b", "c"}) {
		t.Fatalf("open after a, b, c with 2 idle allowed: %v, want [b c]", got)
	}
	if _, err := a.List(bg, memory.ListOptions{}); !errors.Is(err, memory.ErrClosed) {
		t.Errorf("a's evicted store: %v, want ErrClosed", err)
	}
	if ms, err := use("a").List(bg, memory.ListOptions{}); err != nil || len(ms) != 2 {
		t.Errorf("a reopened: %d memories, %v; want 2", len(ms), err)
	}

	held, _ := p.Workspace("b")
	st, release, err := held.Memory()
	if err != nil {
		t.Fatal(err)
	}
	_, releaseAgain, err := held.Memory()
	if err != nil {
		t.Fatal(err)
	}
	releaseAgain()
	releaseAgain() // a second call does nothing: b still has a user
	for i := range 5 {
		use(fmt.Sprintf("other%d", i))
	}
	if got := openMemoryIDs(p); !slices.Contains(got, "b") || len(got) != 3 {
		t.Errorf("open: %v, want b (in use) and 2 idle", got)
	}
	if _, err := st.Store(bg, memory.NewMemory{Text: "still open"}); err != nil {
		t.Errorf("the store in use: %v", err)
	}
	release()
}

// TestMemoryPoolConcurrent: runs of many workspaces taking and releasing
// their stores at once, with room for one idle store, never find a store
// closed under them.
func TestMemoryPoolConcurrent(t *testing.T) {
	p, err := NewPlatform(Options{StateDir: t.TempDir(), MaxIdleMemories: 1})
	if err != nil {
		t.Fatal(err)
	}
	defer p.Close()
	var wss []*Workspace
	for i := range 5 {
		wss = append(wss, newTestWorkspace(t, p, fmt.Sprintf("w%d", i)))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 25 {
				st, release, err := wss[(g+i)%len(wss)].Memory()
				if err != nil {
					t.Error(err)
					return
				}
				_, err = st.Search(bg, "fact", memory.SearchOptions{})
				if err == nil {
					_, err = st.Store(bg, memory.NewMemory{Text: fmt.Sprintf("fact %d of %d", i, g)})
				}
				release()
				if err != nil {
					t.Errorf("a store in use failed: %v", err)
					return
				}
			}
		})
	}
	wg.Wait()
	if got := openMemoryIDs(p); len(got) > 1 {
		t.Errorf("open after all released: %v, want at most 1", got)
	}
}

// TestDeleteNeverPoolsTheOldStore: a workspace deleted while Memory is
// being called for it, then created again with the same id, starts with
// an empty memory: no store of the removed directory is put back in the
// pool and handed to the new tenant.
func TestDeleteNeverPoolsTheOldStore(t *testing.T) {
	p := newTestPlatform(t)
	for round := range 40 {
		ws := newTestWorkspace(t, p, "tenant")
		st, release, err := ws.Memory()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := st.Store(bg, memory.NewMemory{Text: "old tenant marker"}); err != nil {
			t.Fatal(err)
		}
		release()
		var racer sync.WaitGroup
		deleted := make(chan struct{})
		racer.Go(func() {
			for {
				if _, release, err := ws.Memory(); err == nil {
					release()
				}
				select {
				case <-deleted:
					return
				default:
				}
			}
		})
		for err = p.DeleteWorkspace("tenant"); errors.Is(err, ErrWorkspaceBusy); err = p.DeleteWorkspace("tenant") {
			// a racer's Memory holds the workspace in use
		}
		close(deleted)
		racer.Wait()
		if err != nil {
			t.Fatal(err)
		}
		fresh := newTestWorkspace(t, p, "tenant")
		st, release, err = fresh.Memory()
		if err != nil {
			t.Fatal(err)
		}
		ms, err := st.List(bg, memory.ListOptions{})
		release()
		if err != nil || len(ms) != 0 {
			t.Fatalf("round %d: the new tenant sees %d memories (%v)", round, len(ms), err)
		}
		if err := p.DeleteWorkspace("tenant"); err != nil {
			t.Fatal(err)
		}
	}
}

// TestMemoryAfterClose: Memory fails once the platform is closed, rather
// than open a store no one would close.
func TestMemoryAfterClose(t *testing.T) {
	p, err := NewPlatform(Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	ws := newTestWorkspace(t, p, "a")
	p.Close()
	if _, _, err := ws.Memory(); !errors.Is(err, ErrClosed) {
		t.Fatalf("Memory after Close: %v", err)
	}
}

// TestPooledStoreOfAnotherProcessesDelete: a workspace deleted and
// re-created by another platform (another process) on the same state
// directory starts empty here too: the pooled store of the old, removed
// database file is not handed out.
func TestPooledStoreOfAnotherProcessesDelete(t *testing.T) {
	state := t.TempDir()
	p1, err := NewPlatform(Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	defer p1.Close()
	p2, err := NewPlatform(Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	defer p2.Close()
	ws := newTestWorkspace(t, p1, "t1")
	st, release, err := ws.Memory()
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Store(bg, memory.NewMemory{Text: "old tenant secret"}); err != nil {
		t.Fatal(err)
	}
	release() // idle in p1's pool
	if err := p2.DeleteWorkspace("t1"); err != nil {
		t.Fatal(err)
	}
	newTestWorkspace(t, p2, "t1")
	again, err := p1.Workspace("t1")
	if err != nil {
		t.Fatal(err)
	}
	st, release, err = again.Memory()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if ms, err := st.List(bg, memory.ListOptions{}); err != nil || len(ms) != 0 {
		t.Fatalf("the re-created workspace sees %d memories (%v)", len(ms), err)
	}
	if _, err := st.Store(bg, memory.NewMemory{Text: "new tenant fact"}); err != nil {
		t.Fatal(err)
	}
	other, _ := p2.Workspace("t1")
	st2, release2, err := other.Memory()
	if err != nil {
		t.Fatal(err)
	}
	defer release2()
	if ms, _ := st2.List(bg, memory.ListOptions{}); len(ms) != 1 {
		t.Errorf("the other platform sees %d memories of the new tenant, want 1", len(ms))
	}
}

// TestSlowOpenDelaysOnlyItsWorkspace: while one workspace's store cannot
// open (its database locked by another connection), other workspaces get
// and release theirs.
func TestSlowOpenDelaysOnlyItsWorkspace(t *testing.T) {
	p := newTestPlatform(t)
	slow, fast := newTestWorkspace(t, p, "slow"), newTestWorkspace(t, p, "fast")
	_, release, err := slow.Memory()
	if err != nil {
		t.Fatal(err)
	}
	release()
	if err := p.closeMemory("slow"); err != nil {
		t.Fatal(err)
	}
	unlock := lockExclusively(t, slow.layout().memoryDB())
	opened := make(chan error, 1)
	go func() {
		_, release, err := slow.Memory()
		if err == nil {
			release()
		}
		opened <- err
	}()
	time.Sleep(100 * time.Millisecond) // the slow open is under way
	done := make(chan struct{})
	go func() {
		_, release, err := fast.Memory()
		if err == nil {
			release()
		}
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Error("another workspace's Memory waited for the slow open")
	}
	select {
	case err := <-opened:
		t.Fatalf("the slow open did not wait for the lock (%v); the test checks nothing", err)
	default:
	}
	unlock()
	if err := <-opened; err != nil {
		t.Errorf("the slow open: %v", err)
	}
}

// lockExclusively holds the SQLite database at path in exclusive locking
// mode (https://sqlite.org/pragma.html#pragma_locking_mode), so that no
// other connection can open it, until unlock.
func lockExclusively(t *testing.T, path string) (unlock func()) {
	t.Helper()
	db, err := driver.Open("file:" + path)
	if err != nil {
		t.Fatal(err)
	}
	db.SetMaxOpenConns(1)
	for _, q := range []string{`PRAGMA locking_mode = EXCLUSIVE`, `BEGIN EXCLUSIVE`, `COMMIT`} {
		if _, err := db.Exec(q); err != nil {
			db.Close()
			t.Fatalf("%s: %v", q, err)
		}
	}
	return func() { db.Close() }
}

// TestHeldMemoryKeepsOtherProcessesOut: while one platform holds a
// workspace's store, another platform (process) cannot delete the
// workspace.
func TestHeldMemoryKeepsOtherProcessesOut(t *testing.T) {
	state := t.TempDir()
	p1, p2 := newPlatformAt(t, state), newPlatformAt(t, state)
	ws := newTestWorkspace(t, p1, "t1")
	_, release, err := ws.Memory()
	if err != nil {
		t.Fatal(err)
	}
	if err := p2.DeleteWorkspace("t1"); !errors.Is(err, ErrWorkspaceBusy) {
		t.Errorf("delete by another platform while the store is held: %v, want ErrWorkspaceBusy", err)
	}
	release()
	if err := p2.DeleteWorkspace("t1"); err != nil {
		t.Errorf("delete after release: %v", err)
	}
}

// TestStaleStoreInUseClosedWithPlatform: a store still in use when its
// file is replaced behind the platform's back (here by hand) leaves the
// pool, is not handed out again, and is closed by Platform.Close.
func TestStaleStoreInUseClosedWithPlatform(t *testing.T) {
	state := t.TempDir()
	p := newPlatformAt(t, state)
	ws := newTestWorkspace(t, p, "t1")
	held, release, err := ws.Memory()
	if err != nil {
		t.Fatal(err)
	}
	defer release()
	if err := os.Rename(ws.Dir(), filepath.Join(state, "elsewhere")); err != nil {
		t.Fatal(err)
	}
	again := newTestWorkspace(t, p, "t1")
	st, release2, err := again.Memory()
	if err != nil {
		t.Fatal(err)
	}
	if st == held {
		t.Fatal("the stale store was handed out again")
	}
	release2()
	p.Close()
	if _, err := held.Store(bg, memory.NewMemory{Text: "late write"}); !errors.Is(err, memory.ErrClosed) {
		t.Errorf("the stale store after Platform.Close: %v, want ErrClosed", err)
	}
}

// newPlatformAt returns a platform on state, closed when the test ends.
func newPlatformAt(t *testing.T, state string) *Platform {
	t.Helper()
	p, err := NewPlatform(Options{StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { p.Close() })
	return p
}

// TestOpenMemory: OpenMemory opens the workspace's database for its caller
// alone: not the pooled store, and not kept once released; what it stores
// the runs' store finds; it embeds with the embedder given (the workspace
// has none); while it is held the workspace cannot be deleted; its
// release closes it and frees the workspace.
func TestOpenMemory(t *testing.T) {
	p := newTestPlatform(t)
	ws := newTestWorkspace(t, p, "a")
	own := &recordingEmbedder{}
	st, done, err := ws.OpenMemory(MemoryOptions{Embedder: own, DisableBackfill: true})
	if err != nil {
		t.Fatal(err)
	}
	shared, release, err := ws.Memory()
	if err != nil {
		t.Fatal(err)
	}
	if st == shared || st.Path() != shared.Path() {
		t.Fatalf("OpenMemory gave %p at %s, Memory %p at %s: want another store of the same file", st, st.Path(), shared, shared.Path())
	}
	if _, err := st.Store(bg, memory.NewMemory{Text: "stored by the command line"}); err != nil {
		t.Fatal(err)
	}
	if ms, err := shared.List(bg, memory.ListOptions{}); err != nil || len(ms) != 1 {
		t.Errorf("the shared store lists %d memories (%v), want 1", len(ms), err)
	}
	release()
	if got := own.seen(); !slices.Contains(got, "stored by the command line") {
		t.Errorf("the embedder given saw %q", got)
	}
	if err := p.DeleteWorkspace("a"); !errors.Is(err, ErrWorkspaceBusy) {
		t.Errorf("delete while OpenMemory's store is held: %v, want ErrWorkspaceBusy", err)
	}
	done()
	done() // a second call does nothing
	if _, err := st.List(bg, memory.ListOptions{}); !errors.Is(err, memory.ErrClosed) {
		t.Errorf("the store after its release: %v, want ErrClosed", err)
	}
	if got := openMemoryIDs(p); !slices.Equal(got, []string{"a"}) {
		t.Errorf("pooled stores %v, want only the shared one of a", got)
	}
	if err := p.DeleteWorkspace("a"); err != nil {
		t.Errorf("delete after release: %v", err)
	}
}

// TestOpenMemoryClosedByPlatform: a store of OpenMemory still in use is
// closed when its workspace's stores are closed for a delete and when the
// platform closes; OpenMemory fails after Close.
func TestOpenMemoryClosedByPlatform(t *testing.T) {
	p := newPlatformAt(t, t.TempDir())
	ws := newTestWorkspace(t, p, "a")
	st, done, err := ws.OpenMemory(MemoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.closeMemory("a"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.List(bg, memory.ListOptions{}); !errors.Is(err, memory.ErrClosed) {
		t.Errorf("after the workspace's stores were closed: %v, want ErrClosed", err)
	}
	done()
	st, done, err = ws.OpenMemory(MemoryOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer done()
	p.Close()
	if _, err := st.List(bg, memory.ListOptions{}); !errors.Is(err, memory.ErrClosed) {
		t.Errorf("after Platform.Close: %v, want ErrClosed", err)
	}
	if _, _, err := ws.OpenMemory(MemoryOptions{}); !errors.Is(err, ErrClosed) {
		t.Errorf("OpenMemory after Close: %v, want ErrClosed", err)
	}
}

// recordingEmbedder is an embedding.Embedder that records the texts it
// embeds, each as a 4-dimensional vector of its bytes' sums.
type recordingEmbedder struct {
	mu    sync.Mutex
	texts []string
}

func (e *recordingEmbedder) Model() string { return "test/recording" }
func (e *recordingEmbedder) MaxBatch() int { return 16 }

func (e *recordingEmbedder) Embed(_ context.Context, texts []string, _ embedding.Kind) ([][]float32, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.texts = append(e.texts, texts...)
	out := make([][]float32, len(texts))
	for i, t := range texts {
		v := make([]float32, 4)
		for j := range len(t) {
			v[j%4] += float32(t[j])
		}
		out[i] = v
	}
	return out, nil
}

func (e *recordingEmbedder) seen() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return slices.Clone(e.texts)
}
