// Command bulkhead runs AI agents in isolated per-tenant workspaces: the
// agent loop and file tools in a WebAssembly guest, bash in a Linux jail,
// provider keys only in the host.
//
//	bulkhead run "fix the failing test" --workspace ./project
//	bulkhead run -c "now add a test" --output-format stream-json
//	bulkhead workspace create|update|list|show|delete
//	bulkhead session list|show|export|delete
//	bulkhead memory store|search|list|delete
//	bulkhead sandbox check|exec
//	bulkhead completion bash|zsh|fish|powershell
//
// Every message on stderr is a line starting "bulkhead: " (see console).
// Exit status: 0 done, 1 an error, 2 a usage error, 3 a run stopped by a
// limit, 128+N a run ended by signal N (see exit.go); `sandbox exec`
// passes its command's through. README.md, "Using the CLI", documents the
// commands, the output formats and the exit statuses.
package main
