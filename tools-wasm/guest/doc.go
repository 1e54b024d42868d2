// Package guest is the Go guest SDK of the host-call interface (package
// hostcall, docs/hostcall.md): typed wrappers that a Go program compiled
// with GOOS=wasip1 GOARCH=wasm uses to reach the bulkhead host.
//
// Call is the general form; RunStart, Complete, Append, CallTool, Emit and
// Finish wrap the methods of version 1. Host implements the Host interface of
// package agentloop over them. Outside wasip1 the raw call returns
// UnknownMethod, so code using this package still compiles and tests natively.
package guest
