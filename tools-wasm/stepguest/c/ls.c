/*
 * ls.c: the ls tool (builtin/ls.go): a directory's entries sorted by name,
 * one a line, directories with '/' and symbolic links with '@' (not
 * followed), at most Entries (or limit, if lower).
 */
#include "args.h"
#include "output.h"
#include "root.h"
#include "walk.h"

bool tool_ls(call_t *c, const jdoc *d, uint32_t input, buf_t *out) {
	buf_t path = {0}, name = {0}, why = {0}, line = {0}, notice = {0};
	int64_t limit = 0;
	bool is_err = true;
	dirents_t entries = {0};
	output_t o = {.max = c->lim.output_bytes};
	const arg_t args[] = {
		{"path", A_STR, &path, NULL},
		{"limit", A_INT, &limit, NULL},
	};
	if (!args_decode(d, input, "lsInput", args, 2, &why)) {
		buf_put(out, why.p, why.n);
		goto done;
	}
	if (limit < 0) {
		buf_puts(out, "ls: limit must not be negative (got ");
		buf_i64(out, limit);
		buf_putc(out, ')');
		goto done;
	}
	if (!resolve(path.p, path.n, &name, &why)) {
		buf_puts(out, "ls: ");
		buf_put(out, why.p, why.n);
		goto done;
	}
	const char *nm = buf_cstr(&name);
	wstat_t st;
	err_t e = root_stat(c->root, nm, false, &st);
	if (e) {
		fs_error(c, out, "ls", nm, e);
		goto done;
	}
	if (!wstat_dir(&st)) {
		buf_puts(out, "ls ");
		put_shown(out, nm);
		buf_puts(out, ": not a directory; use read to view a file");
		goto done;
	}
	int32_t dir;
	e = open_dir_for_reading(c, nm, &dir);
	if (e == 0) {
		e = read_dir(c, dir, c->lim.visit, &entries);
		fd_close(dir);
	}
	if (e == ERR_BUDGET) {
		buf_puts(out, "ls ");
		put_shown(out, nm);
		buf_puts(out, ": stopped after ");
		buf_duration(out, c->lim.budget_ns);
		buf_puts(out, ", the time budget of one tool call, while reading the directory; use find with a pattern");
		goto done;
	}
	if (e) {
		fs_error(c, out, "ls", nm, e);
		goto done;
	}
	is_err = false;
	if (entries.n == 0) {
		put_shown(out, nm);
		buf_puts(out, " is an empty directory");
		goto done;
	}
	int64_t lim = capped(limit, c->lim.entries);
	size_t n = 0;
	for (size_t i = 0; i < entries.n; i++) {
		if ((int64_t)n == lim)
			break;
		line.n = 0;
		put_entry(&line, entries.v[i].name, entries.v[i].len, entries.v[i].type);
		if (!out_line(&o, line.p, line.n))
			break;
		n++;
	}
	if (n == entries.n) {
		out_text(&o, "", 0, out);
		goto done;
	}
	buf_puts(&notice, "[showing ");
	buf_u64(&notice, n);
	buf_puts(&notice, " of ");
	if ((int64_t)entries.n > c->lim.visit) {
		buf_puts(&notice, "more than ");
		buf_i64(&notice, c->lim.visit);
	} else {
		buf_u64(&notice, entries.n);
	}
	buf_puts(&notice, " entries; use find with a pattern to narrow the listing]");
	out_text(&o, notice.p, notice.n, out);
done:
	dirents_free(&entries);
	buf_free(&o.b);
	buf_free(&path);
	buf_free(&name);
	buf_free(&why);
	buf_free(&line);
	buf_free(&notice);
	return is_err;
}
