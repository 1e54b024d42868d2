package skillrun

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/bulkhead-dev/bulkhead/hostcall"
	"github.com/bulkhead-dev/bulkhead/nsjail"
	"github.com/tetratelabs/wazero"
	"github.com/tetratelabs/wazero/api"
	"github.com/tetratelabs/wazero/imports/wasi_snapshot_preview1"
)

// benchPause is the untimed gap between jailed calls, as in nsjail's
// benchmarks: the model turn between tool calls, which lets nsjail start
// the next init stage ahead.
var benchPause = flag.Duration("skillpause", 30*time.Millisecond, "untimed pause between jailed calls in benchmarks")

// p50 returns the median of d (sorted in place).
func p50(d []time.Duration) time.Duration {
	slices.Sort(d)
	return d[(len(d)-1)/2]
}

// BenchmarkNativeSkill alternates a native skill whose entry point is a
// copy of /bin/true with a bare jail running /bin/true, and reports the
// p50 of each and their ratio.
func BenchmarkNativeSkill(b *testing.B) {
	f := newFixture(b)
	src := filepath.Join(b.TempDir(), "true-skill")
	os.Mkdir(src, 0o755)
	bin, err := os.ReadFile("/bin/true")
	if err != nil {
		b.Fatal(err)
	}
	os.WriteFile(filepath.Join(src, "execute"), bin, 0o755)
	os.WriteFile(filepath.Join(src, "SKILL.md"), []byte("---\nname: true-skill\ndescription: exits 0\n---\n"), 0o644)
	s := f.addDir(b, src)
	ctx := context.Background()
	bare := nsjail.Config{Workspace: b.TempDir()}
	req := Request{Skill: s, ProtectedPaths: f.protected, Params: []byte(`{"n":1}`), Credentials: map[string][]byte{}}
	var skillTimes, bareTimes []time.Duration
	b.ResetTimer()
	for range b.N {
		pause(b)
		start := time.Now()
		res, err := f.exec.Execute(ctx, req)
		if err != nil || !res.Succeeded() {
			b.Fatalf("skill: %+v, %v", res, err)
		}
		skillTimes = append(skillTimes, time.Since(start))
		pause(b)
		start = time.Now()
		jr, err := nsjail.Run(ctx, bare, []string{"/bin/true"})
		if err != nil || jr.ExitCode != 0 {
			b.Fatalf("bare jail: %+v, %v", jr, err)
		}
		bareTimes = append(bareTimes, time.Since(start))
	}
	b.StopTimer()
	sp, bp := p50(skillTimes), p50(bareTimes)
	b.ReportMetric(float64(sp.Microseconds()), "skill-p50-µs")
	b.ReportMetric(float64(bp.Microseconds()), "bare-p50-µs")
	b.ReportMetric(float64(sp)/float64(bp), "ratio")
}

func pause(b *testing.B) {
	if *benchPause > 0 {
		b.StopTimer()
		time.Sleep(*benchPause)
		b.StartTimer()
	}
}

// directRunner runs one module directly with a wazero runtime of its own:
// WASI, a stub bulkhead_v1 answering UnknownMethod, the given stdin and
// environment, no preopens. With interruptible, the runtime closes modules
// when their context ends (WithCloseOnContextDone, as wasmhost's) and each
// run gets a deadline; without, guest code runs without those checks.
func directRunner(b *testing.B, wasm []byte, interruptible bool, id, params, key, value string) func() error {
	ctx := context.Background()
	rt := wazero.NewRuntimeWithConfig(ctx, wazero.NewRuntimeConfigCompiler().
		WithCompilationCache(wazero.NewCompilationCache()).WithCloseOnContextDone(interruptible))
	b.Cleanup(func() { rt.Close(ctx) })
	wasi_snapshot_preview1.MustInstantiate(ctx, rt)
	stub := func(_ context.Context, _ api.Module, stack []uint64) { stack[0] = uint64(hostcall.UnknownMethod) }
	take := func(_ context.Context, _ api.Module, stack []uint64) { stack[0] = api.EncodeI32(hostcall.NoAnswer) }
	i32 := api.ValueTypeI32
	if _, err := rt.NewHostModuleBuilder(hostcall.ModuleName).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(stub), []api.ValueType{i32, i32, i32, i32, i32}, []api.ValueType{i32}).Export(hostcall.FuncCall).
		NewFunctionBuilder().WithGoModuleFunction(api.GoModuleFunc(take), []api.ValueType{i32, i32}, []api.ValueType{i32}).Export(hostcall.FuncTake).
		Instantiate(ctx); err != nil {
		b.Fatal(err)
	}
	mod, err := rt.CompileModule(ctx, wasm)
	if err != nil {
		b.Fatal(err)
	}
	return func() error {
		runCtx, cancel := ctx, context.CancelFunc(func() {})
		if interruptible {
			runCtx, cancel = context.WithTimeout(ctx, time.Minute)
		}
		defer cancel()
		var out bytes.Buffer
		cfg := wazero.NewModuleConfig().WithName("").WithArgs(id).WithStdin(bytes.NewReader([]byte(params))).
			WithStdout(&out).WithStderr(&out).WithEnv(key, value).WithSysWalltime().WithSysNanotime().WithSysNanosleep()
		m, err := rt.InstantiateModule(runCtx, mod, cfg)
		if m != nil {
			m.Close(ctx)
		}
		return err
	}
}

// benchWASM alternates Execute of the example skill dir with running the
// same module directly with wazero, with and without deadline checks (see
// directRunner), and reports the p50 of each and the overhead of Execute
// over the direct run that can also be interrupted.
func benchWASM(b *testing.B, dir, params, key, value string) {
	f := newFixture(b)
	s := f.addDir(b, filepath.Join(examples, dir))
	ctx := context.Background()
	wasm, err := os.ReadFile(filepath.Join(s.Dir, s.Entry))
	if err != nil {
		b.Fatal(err)
	}
	direct := directRunner(b, wasm, true, s.ID, params, key, value)
	bare := directRunner(b, wasm, false, s.ID, params, key, value)
	for _, run := range []func() error{direct, bare} {
		if err := run(); err != nil {
			b.Fatal(err)
		}
	}
	var skillTimes, directTimes, bareTimes []time.Duration
	timed := func(d *[]time.Duration, run func() error) {
		start := time.Now()
		if err := run(); err != nil {
			b.Fatal(err)
		}
		*d = append(*d, time.Since(start))
	}
	b.ResetTimer()
	for range b.N {
		timed(&skillTimes, func() error {
			res, err := f.exec.Execute(ctx, Request{Skill: s, Params: []byte(params), Credentials: map[string][]byte{key: []byte(value)}})
			if err == nil && !res.Succeeded() {
				err = fmt.Errorf("skill failed: %+v", res)
			}
			return err
		})
		timed(&directTimes, direct)
		timed(&bareTimes, bare)
	}
	b.StopTimer()
	sp, dp, bp := p50(skillTimes), p50(directTimes), p50(bareTimes)
	b.ReportMetric(float64(sp.Microseconds()), "skill-p50-µs")
	b.ReportMetric(float64(dp.Microseconds()), "direct-p50-µs")
	b.ReportMetric(float64(bp.Microseconds()), "bare-p50-µs")
	b.ReportMetric(float64((sp - dp).Microseconds()), "overhead-µs")
}

// BenchmarkWASMSkillC measures the C example skill (33 KB module).
func BenchmarkWASMSkillC(b *testing.B) {
	benchWASM(b, "env-report", `{"q":1}`, "REPORT_TOKEN", "bench-token-0123456789")
}

// BenchmarkWASMSkillGo measures the Go example skill (3.4 MB module, the
// Go runtime's start-up included).
func BenchmarkWASMSkillGo(b *testing.B) {
	benchWASM(b, "hmac-sign", `{"message":"m"}`, "SIGNING_KEY", "bench-key-0123456789")
}
