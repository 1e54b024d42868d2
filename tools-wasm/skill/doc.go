// Package skill is the Go SDK for WASM skills of bulkhead: a skill is a
// WASI command (GOOS=wasip1 GOARCH=wasm, package main) that reads its
// params as JSON on standard input, writes its result to standard output,
// and reports failure with a non-zero exit status and a message on
// standard error. docs/skills.md is the whole contract; this package only
// makes it short to follow:
//
//	func main() {
//		skill.Run(func(p struct{ Name string }) (string, error) {
//			skill.Log(skill.Info, "greeting "+p.Name)
//			return "hello " + p.Name, nil
//		})
//	}
//
// Params and Result are the pieces Run is made of; Log and HostParams use
// the host-call interface (docs/hostcall.md, methods log and params.read)
// through package guest. Credentials the skill declared are ordinary
// environment variables (os.Getenv). Outside wasip1 the host calls answer
// UnknownMethod, so a skill's logic can be unit-tested natively.
package skill
