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
// State layout (see docs/ARCHITECTURE in the repository):
//
//	<stateDir>/workspaces/<id>/config.json       WorkspaceConfig, no secrets
//	<stateDir>/workspaces/<id>/sessions.json     session index
//	<stateDir>/workspaces/<id>/sessions/<s>.jsonl transcripts
//	<stateDir>/workspaces/<id>/files/            default /workspace
//
// Workspace.Export writes a workspace as one archive (tar compressed with
// Zstandard, a manifest of every entry's SHA-256 first), a consistent
// snapshot taken while its runs go on; Platform.Import verifies an archive
// entry by entry beside the workspaces and moves it into place in one
// rename, for backups and for moving a tenant to another host.
//
// Runtime is the single-user convenience: a Platform with one workspace
// named "default".
package runtime
