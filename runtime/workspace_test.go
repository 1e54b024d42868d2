package runtime

import (
	"errors"
	"github.com/bulkhead-dev/bulkhead/providers"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/memory"
	"github.com/gofrs/flock"
)

func TestWorkspaceLifecycle(t *testing.T) {
	p := newTestPlatform(t)
	ws, err := p.CreateWorkspace("acme", WorkspaceConfig{Model: "m", MaxTurns: 7})
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(ws.FilesDir()); err != nil || !fi.IsDir() {
		t.Fatalf("files dir: %v", err)
	}
	if _, err := p.CreateWorkspace("acme", WorkspaceConfig{}); !errors.Is(err, ErrWorkspaceExists) {
		t.Fatalf("second create: %v", err)
	}
	p.CreateWorkspace("beta", WorkspaceConfig{})
	got, err := p.Workspaces()
	if err != nil || !slices.Equal(got, []string{"acme", "beta"}) {
		t.Fatalf("Workspaces = %v, %v", got, err)
	}
	again, err := p.Workspace("acme")
	if err != nil || again.Config().Model != "m" || again.Config().MaxTurns != 7 || again.Config().Created.IsZero() {
		t.Fatalf("reopen: %+v, %v", again.Config(), err)
	}
	raw, _ := os.ReadFile(filepath.Join(ws.Dir(), "config.json"))
	if !strings.Contains(string(raw), `"model": "m"`) {
		t.Fatalf("config.json = %s", raw)
	}
	// Delete removes every file of the workspace, and only that workspace.
	writeFile(t, filepath.Join(ws.FilesDir(), "deep", "file.txt"), "x")
	if err := ws.Sessions().Append("s1", "m", chat.UserText("hi")); err != nil {
		t.Fatal(err)
	}
	if err := p.DeleteWorkspace("acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(ws.Dir()); !os.IsNotExist(err) {
		t.Fatalf("workspace dir still exists: %v", err)
	}
	entries, _ := os.ReadDir(filepath.Join(p.StateDir(), "workspaces"))
	if len(entries) != 1 || entries[0].Name() != "beta" {
		t.Fatalf("left in workspaces/: %v", entries)
	}
	if _, err := p.Workspace("acme"); !errors.Is(err, ErrWorkspaceNotFound) {
		t.Fatalf("open deleted: %v", err)
	}
	if err := p.DeleteWorkspace("acme"); !errors.Is(err, ErrWorkspaceNotFound) {
		t.Fatalf("delete twice: %v", err)
	}
}

func TestWorkspaceInvalidIDs(t *testing.T) {
	p := newTestPlatform(t)
	for _, id := range []string{"", ".", "..", "../x", "a/b", ".hidden", strings.Repeat("a", 129)} {
		if _, err := p.CreateWorkspace(id, WorkspaceConfig{}); err == nil {
			t.Errorf("CreateWorkspace(%q) succeeded", id)
		}
		if _, err := p.Workspace(id); err == nil || errors.Is(err, ErrWorkspaceNotFound) {
			t.Errorf("Workspace(%q) = %v, want an invalid id error", id, err)
		}
		if err := p.DeleteWorkspace(id); err == nil {
			t.Errorf("DeleteWorkspace(%q) succeeded", id)
		}
	}
	entries, _ := os.ReadDir(filepath.Join(p.StateDir(), "workspaces"))
	if len(entries) != 0 {
		t.Fatalf("created: %v", entries)
	}
}

// TestWorkspaceConfigRefused: an unknown embedding provider, or a model
// without one, is refused at creation, naming the field, and leaves no
// workspace behind.
func TestWorkspaceConfigRefused(t *testing.T) {
	p := newTestPlatform(t)
	for _, c := range []struct {
		cfg  WorkspaceConfig
		want string
	}{
		{WorkspaceConfig{EmbeddingProvider: "openia"}, `create workspace w: invalid workspace config: embedding provider "openia": want one of openai, gemini, voyage, mistral, ollama`},
		{WorkspaceConfig{EmbeddingModel: "mistral-embed"}, `create workspace w: invalid workspace config: embedding model "mistral-embed" needs an embedding provider`},
		{WorkspaceConfig{Provider: "antropic"}, `create workspace w: invalid workspace config: provider "antropic": want one of ` + strings.Join(providers.Names(), ", ")},
		{WorkspaceConfig{MaxTurns: -1}, `create workspace w: invalid workspace config: max turns -1 must not be negative`},
		{WorkspaceConfig{ToolTimeout: -1}, `create workspace w: invalid workspace config: tool timeout -1ns must not be negative`},
		{WorkspaceConfig{JailLimits: JailLimits{Memory: 1 << 20}}, `create workspace w: invalid workspace config: memory 1048576 bytes is below the jail's minimum of 16 MiB`},
		{WorkspaceConfig{JailLimits: JailLimits{MaxBashTimeout: Duration(time.Hour)}}, `create workspace w: invalid workspace config: max bash timeout 1h0m0s is above 30m0s`},
		{WorkspaceConfig{DiskQuota: 1000}, `create workspace w: invalid workspace config: disk quota 1000 bytes: want 16 MiB to 16 TiB`},
		{WorkspaceConfig{Mounts: []Mount{{Source: "/etc/shadow", Target: "/x", ReadOnly: true}}}, `protected path /etc/shadow`},
	} {
		cfg, want := c.cfg, c.want
		if _, err := p.CreateWorkspace("w", cfg); !errors.Is(err, ErrInvalidConfig) || !strings.Contains(err.Error(), want) {
			t.Errorf("CreateWorkspace(%+v) = %v\nwant %s", cfg, err, want)
		}
	}
	if entries, _ := os.ReadDir(filepath.Join(p.StateDir(), "workspaces")); len(entries) != 0 {
		t.Fatalf("created: %v", entries)
	}
	ws, err := p.CreateWorkspace("w", WorkspaceConfig{EmbeddingProvider: "ollama", EmbeddingModel: "nomic-embed-text"})
	if err != nil {
		t.Fatal(err)
	}
	// SetConfig validates the same way and leaves config.json alone.
	before := readFile(t, filepath.Join(ws.Dir(), "config.json"))
	if err := ws.SetConfig(WorkspaceConfig{MaxTurns: -5}); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("SetConfig(negative max turns) = %v", err)
	}
	if after := readFile(t, filepath.Join(ws.Dir(), "config.json")); after != before {
		t.Fatalf("a refused SetConfig changed config.json:\n%s", after)
	}
	if err := ws.SetConfig(WorkspaceConfig{Provider: "openai", MaxTurns: 7}); err != nil {
		t.Fatal(err)
	}
	again, err := p.Workspace("w")
	if err != nil {
		t.Fatal(err)
	}
	if c := again.Config(); c.Provider != "openai" || c.MaxTurns != 7 || !c.Created.Equal(ws.Config().Created) || c.Created.IsZero() {
		t.Fatalf("config after SetConfig: %+v", c)
	}
}

func TestTenantsAreSeparate(t *testing.T) {
	p := newTestPlatform(t)
	a, _ := p.CreateWorkspace("a", WorkspaceConfig{})
	b, _ := p.CreateWorkspace("b", WorkspaceConfig{})
	a.Sessions().Append("shared-name", "m", chat.UserText("a's secret"))
	if msgs, _, err := b.Sessions().Load("shared-name"); err != nil || len(msgs) != 0 {
		t.Fatalf("b sees a's session: %v, %v", msgs, err)
	}
	if a.FilesDir() == b.FilesDir() {
		t.Fatal("workspaces share a files directory")
	}
}

func TestDefaultStateDir(t *testing.T) {
	t.Setenv("BULKHEAD_STATE_DIR", "/x/state")
	if d, _ := DefaultStateDir(); d != "/x/state" {
		t.Errorf("with BULKHEAD_STATE_DIR: %q", d)
	}
	t.Setenv("BULKHEAD_STATE_DIR", "")
	t.Setenv("XDG_STATE_HOME", "/xdg")
	if d, _ := DefaultStateDir(); d != "/xdg/bulkhead" {
		t.Errorf("with XDG_STATE_HOME: %q", d)
	}
	t.Setenv("XDG_STATE_HOME", "")
	t.Setenv("HOME", "/home/u")
	if d, _ := DefaultStateDir(); d != "/home/u/.local/state/bulkhead" {
		t.Errorf("from HOME: %q", d)
	}
}

func TestSingleUserRuntime(t *testing.T) {
	r, err := New(Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if r.Default().ID() != DefaultWorkspaceID {
		t.Fatalf("default workspace = %q", r.Default().ID())
	}
	res, err := r.Run(bg, RunRequest{Message: "hi", LLM: &scriptLLM{turns: []chat.Message{textTurn("hello")}}})
	if err != nil || res.Response != "hello" {
		t.Fatalf("Run = %+v, %v", res, err)
	}
	// A second Runtime on the same state directory reuses the workspace.
	r2, err := New(Options{StateDir: r.StateDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer r2.Close()
	if infos, _ := r2.Default().Sessions().List(); len(infos) != 1 {
		t.Fatalf("sessions = %+v", infos)
	}
}

// TestDeleteRacingMemoryUsers: deleting and re-creating a workspace while
// other goroutines keep opening it and its memory, as the memory commands
// do, never leaves a directory without config.json behind (which would
// make the id neither creatable nor deletable); a delete either succeeds
// or reports the workspace busy.
func TestDeleteRacingMemoryUsers(t *testing.T) {
	p := newTestPlatform(t)
	newTestWorkspace(t, p, "x")
	stop := make(chan struct{})
	var users sync.WaitGroup
	// One user marks the workspace in use, as the memory commands do; one
	// does not, as a library caller may not: neither may recreate it.
	for _, acquire := range []bool{true, false} {
		users.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				ws, err := p.Workspace("x")
				if err != nil {
					continue
				}
				release := func() {}
				if acquire {
					if release, err = ws.Acquire(); err != nil {
						continue
					}
				}
				if st, err := memory.Open(ws.layout().memoryDB(), memory.Options{}); err == nil {
					st.List(bg, memory.ListOptions{})
					st.Close()
				}
				release()
				time.Sleep(time.Millisecond)
			}
		})
	}
	deleted := 0
	for deadline := time.Now().Add(10 * time.Second); deleted < 100 && time.Now().Before(deadline); {
		err := p.DeleteWorkspace("x")
		if errors.Is(err, ErrWorkspaceBusy) {
			time.Sleep(100 * time.Microsecond)
			continue
		}
		if err != nil {
			t.Fatalf("delete: %v", err)
		}
		deleted++
		time.Sleep(100 * time.Microsecond) // the users find it gone
		if _, err := p.CreateWorkspace("x", WorkspaceConfig{}); err != nil {
			t.Fatalf("create after delete %d: %v", deleted, err)
		}
	}
	close(stop)
	users.Wait()
	if deleted < 20 {
		t.Fatalf("%d deletes got through in 10 s; the test raced too little", deleted)
	}
}

// TestDeleteDebris: a workspace directory without config.json, which no
// creation leaves, is deleted, freeing the id.
func TestDeleteDebris(t *testing.T) {
	p := newTestPlatform(t)
	if err := os.MkdirAll(filepath.Join(p.StateDir(), "workspaces", "x", "memory"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := p.DeleteWorkspace("x"); err != nil {
		t.Fatal(err)
	}
	if _, err := p.CreateWorkspace("x", WorkspaceConfig{}); err != nil {
		t.Fatal(err)
	}
}

// TestAcquireKeepsDeleteOut: while anyone holds a workspace (Acquire, in
// this process through any Workspace value, or another process's shared
// lock), DeleteWorkspace fails with ErrWorkspaceBusy and deletes nothing;
// a release called twice releases once; while another process deletes
// it (its exclusive lock), Acquire fails. Another process is modelled by
// locks on open files of the test's own: flock(2) locks conflict between
// open file descriptions, whichever process holds them.
func TestAcquireKeepsDeleteOut(t *testing.T) {
	p := newTestPlatform(t)
	ws := newTestWorkspace(t, p, "x")
	same, err := p.Workspace("x")
	if err != nil {
		t.Fatal(err)
	}
	mustAcquire := func(w *Workspace) func() {
		t.Helper()
		release, err := w.Acquire()
		if err != nil {
			t.Fatal(err)
		}
		return release
	}
	busy := func(when string) {
		t.Helper()
		if err := p.DeleteWorkspace("x"); !errors.Is(err, ErrWorkspaceBusy) {
			t.Fatalf("delete %s: %v, want ErrWorkspaceBusy", when, err)
		}
		if _, err := os.Stat(filepath.Join(ws.Dir(), "config.json")); err != nil {
			t.Fatalf("delete %s removed the workspace: %v", when, err)
		}
	}
	lockPath := filepath.Join(ws.Dir(), runsLockName)

	first, second := mustAcquire(ws), mustAcquire(same)
	busy("while two holders hold it")
	first()
	first()
	busy("while the second holder holds it")
	second()

	other := flock.New(lockPath)
	if ok, err := other.TryRLock(); !ok || err != nil {
		t.Fatalf("another process's shared lock: %v, %v", ok, err)
	}
	busy("while another process holds it")
	third := mustAcquire(ws) // shared with the other process
	other.Unlock()
	busy("while this process still holds it")
	third()

	deleter := flock.New(lockPath)
	if ok, err := deleter.TryLock(); !ok || err != nil {
		t.Fatalf("another process's exclusive lock: %v, %v", ok, err)
	}
	if release, err := ws.Acquire(); err == nil {
		release()
		t.Fatal("Acquire succeeded while another process deletes the workspace")
	}
	deleter.Unlock()
	mustAcquire(ws)()

	if err := p.DeleteWorkspace("x"); err != nil {
		t.Fatalf("delete once released: %v", err)
	}
	if release, err := ws.Acquire(); err == nil {
		release()
		t.Fatal("Acquire of a deleted workspace succeeded")
	}
}
