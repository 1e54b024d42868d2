// Package stepguest holds the tests, conformance checks and benchmarks of
// the C step guest, tools-wasm/modules/step.wasm, whose sources are in c/
// (the module's documentation is c/main.c; `make wasm` builds it).
//
// The guest is bulkhead's agent loop working one step per instance
// (docs/hostcall.md, "Step-wise agent guests") with the six built-in file
// tools ported from package tools-wasm/builtin. The tests run the module
// in wazero as the host does (WithCloseOnContextDone, the workspace
// mounted at /workspace through wasmhost/confined) behind a minimal host
// module that serves step.begin, step.end and event.emit:
//
//   - the step protocol (step_test.go);
//   - the test cases of package builtin, ported to go through the module
//     (conformance_test.go), and the same tool calls run through the Go
//     guest (tools-wasm/modules/agent.wasm) and this one, whose results
//     must be equal byte for byte (differential_test.go);
//   - the JSON reader and writer and the regular expressions against Go's
//     encoding/json and regexp, through the test module testdata/probe.wasm
//     built from the same sources (fuzz_test.go, `go test -fuzz`);
//   - the committed module's imports and exports (module_test.go);
//   - benchmarks against the Go guest (bench_test.go, reported in
//     docs/benchmarks.md, "C step guest (issue 14)").
//
// The package has no non-test code besides this file; c/ holds C sources
// only, which the go command ignores.
package stepguest
