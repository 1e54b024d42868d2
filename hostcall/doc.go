// Package hostcall defines version 1 of the host-call interface: the one way a
// WebAssembly guest (the agent loop, a WASM skill) reaches the bulkhead host.
//
// The interface is an import module named by ModuleName with two host
// functions, described for any guest language in docs/hostcall.md:
//
//	call(method_ptr, method_len, payload_ptr, payload_len, result_len_ptr u32) -> status u32
//	take(buf_ptr, buf_len u32) -> n i32
//
// A guest writes a method name and a JSON payload into its linear memory and
// invokes call. The host runs the method and keeps its answer pending: on
// Status OK the answer is the method's JSON result, otherwise it is a UTF-8
// error message. call writes the answer's length (little-endian u32) at
// result_len_ptr; the guest then allocates that many bytes and invokes take
// to copy the answer out. A new call discards any answer not taken.
//
// This package holds what both sides share: the module and method names, the
// status codes, and the JSON payload types of each method. It depends on the
// standard library and package chat only, so it compiles for GOOS=wasip1.
package hostcall
