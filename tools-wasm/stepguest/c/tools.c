/*
 * tools.c: running a built-in tool (builtin/toolbox.go): the workspace
 * root, the limits and their defaults (builtin/limits.go), the time budget,
 * and the errors that explain the host's refusals (builtin/refused.go).
 */
#include "tools.h"

#include "root.h"
#include "wasi.h"

limits_t limits_default(int64_t budget_ns) {
	return (limits_t){
		.read_lines = 2000,
		.output_bytes = 50 << 10,
		.line_bytes = 2000,
		.entries = 500,
		.matches = 100,
		.visit = 100000,
		.depth = 64,
		.budget_ns = budget_ns > 0 ? budget_ns : 30000000000ll,
		.grep_file_bytes = 8 << 20,
		.write_bytes = 10 << 20,
	};
}

bool over_budget(const call_t *c) { return monotonic_ns() > c->deadline; }

typedef bool (*tool_fn)(call_t *, const jdoc *, uint32_t, buf_t *);

static const struct {
	const char *name;
	tool_fn fn;
} tools[] = {
	{"read", tool_read}, {"write", tool_write}, {"edit", tool_edit},
	{"ls", tool_ls},     {"find", tool_find},   {"grep", tool_grep},
};

static tool_fn lookup(const char *name, size_t n) {
	for (size_t i = 0; i < sizeof tools / sizeof *tools; i++)
		if (strlen(tools[i].name) == n && memcmp(tools[i].name, name, n) == 0)
			return tools[i].fn;
	return NULL;
}

bool tools_has(const char *name, size_t n) { return lookup(name, n) != NULL; }

/* workspace_fd returns the preopened directory named /workspace, found
 * once, or -1. */
static int32_t workspace_fd(void) {
	static int32_t fd = -2;
	if (fd != -2)
		return fd;
	fd = -1;
	for (int32_t i = 3;; i++) {
		__wasi_prestat_t ps;
		if (wasi_fd_prestat_get(i, &ps) != 0)
			break;
		if (ps.tag != __WASI_PREOPENTYPE_DIR || ps.u.dir.pr_name_len != sizeof MOUNT - 1)
			continue;
		char name[sizeof MOUNT];
		if (wasi_fd_prestat_dir_name(i, name, sizeof MOUNT - 1) == 0 && memcmp(name, MOUNT, sizeof MOUNT - 1) == 0) {
			fd = i;
			break;
		}
	}
	return fd;
}

bool tools_call(const char *name, size_t n, const jdoc *d, uint32_t input, int64_t budget_ns, buf_t *out) {
	out->n = 0;
	tool_fn fn = lookup(name, n);
	if (!fn) {
		buf_puts(out, "unknown tool ");
		buf_quote(out, name, n);
		buf_puts(out, "; the built-in tools are read, write, edit, ls, find and grep");
		return true;
	}
	call_t c = {.root = workspace_fd(), .lim = limits_default(budget_ns)};
	if (c.root < 0) {
		/* What os.Stat("/workspace") says in a Go guest without the
		 * preopen. */
		buf_put(out, name, n);
		buf_puts(out, ": cannot open the workspace: stat " MOUNT ": Bad file number");
		return true;
	}
	c.deadline = monotonic_ns() + (uint64_t)c.lim.budget_ns;
	return fn(&c, d, input, out);
}

/* put_mode_type appends a file type as Go's FileMode.String shows the
 * type bits of a wasip1 file (devices, sockets, links). */
static void put_mode_type(buf_t *b, uint8_t type) {
	switch (type) {
	case __WASI_FILETYPE_DIRECTORY: buf_putc(b, 'd'); break;
	case __WASI_FILETYPE_SYMBOLIC_LINK: buf_putc(b, 'L'); break;
	case __WASI_FILETYPE_BLOCK_DEVICE: buf_putc(b, 'D'); break;
	case __WASI_FILETYPE_CHARACTER_DEVICE: buf_puts(b, "Dc"); break;
	case __WASI_FILETYPE_SOCKET_DGRAM:
	case __WASI_FILETYPE_SOCKET_STREAM: buf_putc(b, 'S'); break;
	default: buf_putc(b, '-');
	}
	buf_puts(b, "---------");
}

void not_regular(buf_t *out, const char *op, const char *name, const wstat_t *st) {
	buf_puts(out, op);
	buf_putc(out, ' ');
	put_shown(out, name);
	buf_puts(out, ": not a regular file (");
	put_mode_type(out, st->type);
	buf_putc(out, ')');
}

void fs_error(call_t *c, buf_t *out, const char *op, const char *name, err_t err) {
	out->n = 0;
	if (err == __WASI_ERRNO_ACCES || err == __WASI_ERRNO_PERM) {
		wstat_t st;
		if (root_stat(c->root, name, false, &st) == 0) {
			if (st.type == __WASI_FILETYPE_UNKNOWN) {
				buf_puts(out, op);
				buf_putc(out, ' ');
				put_shown(out, name);
				buf_puts(out, ": not a regular file (a FIFO, a socket or another special file)");
				return;
			}
			if (wstat_regular(&st) && st.nlink > 1) {
				buf_puts(out, op);
				buf_putc(out, ' ');
				put_shown(out, name);
				buf_puts(out, ": refused: the file has several hard links, which could name a file outside the workspace");
				return;
			}
			if (!wstat_regular(&st) && !wstat_dir(&st)) {
				not_regular(out, op, name, &st);
				return;
			}
		}
	}
	buf_puts(out, op);
	buf_putc(out, ' ');
	put_shown(out, name);
	buf_puts(out, ": ");
	put_describe(out, err);
}
