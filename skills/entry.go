package skills

import "fmt"

// Kind says how a skill runs.
type Kind int

// The kinds of skill, told apart by the entry point at the top of the
// skill folder.
const (
	// Instruction: no entry point. The model reads SKILL.md and the other
	// files with skill_read and runs scripts with bash.
	Instruction Kind = iota
	// Native: execute, execute.sh, execute.py or execute.js, run in the
	// jail by skill_execute.
	Native
	// WASM: execute.wasm, a WASI command run in wazero by skill_execute.
	WASM
)

func (k Kind) String() string {
	switch k {
	case Native:
		return "native"
	case WASM:
		return "wasm"
	}
	return "instruction"
}

// WASMEntry is the entry point of a WASM skill.
const WASMEntry = "execute.wasm"

// nativeEntries are the entry points of a native skill; a skill has at most
// one of them.
var nativeEntries = []string{"execute", "execute.sh", "execute.py", "execute.js"}

// entryKind tells the kind from which regular files exist at the top of the
// folder (has). execute.wasm wins over the native names; two native names
// are ambiguous, and the error says which.
func entryKind(has func(name string) bool) (Kind, string, error) {
	if has(WASMEntry) {
		return WASM, WASMEntry, nil
	}
	found := ""
	for _, n := range nativeEntries {
		if !has(n) {
			continue
		}
		if found != "" {
			return 0, "", fmt.Errorf("%w: a skill has at most one native entry point, found %s and %s", ErrInvalid, found, n)
		}
		found = n
	}
	if found != "" {
		return Native, found, nil
	}
	return Instruction, "", nil
}
