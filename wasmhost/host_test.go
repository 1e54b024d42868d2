package wasmhost

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/tetratelabs/wazero"
)

var (
	guestOnce sync.Once
	guestWasm []byte
	guestErr  error
)

// testGuest builds testdata/guest for wasip1 once per test binary.
func testGuest(t testing.TB) []byte {
	t.Helper()
	guestOnce.Do(func() {
		dir, err := os.MkdirTemp("", "wasmhost-guest-")
		if err != nil {
			guestErr = err
			return
		}
		defer os.RemoveAll(dir)
		out := filepath.Join(dir, "guest.wasm")
		cmd := exec.Command("go", "build", "-o", out, "./testdata/guest")
		cmd.Env = append(os.Environ(), "GOOS=wasip1", "GOARCH=wasm")
		if msg, err := cmd.CombinedOutput(); err != nil {
			guestErr = fmt.Errorf("build test guest: %v\n%s", err, msg)
			return
		}
		guestWasm, guestErr = os.ReadFile(out)
	})
	if guestErr != nil {
		t.Fatal(guestErr)
	}
	return guestWasm
}

// newTestHost returns a Host and the compiled test guest.
func newTestHost(t testing.TB, cfg Config) (*Host, wazero.CompiledModule) {
	t.Helper()
	ctx := context.Background()
	h, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(ctx) })
	mod, err := h.rt.CompileModule(ctx, testGuest(t))
	if err != nil {
		t.Fatal(err)
	}
	return h, mod
}

// echoHandler answers test.echo with its payload.
var echoHandler = HandlerFunc(func(ctx context.Context, method string, payload []byte) ([]byte, error) {
	if method == "test.fail" {
		return nil, errors.New("it failed")
	}
	if method == "test.denied" {
		return nil, hostcall.Errorf(hostcall.Denied, "not for you")
	}
	return payload, nil
})

var testMethods = []string{"test.echo", "test.fail", "test.denied"}

func runGuest(t *testing.T, h *Host, mod wazero.CompiledModule, spec RunSpec, args ...string) (string, error) {
	t.Helper()
	var stderr bytes.Buffer
	spec.Stderr = &stderr
	spec.Workspace = t.TempDir()
	if spec.Handler == nil {
		spec.Handler = echoHandler
	}
	if spec.Methods == nil {
		spec.Methods = testMethods
	}
	err := h.run(context.Background(), mod, spec, append([]string{"guest"}, args...)...)
	return stderr.String(), err
}

func TestHostCallRoundTrip(t *testing.T) {
	h, mod := newTestHost(t, Config{})
	out, err := runGuest(t, h, mod, RunSpec{}, "echo")
	if err != nil || !strings.Contains(out, "echo=hi err=<nil>") {
		t.Fatalf("err = %v, stderr = %q", err, out)
	}
}

func TestHostCallStatuses(t *testing.T) {
	h, mod := newTestHost(t, Config{})
	cases := []struct{ method, want string }{
		{"test.fail", "failed: it failed"},
		{"test.denied", "denied: not for you"},
		{"nope", "unknown method"},
	}
	for _, c := range cases {
		out, err := runGuest(t, h, mod, RunSpec{}, "status", c.method)
		if err != nil || !strings.Contains(out, c.want) {
			t.Errorf("%s: err = %v, stderr = %q, want %q", c.method, err, out, c.want)
		}
	}
}

func TestRateLimit(t *testing.T) {
	h, mod := newTestHost(t, Config{})
	out, err := runGuest(t, h, mod, RunSpec{Limits: Limits{Rate: 0.001, Burst: 5}}, "flood")
	if err != nil || !strings.Contains(out, "ok=5 limited=15") {
		t.Fatalf("err = %v, stderr = %q", err, out)
	}
}

func TestPayloadCap(t *testing.T) {
	h, mod := newTestHost(t, Config{})
	out, err := runGuest(t, h, mod, RunSpec{Limits: Limits{MaxPayload: 1 << 20}}, "big")
	if err != nil || !strings.Contains(out, fmt.Sprintf("status=%d", hostcall.TooLarge)) {
		t.Fatalf("err = %v, stderr = %q", err, out)
	}
	// The answer cap applies to results too: echoing 2 MiB back is too large.
	out, err = runGuest(t, h, mod, RunSpec{Limits: Limits{MaxResult: 1 << 20}}, "big")
	if err != nil || !strings.Contains(out, fmt.Sprintf("status=%d", hostcall.TooLarge)) {
		t.Fatalf("result cap: err = %v, stderr = %q", err, out)
	}
}

func TestBadPointers(t *testing.T) {
	h, mod := newTestHost(t, Config{})
	out, err := runGuest(t, h, mod, RunSpec{}, "badptr")
	want := fmt.Sprintf("status=%d take=0", hostcall.BadRequest)
	if err != nil || !strings.Contains(out, want) {
		t.Fatalf("err = %v, stderr = %q, want %q", err, out, want)
	}
	out, err = runGuest(t, h, mod, RunSpec{}, "take-empty")
	if err != nil || !strings.Contains(out, "take=-1") {
		t.Fatalf("err = %v, stderr = %q", err, out)
	}
}

func TestEndlessLoopStoppedByDeadline(t *testing.T) {
	h, mod := newTestHost(t, Config{})
	start := time.Now()
	_, err := runGuest(t, h, mod, RunSpec{Limits: Limits{Timeout: 300 * time.Millisecond}}, "loop")
	if !errors.Is(err, context.DeadlineExceeded) || !strings.Contains(err.Error(), "time limit") {
		t.Fatalf("err = %v, want a deadline error", err)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Fatalf("took %s to stop", d)
	}
	// The host is still healthy.
	if out, err := runGuest(t, h, mod, RunSpec{}, "echo"); err != nil || !strings.Contains(out, "echo=hi") {
		t.Fatalf("after loop: err = %v, stderr = %q", err, out)
	}
}

func TestCancelStopsGuest(t *testing.T) {
	h, mod := newTestHost(t, Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	err := h.run(ctx, mod, RunSpec{Workspace: t.TempDir(), Handler: echoHandler, Methods: testMethods}, "guest", "loop")
	if !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v", err)
	}
}

func TestMemoryLimit(t *testing.T) {
	h, mod := newTestHost(t, Config{MemoryPages: 512}) // 32 MiB
	_, err := runGuest(t, h, mod, RunSpec{}, "oom")
	if !errors.Is(err, ErrGuestMemory) || !strings.Contains(err.Error(), "32 MiB") {
		t.Fatalf("err = %v, want ErrGuestMemory of 32 MiB", err)
	}
	if out, err := runGuest(t, h, mod, RunSpec{}, "echo"); err != nil || !strings.Contains(out, "echo=hi") {
		t.Fatalf("after oom: err = %v, stderr = %q", err, out)
	}
}

func TestExitCodeReported(t *testing.T) {
	h, mod := newTestHost(t, Config{})
	_, err := runGuest(t, h, mod, RunSpec{}, "exit3")
	if err == nil || !strings.Contains(err.Error(), "code 3") || !strings.Contains(err.Error(), "something broke") {
		t.Fatalf("err = %v", err)
	}
}

func TestLimitsDefaults(t *testing.T) {
	l := Limits{}.withDefaults()
	if l.Timeout != DefaultTimeout || l.MaxPayload != DefaultMaxPayload || l.MaxResult != DefaultMaxResult ||
		l.Rate != DefaultRate || l.Burst != DefaultBurst {
		t.Fatalf("defaults = %+v", l)
	}
}
