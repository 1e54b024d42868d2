/*
 * tools.h: the built-in file tools (read, write, edit, ls, find, grep) and
 * what they share: limits, the state of one call, errors as the model
 * sees them.
 *
 * The tools are a port of package tools-wasm/builtin (Go) with identical
 * behaviour and output text: the Go package's tests are their
 * specification, run against this module by tools-wasm/stepguest's
 * conformance tests. Each function's comment names the Go function it
 * mirrors; where the Go code's behaviour depends on its platform, this code
 * does what the Go guest does under GOOS=wasip1 (for example, errno texts
 * are Go's wasip1 texts).
 */
#ifndef STEP_TOOLS_H
#define STEP_TOOLS_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"

/* Errors: a positive value is a WASI errno; the negative ones are the
 * errors Go's os.Root makes itself. */
typedef int32_t err_t;
enum {
	ERR_ESCAPES = -1,    /* "path escapes from parent" */
	ERR_EMPTY_PATH = -2, /* "empty path" */
	ERR_NOT_DIR = -3,    /* os.Root's own "not a directory" */
	ERR_SYMLINK = -4,    /* internal: follow the symbolic link read */
	ERR_BUDGET = -5,     /* internal: the call's time budget ran out */
};

/* limits_t is builtin.Limits with its defaults applied (limits_default). */
typedef struct {
	int64_t read_lines, output_bytes, line_bytes, entries, matches, visit, depth;
	int64_t budget_ns, grep_file_bytes, write_bytes;
} limits_t;

/* limits_default returns the default limits with the given budget in
 * nanoseconds (zero or negative: the default 30 s). */
limits_t limits_default(int64_t budget_ns);

/* call_t is one tool call: the workspace root directory, the limits and
 * the end of the time budget on the monotonic clock. */
typedef struct {
	int32_t root;
	limits_t lim;
	uint64_t deadline;
} call_t;

/* over_budget reports whether the call's time budget has run out. */
bool over_budget(const call_t *c);

/* capped lowers a tool's limit parameter to max; zero means max. */
static inline int64_t capped(int64_t requested, int64_t max) {
	return (requested <= 0 || requested > max) ? max : requested;
}

/* tools_has reports whether name is a built-in tool. */
bool tools_has(const char *name, size_t n);

/* tools_call runs the built-in tool name with the JSON arguments at node
 * input of d (JNONE: none), with budget_ns as the time budget, and sets
 * out to the result text; it returns whether the result is an error. */
bool tools_call(const char *name, size_t n, const jdoc *d, uint32_t input, int64_t budget_ns, buf_t *out);

/* The tools. Each writes its result or its error message to out and
 * returns true for an error. */
bool tool_read(call_t *c, const jdoc *d, uint32_t input, buf_t *out);
bool tool_write(call_t *c, const jdoc *d, uint32_t input, buf_t *out);
bool tool_edit(call_t *c, const jdoc *d, uint32_t input, buf_t *out);
bool tool_ls(call_t *c, const jdoc *d, uint32_t input, buf_t *out);
bool tool_find(call_t *c, const jdoc *d, uint32_t input, buf_t *out);
bool tool_grep(call_t *c, const jdoc *d, uint32_t input, buf_t *out);

/* Mount is the virtual directory under which the model sees the
 * workspace. */
#define MOUNT "/workspace"

/* resolve maps a tool's path argument to a clean name relative to the
 * workspace ("." or "a/b"), or writes why not (without the tool's prefix)
 * to why and returns false (builtin.resolve). */
bool resolve(const char *p, size_t n, buf_t *name, buf_t *why);

/* put_shown appends how a resolved name appears in messages: the name,
 * or "/workspace" for the workspace itself (builtin.shown). */
void put_shown(buf_t *b, const char *name);

/* put_display appends a file name as listings show it: as is, or quoted
 * with Go escapes when it holds a control character or a bidirectional
 * override (builtin.displayName). */
void put_display(buf_t *b, const char *name, size_t n);

/* put_describe appends the description of a file system error for the
 * model (builtin.describe). */
void put_describe(buf_t *b, err_t err);

/* fs_error writes "<op> <shown name>: <reason>" for a failed file
 * operation, explaining a permission error that is the host's refusal of
 * a hard link or a special file (builtin.call.fsError). */
void fs_error(call_t *c, buf_t *out, const char *op, const char *name, err_t err);

#endif
