//go:build linux

package stepguest

import (
	"context"
	"slices"
	"testing"

	"github.com/bulkhead-dev/bulkhead/chat"
	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/tools-wasm/modules"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
)

// The committed step.wasm is rebuilt only by `make wasm` (which needs
// clang); `make wasm-check` compares it with a fresh build. These tests
// need no clang: they check what the committed module asks of its host
// and that it runs.

// TestStepModuleInterface: the module is a WASI command that imports only
// WASI preview 1 and bulkhead_v1's call and take (with the ABI's
// signatures), exports only _start and its memory, and starts small.
func TestStepModuleInterface(t *testing.T) {
	ctx := context.Background()
	rt := wazero.NewRuntime(ctx)
	defer rt.Close(ctx)
	mod, err := rt.CompileModule(ctx, modules.Step)
	if err != nil {
		t.Fatal(err)
	}
	i32 := api.ValueTypeI32
	wantHost := map[string][2][]api.ValueType{
		hostcall.FuncCall: {{i32, i32, i32, i32, i32}, {i32}},
		hostcall.FuncTake: {{i32, i32}, {i32}},
	}
	var host []string
	for _, f := range mod.ImportedFunctions() {
		module, name, _ := f.Import()
		switch module {
		case "wasi_snapshot_preview1":
		case hostcall.ModuleName:
			want, ok := wantHost[name]
			if !ok || !slices.Equal(f.ParamTypes(), want[0]) || !slices.Equal(f.ResultTypes(), want[1]) {
				t.Errorf("import %s.%s%v%v is not part of the host-call ABI", module, name, f.ParamTypes(), f.ResultTypes())
			}
			host = append(host, name)
		default:
			t.Errorf("import from module %q: only wasi_snapshot_preview1 and %s are allowed", module, hostcall.ModuleName)
		}
	}
	slices.Sort(host)
	if !slices.Equal(host, []string{hostcall.FuncCall, hostcall.FuncTake}) {
		t.Errorf("bulkhead_v1 imports %v, want call and take", host)
	}
	if len(mod.ImportedMemories()) != 0 {
		t.Error("the module imports a memory")
	}
	var exports []string
	for name := range mod.ExportedFunctions() {
		exports = append(exports, name)
	}
	if !slices.Equal(exports, []string{"_start"}) {
		t.Errorf("exported functions %v, want only _start", exports)
	}
	mem, ok := mod.ExportedMemories()["memory"]
	if !ok || len(mod.ExportedMemories()) != 1 {
		t.Fatalf("exported memories %v, want memory", mod.ExportedMemories())
	}
	// The stack (64 KiB), the data (about 42 KiB) and malloc's first chunk
	// (64 KiB): three pages of 64 KiB.
	if mem.Min() > 4 {
		t.Errorf("initial memory is %d pages, want at most 4", mem.Min())
	}
	t.Logf("step.wasm: %d bytes, initial memory %d pages (%d KiB)", len(modules.Step), mem.Min(), mem.Min()*64)
}

// TestStepModuleRuns: the committed module runs a step to its end.
func TestStepModuleRuns(t *testing.T) {
	out, _ := runStep(t, t.TempDir(), stepInput{MaxTurns: 1, Messages: []chat.Message{chat.UserText("hi")}})
	if out.Action != "complete" || len(out.Request.Messages) != 1 {
		t.Fatalf("output %+v", out)
	}
}
