// Package skillrun executes the executable skills of the catalog (package
// skills) for the skill_execute tool: native skills in a fresh jail
// (package nsjail), WASM skills as WASI commands in wazero (package
// wasmhost), each given its params on standard input and only the
// credentials it declared, its output masked (package internal/mask)
// before it leaves this package.
//
// An Executor is created once per process and shared; Execute runs one
// skill call described by a Request and returns a Result, or an error
// when the skill could not be run at all. docs/skills.md is the contract
// seen from the skill author's side.
//
// # What a skill sees
//
// Native (execute, execute.sh, execute.py, execute.js), in the jail:
//
//	/skills/<id>     its own folder, read-only ($SKILL_DIR)
//	/workspace       the workspace, read-only or read-write when the
//	                 frontmatter says workspace: read or write; otherwise
//	                 an empty read-only directory. Always the working
//	                 directory.
//	/tmp             private, size-limited, gone after the call ($HOME)
//	/skills/<other>  the folders of Request.SkillMounts, read-only
//
// WASM (execute.wasm), as preopens:
//
//	/skill           its own folder, read-only ($SKILL_DIR)
//	/tmp             a private scratch directory, removed after the call
//	/workspace       only with workspace: read or write ($PWD)
//	/skills/<other>  the folders of Request.SkillMounts, read-only
//
// Environment: for native skills the jail's fixed variables (PATH, HOME,
// TMPDIR, LANG, ...), for WASM skills TMPDIR; then SKILL_DIR, one variable
// per key of the credentials given, and Request.Env. Nothing of the host's
// environment. A WASM skill may import the host-call module bulkhead_v1
// restricted to hostcall.SkillMethods (log, params.read).
//
// # Secrets
//
// Execute zeroes the credential values of the Request before it returns.
// Every byte the skill writes to stdout or stderr, and every log host call,
// passes through a mask.Set of those values (raw, base64, hex and URL
// encodings, also split across writes) before it reaches the Result or the
// log. Errors never contain a value.
//
// # Notes
//
//   - The values also become Go strings (the jail's environment, WASI's
//     environ), which cannot be zeroed; they are garbage once the call is
//     over.
//   - The catalog lives under the state directory, which callers protect
//     (Request.ProtectedPaths). Skill folders are mounted anyway through
//     nsjail.Config.ExposeReadOnly, which names each folder exactly;
//     JailBinds gives the agent's bash jails the same mounts.
package skillrun
