package runtime

import (
	"context"
	"errors"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/internal/fakellm"
)

// sleepRun starts a run whose model asks bash to sleep and returns the
// run's outcome channel once the jailed sleep is running.
func sleepRun(t *testing.T, p *Platform, marker string) chan error {
	t.Helper()
	ws := newTestWorkspace(t, p, "w")
	bash := fakellm.ToolCall{Name: "bash", Input: map[string]any{"command": "sleep 20; echo " + marker}}
	srv := fakellm.New(fakellm.Step{ToolCalls: []fakellm.ToolCall{bash}}, fakellm.Step{Text: "slept"})
	t.Cleanup(srv.Close)
	done := make(chan error, 1)
	go func() {
		_, err := ws.Run(bg, anthropicRequest(srv, "sleep"))
		done <- err
	}()
	for deadline := time.Now().Add(20 * time.Second); !processRunning(marker); {
		if time.Now().After(deadline) {
			t.Fatal("the jailed sleep did not start")
		}
		time.Sleep(20 * time.Millisecond)
	}
	return done
}

// processRunning reports whether a host process has marker in its
// command line.
func processRunning(marker string) bool {
	out, _ := exec.Command("pgrep", "-f", marker).Output()
	return strings.TrimSpace(string(out)) != ""
}

// TestCloseStopsRuns: Close stops a run whose jail sleeps (its error
// wraps ErrClosed, the jail's processes are gone, well before the sleep
// would end) and every later call fails with ErrClosed.
func TestCloseStopsRuns(t *testing.T) {
	p, err := NewPlatform(Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	marker := "close-stops-" + t.Name()
	done := sleepRun(t, p, marker)
	start := time.Now()
	if err := p.Close(); err != nil {
		t.Fatal(err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Fatalf("run error %v, want ErrClosed", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("Close took %v", d)
	}
	if processRunning(marker) {
		t.Error("the jailed sleep outlived Close")
	}
	if _, err := p.CreateWorkspace("v", WorkspaceConfig{}); !errors.Is(err, ErrClosed) {
		t.Errorf("CreateWorkspace after Close: %v", err)
	}
	if _, err := p.Workspace("w"); !errors.Is(err, ErrClosed) {
		t.Errorf("Workspace after Close: %v", err)
	}
	if err := p.DeleteWorkspace("w"); !errors.Is(err, ErrClosed) {
		t.Errorf("DeleteWorkspace after Close: %v", err)
	}
	if err := p.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// TestShutdownWaits: Shutdown refuses new runs at once and waits for the
// runs in progress; when its context ends first, it stops them.
func TestShutdownWaits(t *testing.T) {
	p, err := NewPlatform(Options{StateDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	marker := "shutdown-waits-" + t.Name()
	done := sleepRun(t, p, marker)
	ctx, cancel := context.WithTimeout(bg, 500*time.Millisecond)
	defer cancel()
	shut := make(chan error, 1)
	go func() { shut <- p.Shutdown(ctx) }()
	time.Sleep(100 * time.Millisecond)
	ws := &Workspace{p: p, id: "w"}
	if _, err := ws.Run(bg, RunRequest{Message: "x", LLM: unusedLLM{}}); !errors.Is(err, ErrClosed) {
		t.Errorf("a run during Shutdown: %v, want ErrClosed", err)
	}
	if err := <-shut; !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown = %v, want its deadline", err)
	}
	if err := <-done; !errors.Is(err, ErrClosed) {
		t.Errorf("run error %v, want ErrClosed", err)
	}
	if processRunning(marker) {
		t.Error("the jailed sleep outlived Shutdown")
	}
}
