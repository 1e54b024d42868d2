// Package builtin implements the file tools the agent loop runs inside its
// WebAssembly guest (GOOS=wasip1): read, write, edit, ls, find and grep, with
// the names and JSON parameters fixed by the architecture's tool contract.
//
// A [Toolbox] maps the virtual directory /workspace (the guest's only
// preopen) onto its Root directory. It opens Root as an [os.Root] on its
// first call and keeps it while Root names the same directory, so each file
// operation is resolved beneath it: tool paths that escape /workspace by
// "..", by an absolute path elsewhere or through a symbolic link are refused
// with the error "path escapes the workspace". The host's file system layer
// (package wasmhost/confined) confines the guest as well; this package is
// defence in depth and exists to give the model clear errors, including
// why the host refused a file (several hard links, a special file).
//
// # Notes
//
//   - Tool errors come back as a [Result] with IsError set, never as a Go
//     error or a panic; a panic inside a tool is recovered and reported.
//   - Unknown JSON parameters are ignored (models add stray keys); wrongly
//     typed or missing required parameters are errors.
//   - Every output is bounded by [Limits]; when a result is cut, it ends with
//     a bracketed notice that says how to get the rest.
//   - The guest runs this code compiled to WebAssembly, several times slower
//     than native code, and every WASI call crosses into the host: read
//     opens a file before checking it (fstat on the descriptor, one path
//     resolution), reuses its buffers between calls and formats line
//     numbers without package fmt.
//   - Walks (find, grep) visit entries in lexical order, do not follow
//     symbolic links and skip the contents of directories named ".git".
//   - write and edit replace a file's content in place (truncate, write,
//     fsync) rather than by temporary file and rename: WASI preview 1 has no
//     chmod, so a renamed replacement would reset every edited file's mode
//     to 0600 and drop the executable bits the bash tool relies on. A crash
//     in the middle of a write can therefore leave a torn file; workspace
//     files are the model's working copy, not acknowledged runtime state.
//   - The package uses only the standard library and package chat, and
//     compiles for the host and for GOOS=wasip1 GOARCH=wasm.
package builtin
