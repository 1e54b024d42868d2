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
// # State layout
//
// A Platform keeps everything under its state directory (Options.StateDir),
// one directory per workspace; the runtime alone names what is in it
// (layout.go) and gives the other packages paths:
//
//	<stateDir>/
//	  skills/                       the skill catalog (package skills)
//	  workspaces/
//	    .creating-*/                a workspace being assembled (CreateWorkspace)
//	    .deleted-*/<id>/            a workspace being removed (DeleteWorkspace)
//	    <id>/                       one workspace (tenant)
//	      config.json               WorkspaceConfig, never secrets
//	      .runs.lock                flock(2)ed shared by Acquire (runs, memory), exclusively by DeleteWorkspace
//	      sessions.json             session index (package sessions)
//	      sessions.json.lock        its lock (package sessions)
//	      sessions.lock             the session locks, one byte each (package sessions)
//	      sessions/<s>.jsonl        transcripts (package sessions)
//	      memory/memory.db          memory database, with -wal and -shm (package memory)
//	      credentials.enc.json      sealed credential vault (package vault)
//	      enabled-skills.json       skills enabled for the workspace (package skills)
//	      files/                    the runs' default /workspace
//	      home/                     the jails' persistent HOME
//	      usage/YYYY-MM.jsonl       usage ledger, one line per run (package ledger)
//	      disk.img                  with a disk quota: its ext4 image (package quota)
//	      disk/                     with a disk quota: the image's mount point, holding
//	        files/ home/ tmp/       files/ and home/ instead, and the jails' /tmp
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
