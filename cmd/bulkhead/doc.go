// Command bulkhead runs AI agents in isolated per-tenant workspaces: the
// agent loop and file tools in a WebAssembly guest, bash in a Linux jail,
// provider keys only in the host.
//
//	bulkhead run -m "fix the failing test" --workspace ./project
//	bulkhead workspace create|list|show|delete
//	bulkhead session list|show
//	bulkhead memory store|search|list|delete
//
// Errors print as one line on stderr with exit status 1.
package main
