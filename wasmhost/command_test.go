package wasmhost

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/hostcall"
)

// Hand-assembled modules (WebAssembly binary format, sections 1 type,
// 2 import, 3 function, 5 memory, 7 export, 10 code).
var (
	wasmHeader = []byte("\x00asm\x01\x00\x00\x00")
	typeVoid   = []byte{0x01, 0x04, 0x01, 0x60, 0x00, 0x00}
	funcs1     = []byte{0x03, 0x02, 0x01, 0x00}
	// exportMemStart exports memory 0 as "memory" and function 0 as "_start".
	exportMemStart = []byte{0x07, 0x13, 0x02,
		0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00,
		0x06, '_', 's', 't', 'a', 'r', 't', 0x00, 0x00}
	codeUnreachable = []byte{0x0a, 0x05, 0x01, 0x03, 0x00, 0x00, 0x0b}
)

// memorySection declares one memory of min pages.
func memorySection(min byte) []byte { return []byte{0x05, 0x03, 0x01, 0x00, min} }

func module(sections ...[]byte) []byte {
	return bytes.Join(append([][]byte{wasmHeader}, sections...), nil)
}

// trapModule's _start executes unreachable.
var trapModule = module(typeVoid, funcs1, memorySection(1), exportMemStart, codeUnreachable)

func newCommandHost(t testing.TB, cfg Config) (*Host, *Command) {
	t.Helper()
	cfg.WarmInstances = -1
	ctx := context.Background()
	h, err := New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close(ctx) })
	c, err := h.CompileCommand(ctx, testGuest(t))
	if err != nil {
		t.Fatal(err)
	}
	return h, c
}

// run runs the test guest with args and returns the result and stdout.
func runCmd(t *testing.T, h *Host, c *Command, spec CommandSpec) (*CommandResult, string, string) {
	t.Helper()
	var out, errOut bytes.Buffer
	spec.Stdout, spec.Stderr = &out, &errOut
	spec.Args = append([]string{"guest"}, spec.Args...)
	res, err := h.RunCommand(context.Background(), c, spec)
	if err != nil {
		t.Fatalf("RunCommand(%q) = %v", spec.Args, err)
	}
	return res, out.String(), errOut.String()
}

func TestCompileCommandChecks(t *testing.T) {
	ctx := context.Background()
	h, err := New(ctx, Config{WarmInstances: -1})
	if err != nil {
		t.Fatal(err)
	}
	defer h.Close(ctx)
	exportStartOnly := []byte{0x07, 0x0a, 0x01, 0x06, '_', 's', 't', 'a', 'r', 't', 0x00, 0x00}
	exportMemOnly := []byte{0x07, 0x0a, 0x01, 0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00}
	// import "env" "f" (func type 0): a foreign import.
	importEnv := []byte{0x02, 0x09, 0x01, 0x03, 'e', 'n', 'v', 0x01, 'f', 0x00, 0x00}
	exportMemStart1 := []byte{0x07, 0x13, 0x02,
		0x06, 'm', 'e', 'm', 'o', 'r', 'y', 0x02, 0x00,
		0x06, '_', 's', 't', 'a', 'r', 't', 0x00, 0x01}
	tests := []struct {
		name, want string
		wasm       []byte
	}{
		{"not wasm", "compile command", []byte("#!/bin/sh\necho hi\n")},
		{"no _start", `no exported function "_start"`, module(typeVoid, funcs1, memorySection(1), exportMemOnly, codeUnreachable)},
		{"no memory", `no exported memory "memory"`, module(typeVoid, funcs1, exportStartOnly, codeUnreachable)},
		{"foreign import", "imports env.f", module(typeVoid, importEnv, funcs1, memorySection(1), exportMemStart1, codeUnreachable)},
	}
	for _, tc := range tests {
		if _, err := h.CompileCommand(ctx, tc.wasm); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: CompileCommand = %v, want an error with %q", tc.name, err, tc.want)
		}
	}
	c, err := h.CompileCommand(ctx, trapModule)
	if err != nil {
		t.Fatal(err)
	}
	res, err := h.RunCommand(ctx, c, CommandSpec{})
	if err != nil || res.ExitCode != -1 || !strings.Contains(res.Trap, "unreachable") || strings.Contains(res.Trap, "\n") {
		t.Errorf("trap: %+v, %v; want exit -1 and a one-line unreachable trap", res, err)
	}
	big, err := h.CompileCommand(ctx, module(typeVoid, funcs1, memorySection(3), exportMemStart, codeUnreachable))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.RunCommand(ctx, big, CommandSpec{MemoryPages: 2}); err == nil || !strings.Contains(err.Error(), "needs 3 pages") {
		t.Errorf("initial memory over the cap: %v", err)
	}
}

func TestRunCommandIO(t *testing.T) {
	h, c := newCommandHost(t, Config{})
	res, out, _ := runCmd(t, h, c, CommandSpec{Args: []string{"cat"}, Stdin: strings.NewReader(`{"a":1}`)})
	if res.ExitCode != 0 || out != `{"a":1}` {
		t.Errorf("cat: %+v, stdout %q", res, out)
	}
	_, out, _ = runCmd(t, h, c, CommandSpec{Args: []string{"cat"}})
	if out != "" {
		t.Errorf("cat of nil stdin: %q", out)
	}
	_, out, _ = runCmd(t, h, c, CommandSpec{Args: []string{"env"}, Env: map[string]string{"TOKEN": "s3cret", "A": "1"}})
	if out != "A=1\nTOKEN=s3cret\n" {
		t.Errorf("env = %q, want exactly the given variables", out)
	}
	res, _, errOut := runCmd(t, h, c, CommandSpec{Args: []string{"exit3"}})
	if res.ExitCode != 3 || res.Trap != "" || res.TimedOut || errOut != "something broke\n" {
		t.Errorf("exit3: %+v, stderr %q", res, errOut)
	}
	for _, bad := range []CommandSpec{
		{Args: []string{""}},
		{Env: map[string]string{"A=B": "x"}},
		{Env: map[string]string{"A": "x\x00y"}},
		{Mounts: []Mount{{HostDir: t.TempDir(), GuestPath: "rel"}}},
		{Mounts: []Mount{{HostDir: t.TempDir(), GuestPath: "/a"}, {HostDir: t.TempDir(), GuestPath: "/a"}}},
		{Mounts: []Mount{{HostDir: filepath.Join(t.TempDir(), "missing"), GuestPath: "/a"}}},
		{Methods: []string{"test.echo"}},
	} {
		if _, err := h.RunCommand(context.Background(), c, bad); err == nil {
			t.Errorf("RunCommand(%+v) succeeded", bad)
		}
	}
}

func TestRunCommandMounts(t *testing.T) {
	h, c := newCommandHost(t, Config{})
	ro, rw := t.TempDir(), t.TempDir()
	if err := os.WriteFile(filepath.Join(ro, "f"), []byte("ro-data"), 0o644); err != nil {
		t.Fatal(err)
	}
	secret := filepath.Join(filepath.Dir(ro), "secret")
	if err := os.WriteFile(secret, []byte("host secret"), 0o600); err != nil {
		t.Fatal(err)
	}
	mounts := []Mount{{HostDir: ro, GuestPath: "/skill", ReadOnly: true}, {HostDir: rw, GuestPath: "/tmp"}}
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"read", "/skill/f"}, "ro-data err=<nil>\n"},
		{[]string{"write", "/skill/new"}, "Read-only file system"},
		{[]string{"write", "/tmp/new"}, "err=<nil>\n"},
		{[]string{"read", "/skill/../secret"}, "err=open /skill/../secret: "},
		{[]string{"read", "/tmp/../../secret"}, "err="},
		{[]string{"read", secret}, "err="},
	}
	for _, tc := range cases {
		_, out, _ := runCmd(t, h, c, CommandSpec{Args: tc.args, Mounts: mounts})
		if !strings.Contains(out, tc.want) || strings.Contains(out, "host secret") {
			t.Errorf("%q: stdout %q, want it to contain %q", tc.args, out, tc.want)
		}
	}
	if data, err := os.ReadFile(filepath.Join(rw, "new")); err != nil || string(data) != "written" {
		t.Errorf("write to /tmp: %q, %v", data, err)
	}
	if _, err := os.Stat(filepath.Join(ro, "new")); err == nil {
		t.Error("a read-only mount was written")
	}
	small := []Mount{{HostDir: t.TempDir(), GuestPath: "/tmp", MaxBytes: 6}}
	if _, out, _ := runCmd(t, h, c, CommandSpec{Args: []string{"write", "/tmp/f"}, Mounts: small}); !strings.Contains(out, "I/O error") {
		t.Errorf("write of 7 bytes under a 6-byte quota: %q", out)
	}
	small[0].MaxBytes = 7
	if _, out, _ := runCmd(t, h, c, CommandSpec{Args: []string{"write", "/tmp/f"}, Mounts: small}); out != "err=<nil>\n" {
		t.Errorf("write of 7 bytes under a 7-byte quota: %q", out)
	}
}

func TestRunCommandLimits(t *testing.T) {
	h, c := newCommandHost(t, Config{})
	res, out, errOut := runCmd(t, h, c, CommandSpec{Args: []string{"spew", "5000"}, OutputLimit: 1500})
	if len(out) != 1500 || len(errOut) != 1500 || res.StdoutOmitted != 3500 || res.StderrOmitted != 3500 || res.ExitCode != 0 {
		t.Errorf("spew: %d/%d bytes kept, %+v", len(out), len(errOut), res)
	}
	for _, mode := range []string{"loop", "sleep"} {
		start := time.Now()
		res, _, _ = runCmd(t, h, c, CommandSpec{Args: []string{mode}, Limits: Limits{Timeout: 200 * time.Millisecond}})
		if !res.TimedOut || res.ExitCode != -1 || time.Since(start) > 5*time.Second {
			t.Errorf("%s: %+v after %v, want a timeout", mode, res, time.Since(start))
		}
	}
	res, _, _ = runCmd(t, h, c, CommandSpec{Args: []string{"oom"}, MemoryPages: 512})
	if !res.OutOfMemory || res.ExitCode == 0 || res.TimedOut {
		t.Errorf("oom: %+v, want OutOfMemory and a failed exit", res)
	}
	res, _, _ = runCmd(t, h, c, CommandSpec{Args: []string{"exit3"}, MemoryPages: 512})
	if res.OutOfMemory {
		t.Errorf("exit3 under a memory cap reports OutOfMemory: %+v", res)
	}

	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(100*time.Millisecond, cancel)
	res, err := h.RunCommand(ctx, c, CommandSpec{Args: []string{"guest", "loop"}})
	if !errors.Is(err, context.Canceled) || res == nil || res.TimedOut || res.ExitCode != -1 {
		t.Errorf("canceled: %+v, %v", res, err)
	}
}

func TestRunCommandHostCalls(t *testing.T) {
	h, c := newCommandHost(t, Config{})
	_, _, errOut := runCmd(t, h, c, CommandSpec{Args: []string{"echo"}, Handler: echoHandler, Methods: []string{"test.echo"}})
	if errOut != "echo=hi err=<nil>\n" {
		t.Errorf("granted call: %q", errOut)
	}
	for _, m := range append([]string{"test.echo"}, AgentMethods...) {
		_, _, errOut = runCmd(t, h, c, CommandSpec{Args: []string{"status", m}, Handler: echoHandler, Methods: hostcall.SkillMethods})
		if !strings.Contains(errOut, "unknown method") {
			t.Errorf("call %s with skill methods: %q, want unknown method", m, errOut)
		}
	}
	_, _, errOut = runCmd(t, h, c, CommandSpec{Args: []string{"status", hostcall.MethodLog}})
	if !strings.Contains(errOut, "unknown method") {
		t.Errorf("call with no methods: %q", errOut)
	}
}

// TestRunCommandConcurrent runs one Command many times at once, each with
// its own stdin and environment.
func TestRunCommandConcurrent(t *testing.T) {
	h, c := newCommandHost(t, Config{})
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			want := strings.Repeat(string(rune('a'+i)), 100)
			var out bytes.Buffer
			res, err := h.RunCommand(context.Background(), c, CommandSpec{Args: []string{"g", "env"}, Env: map[string]string{"V": want}, Stdout: &out})
			if err != nil || res.ExitCode != 0 || out.String() != "V="+want+"\n" {
				t.Errorf("run %d: %+v, %v, %q", i, res, err, out.String())
			}
		}()
	}
	wg.Wait()
}
