package skillrun

import "errors"

// Errors wrapped by Execute when a skill could not be run; test with
// errors.Is. A skill that ran and failed is a Result, not an error.
var (
	// ErrNotExecutable: the skill has no entry point (an instruction
	// skill), or its entry point cannot be run (gone, not executable
	// without a "#!" line).
	ErrNotExecutable = errors.New("skill is not executable")
	// ErrInvalidRequest: a field of the Request is invalid (params,
	// limits, environment, a missing workspace).
	ErrInvalidRequest = errors.New("invalid skill request")
	// ErrMissingInterpreter: the interpreter a native entry point needs
	// (bash, python3, node) is not installed in the jail's root.
	ErrMissingInterpreter = errors.New("interpreter not installed in the jail")
	// ErrNoWASMHost: a WASM skill was asked for and Options.WASM is nil.
	ErrNoWASMHost = errors.New("no WebAssembly host to run WASM skills")
)
