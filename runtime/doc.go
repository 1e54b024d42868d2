// Package runtime is bulkhead's library API: a Platform over a state
// directory holds workspaces (tenants), and a Workspace runs agents.
//
// A run loads the session transcript, instantiates the WebAssembly agent
// guest (package wasmhost) with the run's directory as its only preopen at
// /workspace, and serves the guest's host calls: model turns through a
// provider (package providers) with credentials the guest never sees,
// transcript appends (package sessions), bash in a Linux jail (package
// nsjail) and custom host tools written in Go. Progress streams to the
// caller as Events, through a callback or an iter.Seq2.
//
// Model calls share one providers.Health per Platform (cooldowns, key
// rotation, dropped keys), follow a workspace's or a request's fallback
// chain, carry the request settings (RequestSettings) and are priced
// (RunResult.CostUSD). Before each call a context guard keeps the request
// inside the model's window: it shrinks old tool results, then compacts
// the session into a summary kept in the transcript (see
// ContextGuardPercent).
//
// State layout (see docs/ARCHITECTURE in the repository):
//
//	<stateDir>/workspaces/<id>/config.json       WorkspaceConfig, no secrets
//	<stateDir>/workspaces/<id>/sessions.json     session index
//	<stateDir>/workspaces/<id>/sessions/<s>.jsonl transcripts
//	<stateDir>/workspaces/<id>/files/            default /workspace
//
// Runtime is the single-user convenience: a Platform with one workspace
// named "default".
package runtime
