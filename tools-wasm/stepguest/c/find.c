/*
 * find.c: the find tool (builtin/find.go): the files and directories below
 * path whose path relative to it matches a glob pattern, in walk order, as
 * paths relative to /workspace; at most Entries (or limit, if lower).
 */
#include "args.h"
#include "glob.h"
#include "output.h"
#include "walk.h"

typedef struct {
	glob_t g;
	output_t o;
	int64_t limit, shown, total;
	buf_t line;
} finder_t;

static bool find_visit(void *ctx, int32_t dir, const buf_t *name, const buf_t *rel, const dirent_t *d) {
	(void)dir;
	finder_t *f = ctx;
	if (!glob_match(&f->g, rel->p, rel->n))
		return true;
	f->total++;
	if (f->shown < f->limit && !f->o.full) {
		f->line.n = 0;
		put_entry(&f->line, name->p, name->n, d->type);
		if (out_line(&f->o, f->line.p, f->line.n))
			f->shown++;
	}
	return true;
}

bool tool_find(call_t *c, const jdoc *d, uint32_t input, buf_t *out) {
	buf_t pattern = {0}, path = {0}, base = {0}, why = {0}, notes = {0};
	int64_t limit = 0;
	bool is_err = true;
	finder_t f = {.o = {.max = c->lim.output_bytes}};
	const arg_t args[] = {
		{"pattern", A_STR, &pattern, NULL},
		{"path", A_STR, &path, NULL},
		{"limit", A_INT, &limit, NULL},
	};
	if (!args_decode(d, input, "findInput", args, 3, &why)) {
		buf_put(out, why.p, why.n);
		goto done;
	}
	if (pattern.n == 0) {
		buf_puts(out, "find: pattern is required, for example \"**/*.go\"");
		goto done;
	}
	if (limit < 0) {
		buf_puts(out, "find: limit must not be negative (got ");
		buf_i64(out, limit);
		buf_putc(out, ')');
		goto done;
	}
	if (!glob_compile(pattern.p, pattern.n, &f.g, &why)) {
		buf_puts(out, "find: ");
		buf_put(out, why.p, why.n);
		goto done;
	}
	if (!resolve(path.p, path.n, &base, &why)) {
		buf_puts(out, "find: ");
		buf_put(out, why.p, why.n);
		goto done;
	}
	const char *nm = buf_cstr(&base);
	wstat_t st;
	err_t e = root_stat(c->root, nm, false, &st);
	if (e) {
		fs_error(c, out, "find", nm, e);
		goto done;
	}
	if (!wstat_dir(&st)) {
		buf_puts(out, "find ");
		put_shown(out, nm);
		buf_puts(out, ": not a directory");
		goto done;
	}
	is_err = false;
	f.limit = capped(limit, c->lim.entries);
	walkstop_t stop = walk(c, nm, find_visit, &f);
	walk_notices(stop, &c->lim, &notes);
	if (notes.n) {
		note_begin(&notes);
		buf_puts(&notes, "[showing ");
		buf_i64(&notes, f.shown);
		buf_puts(&notes, " of the first ");
		buf_i64(&notes, f.total);
		buf_puts(&notes, " matches]");
	} else if (f.shown < f.total) {
		buf_puts(&notes, "[showing ");
		buf_i64(&notes, f.shown);
		buf_puts(&notes, " of ");
		buf_i64(&notes, f.total);
		buf_puts(&notes, " matches; narrow path or pattern]");
	} else if (f.total == 0) {
		buf_puts(out, "no files match ");
		buf_quote(out, pattern.p, pattern.n);
		buf_puts(out, " in ");
		put_shown(out, nm);
		goto done;
	}
	out_text(&f.o, notes.p, notes.n, out);
done:
	glob_free(&f.g);
	buf_free(&f.o.b);
	buf_free(&f.line);
	buf_free(&pattern);
	buf_free(&path);
	buf_free(&base);
	buf_free(&why);
	buf_free(&notes);
	return is_err;
}
