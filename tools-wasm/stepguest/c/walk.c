/*
 * walk.c: the directory walk of find and grep; see walk.h. Every step is
 * relative to the directory before it, so a walk costs O(entries) lookups
 * however deep the tree, in the guest and in the host's confined file
 * system alike.
 */
#include "walk.h"

#include "paths.h"

typedef struct {
	call_t *c;
	walk_fn fn;
	void *ctx;
	int64_t visited;
	walkstop_t stop;
	bool ended;
	buf_t name, rel;
} walker_t;

static void walk_dir(walker_t *w, int32_t fd, int64_t depth) {
	dirents_t entries = {0};
	err_t e = read_dir(w->c, fd, w->c->lim.visit - w->visited, &entries);
	if (e == ERR_BUDGET) {
		w->stop.budget = true;
		w->ended = true;
	}
	size_t name_len = w->name.n, rel_len = w->rel.n;
	bool top = name_len == 1 && w->name.p[0] == '.'; /* join(".", x) is x */
	for (size_t i = 0; i < entries.n; i++) {
		if (w->ended)
			break;
		if (++w->visited > w->c->lim.visit) {
			w->stop.visit_limit = true;
			w->ended = true;
			break;
		}
		if (over_budget(w->c)) {
			w->stop.budget = true;
			w->ended = true;
			break;
		}
		const dirent_t *d = &entries.v[i];
		w->name.n = name_len;
		w->rel.n = rel_len;
		if (top)
			w->name.n = 0;
		else if (name_len)
			buf_putc(&w->name, '/');
		buf_put(&w->name, d->name, d->len);
		if (rel_len)
			buf_putc(&w->rel, '/');
		buf_put(&w->rel, d->name, d->len);
		if (!w->fn(w->ctx, fd, &w->name, &w->rel, d)) {
			w->ended = true;
			break;
		}
		if (d->type != __WASI_FILETYPE_DIRECTORY || (d->len == 4 && memcmp(d->name, ".git", 4) == 0))
			continue;
		if (depth >= w->c->lim.depth) {
			w->stop.deep++;
			continue;
		}
		int32_t sub;
		if (open_subdir(fd, d->name, d->len, &sub))
			continue;
		walk_dir(w, sub, depth + 1);
		fd_close(sub);
	}
	w->name.n = name_len;
	w->rel.n = rel_len;
	dirents_free(&entries);
}

err_t open_dir_for_reading(call_t *c, const char *name, int32_t *fd) {
	if (strcmp(name, ".") == 0)
		return root_open(c->root, ".", RO_RDONLY, fd);
	return root_open_root(c->root, name, fd);
}

walkstop_t walk(call_t *c, const char *base, walk_fn fn, void *ctx) {
	walker_t w = {.c = c, .fn = fn, .ctx = ctx};
	int32_t fd;
	if (open_dir_for_reading(c, base, &fd))
		return w.stop;
	buf_puts(&w.name, base);
	walk_dir(&w, fd, 1);
	fd_close(fd);
	buf_free(&w.name);
	buf_free(&w.rel);
	return w.stop;
}

void walk_notices(walkstop_t s, const limits_t *lim, buf_t *notes) {
	if (s.visit_limit) {
		note_begin(notes);
		buf_puts(notes, "[search stopped after visiting ");
		buf_i64(notes, lim->visit);
		buf_puts(notes, " entries; narrow the path or pattern]");
	}
	if (s.budget) {
		note_begin(notes);
		buf_puts(notes, "[search stopped after ");
		buf_duration(notes, lim->budget_ns);
		buf_puts(notes, ", the time budget of one tool call; showing what was found so far; narrow the path or pattern]");
	}
	if (s.deep > 0) {
		note_begin(notes);
		buf_putc(notes, '[');
		buf_count(notes, s.deep, "directory", "directories");
		buf_puts(notes, " deeper than ");
		buf_i64(notes, lim->depth);
		buf_puts(notes, " levels not searched; search from a deeper path]");
	}
}

void put_entry(buf_t *b, const char *name, size_t n, uint8_t type) {
	put_display(b, name, n);
	if (type == __WASI_FILETYPE_SYMBOLIC_LINK)
		buf_putc(b, '@');
	else if (type == __WASI_FILETYPE_DIRECTORY)
		buf_putc(b, '/');
}
