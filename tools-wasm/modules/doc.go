// Package modules embeds the WebAssembly modules built from tools-wasm:
// Agent is tools-wasm/agent compiled with GOOS=wasip1 GOARCH=wasm by
// `make wasm`. The committed binary is checked against a fresh build by this
// package's test, so the embedded module always matches its source.
package modules
