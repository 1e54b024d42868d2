// Package agentloop is the agent loop that runs inside the WebAssembly agent
// guest (tools-wasm/agent): it builds each model request from the system
// prompt, the transcript and the tool schemas, asks the host for the model's
// turn, runs the requested tools (built-in ones in the guest, the rest
// through the host), appends every message to the transcript, and stops on a
// final answer or at the turn limit.
//
// The loop's only state between model turns is the message list and the
// turn counter; the host owns the persisted transcript, so a run can be
// resumed from it. The package is portable Go: it reaches the host through
// the Host interface, which package guest implements over host calls and
// tests implement in memory.
package agentloop
