/*
 * The step guest: bulkhead's agent loop as a small WebAssembly module in C.
 *
 * step.wasm is a WASI preview 1 command. One instance runs one step of an
 * agent run and exits, so that no guest is alive while a run waits on the
 * model or on a tool the host serves (issue 14). The protocol is
 * docs/hostcall.md, "Step-wise agent guests": _start calls step.begin,
 * reads the model's answer, runs the built-in file tools against
 * /workspace, reports each with event.emit, builds the next request (or
 * asks the host for its tools, or finishes the run), calls step.end and
 * exits with status 0. A step that cannot do its work writes why to
 * stderr and exits with status 1 without step.end.
 *
 * Imports: wasi_snapshot_preview1 (the file system of the /workspace
 * preopen, the monotonic clock, stderr, proc_exit) and bulkhead_v1 (call,
 * take). Exports: memory and _start.
 *
 * Files (one concern each):
 *   main.c          this entry point
 *   step.c          the loop step: what to append, run and answer
 *   host.c          the host-call interface (bulkhead_v1)
 *   json.c          a JSON tape reader and Go-compatible string writer
 *   buf.c utf8.c    buffers, Go-compatible formatting and UTF-8
 *   scan.c          byte scans with few loop iterations (see below)
 *   sbrk.c          the heap's break, inside the initial memory
 *   tools.c args.c  running a tool: limits, arguments, errors
 *   paths.c root.c  paths under /workspace; os.Root-style confined access
 *   read.c write.c edit.c ls.c find.c grep.c   the six built-in tools
 *   lines.c output.c walk.c glob.c             what the tools share
 *   re_*.c          RE2-syntax regular expressions, matched in linear time
 *   specs.c unicode_tables.c   generated from Go by ../gen
 *   probe.c         a test entry for the JSON and regexp code (not in
 *                   step.wasm; see ../fuzz_test.go)
 *
 * Memory: the stack comes first (64 KiB; an overflow traps rather than
 * overwriting data), then the data (about 42 KiB), then the heap, in 3
 * initial pages that hold malloc's first chunk, so that a typical step
 * never grows its memory (in wazero, a growth copies it).
 *
 * Speed: the host interrupts guests with wazero's WithCloseOnContextDone,
 * which costs an exit to Go at every loop iteration; hot loops handle 8 to
 * 32 bytes, or eight lines, per iteration (scan.h).
 *
 * The tools are a port of tools-wasm/builtin with identical behaviour and
 * output; tools-wasm/stepguest's Go tests run the Go package's test cases
 * against this module. Build with `make wasm` (Debian's clang and
 * wasi-libc); the committed tools-wasm/modules/step.wasm is what the host
 * embeds. Why C, and how the memory is laid out: docs/RATIONALE.md, "The
 * guest is C".
 */
#include <unistd.h>

#include "step.h"

int main(void) {
	buf_t why = {0};
	if (step_run(&why) == 0)
		return 0;
	buf_puts(&why, "\n");
	(void)write(2, "step: ", 6);
	(void)write(2, why.p, why.n);
	return 1;
}
