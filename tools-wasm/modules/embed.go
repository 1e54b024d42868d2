package modules

import _ "embed"

// Agent is the agent loop module (WASI preview1 command), built from
// tools-wasm/agent by BuildCommand.
//
//go:embed agent.wasm
var Agent []byte

// BuildFlags are the `go build` flags that make the module reproducible:
// no file system paths, no VCS stamp, no symbol table or DWARF. The Makefile
// and the freshness test use the same flags.
var BuildFlags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-s -w"}

// Step is the step guest (WASI preview1 command): the agent loop in C,
// one step per instance (docs/hostcall.md, "Step-wise agent guests"),
// built from tools-wasm/stepguest/c by `make wasm`.
//
//go:embed step.wasm
var Step []byte
