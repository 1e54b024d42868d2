// Package modules embeds the WebAssembly modules the host runs: Step is
// the C step guest (tools-wasm/stepguest/c) built by `make wasm` with
// Debian's clang and wasi-libc; `make wasm-check` compares it with a fresh
// build, and tools-wasm/stepguest tests what it imports, exports and does,
// against the Go guest (tools-wasm/agent) as its oracle.
package modules
