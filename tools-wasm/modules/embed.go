package modules

import _ "embed"

// Step is the agent guest (WASI preview1 command): the agent loop and the
// built-in file tools in C, one step per instance (docs/hostcall.md,
// "Step-wise agent guests"), built from tools-wasm/stepguest/c by
// `make wasm`.
//
//go:embed step.wasm
var Step []byte
