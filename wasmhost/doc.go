// Package wasmhost hosts WebAssembly guests in-process with wazero
// (https://wazero.io): it compiles the embedded agent module once per
// process (with wazero's compilation cache, in memory and on disk), serves
// the host-call interface of package hostcall to each instance, and
// instantiates one guest per run with the run's workspace as its only
// preopen, mounted at /workspace through package confined.
//
// It also runs WASI commands (CompileCommand, RunCommand): the WASM skills
// of issue 10, each run a fresh instance with the preopens, environment,
// standard streams and host-call methods its caller grants, in the same
// runtime and compilation cache as the agent.
//
// Every run is bounded: a deadline (the guest is interrupted when its
// context ends, even inside an endless loop), a linear memory page limit,
// per-method rate limits, and caps on host-call payload and result sizes;
// a command's output is capped too. A guest that breaks a bound is
// stopped with an error saying which; the host process stays healthy.
package wasmhost
