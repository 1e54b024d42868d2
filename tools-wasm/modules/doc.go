// Package modules embeds the WebAssembly modules built from tools-wasm:
// Agent is tools-wasm/agent compiled with GOOS=wasip1 GOARCH=wasm by
// `make wasm`. The committed binary is checked against a fresh build by this
// package's test, so the embedded module always matches its source. Step is
// the C step guest (tools-wasm/stepguest/c) built by `make wasm` with
// Debian's clang and wasi-libc; `make wasm-check` compares it with a fresh
// build, and tools-wasm/stepguest tests what it imports, exports and does.
package modules
