/*
 * grep.c: the grep tool (builtin/grep.go): file contents searched line by
 * line for a regular expression in RE2 syntax (re.h), or for literal
 * text, in a file or in the files below a directory whose path relative
 * to it matches glob. Matching lines print as "path:line: text" and
 * context lines as "path-line- text", groups separated by "--", as
 * grep(1) does. Binary files and files over GrepFileBytes are skipped and
 * counted.
 */
#include <stdlib.h>

#include "args.h"
#include "glob.h"
#include "output.h"
#include "re.h"
#include "scan.h"
#include "utf8.h"
#include "walk.h"

/* GREP_CHECK_LINES is how many lines grep searches between two checks of
 * the time budget. */
#define GREP_CHECK_LINES 4096

typedef struct {
	call_t *c;
	re_t *re;
	glob_t *filter;
	int64_t context, limit, matches, binary, large;
	output_t o;
	bool more, budget;
	buf_t data, line;
	size_t *starts; /* scratch: starts of context lines */
	size_t nstarts;
} grep_t;

static bool budget_check(void *arg) { return over_budget(arg); }

/* print adds one line of output; sep is ':' for a match, '-' for
 * context. */
static bool print(grep_t *g, const buf_t *name, int64_t i, char sep, const uint8_t *line, size_t n) {
	g->line.n = 0;
	put_display(&g->line, name->p, name->n);
	buf_putc(&g->line, sep);
	buf_i64(&g->line, i + 1);
	buf_putc(&g->line, sep);
	buf_putc(&g->line, ' ');
	append_cut(&g->line, line, n, (int64_t)n, g->c->lim.line_bytes);
	return out_line(&g->o, g->line.p, g->line.n);
}

/* trimmed_end returns the end of the line starting at start, without its
 * newline and its last carriage return, and the start of the next line in
 * *next. */
static size_t trimmed_end(const uint8_t *d, size_t n, size_t start, size_t *next) {
	const uint8_t *nl = memchr(d + start, '\n', n - start);
	size_t end = nl ? (size_t)(nl - d) : n;
	*next = nl ? end + 1 : n;
	if (end > start && d[end - 1] == '\r')
		end--;
	return end;
}

/* skipped_past_check reports whether skipping k lines from line i passes
 * a line where the search checks its time budget, and the budget has run
 * out: the budget is checked as it is line by line. */
static bool skipped_past_check(grep_t *g, int64_t i, int64_t k) {
	return (i % GREP_CHECK_LINES) + k >= GREP_CHECK_LINES && over_budget(g->c);
}

/* search searches one file's contents, shown as name. */
static void search(grep_t *g, const buf_t *name) {
	const uint8_t *d = (const uint8_t *)g->data.p;
	size_t n = g->data.n;
	if (is_binary(d, n < SNIFF_BYTES ? n : SNIFF_BYTES)) {
		g->binary++;
		return;
	}
	/* With a literal prefix, only lines where it occurs can match: a file
	 * without it is done, and the lines before the next occurrence are
	 * counted, not searched (while no context lines are due). */
	bool skip = re_has_prefix(g->re);
	int64_t last = -1, after = 0;
	size_t pos = 0;
	for (int64_t i = 0; pos < n; i++) {
		if (skip && after == 0) {
			size_t q = re_prefix_next(g->re, d, n, pos);
			if (q == n) { /* the rest cannot match: count its lines */
				int64_t k = (int64_t)scan_count(d + pos, n - pos, '\n') + (d[n - 1] != '\n');
				if (skipped_past_check(g, i, k))
					g->budget = true;
				return;
			}
			size_t nl = scan_rfind(d + pos, q - pos, '\n');
			if (nl < q - pos) { /* q is on a later line */
				int64_t k = (int64_t)scan_count(d + pos, q - pos, '\n');
				if (skipped_past_check(g, i, k)) {
					g->budget = true;
					return;
				}
				i += k;
				pos += nl + 1;
			}
		}
		size_t start = pos, next;
		size_t end = trimmed_end(d, n, start, &next);
		pos = next;
		if (i % GREP_CHECK_LINES == GREP_CHECK_LINES - 1 && over_budget(g->c)) {
			g->budget = true;
			return;
		}
		int m = re_match(g->re, d + start, end - start, budget_check, g->c);
		if (m < 0) {
			g->budget = true;
			return;
		}
		if (m) {
			if (g->matches == g->limit) {
				g->more = true;
				return;
			}
			int64_t first = i - g->context;
			if (first < last + 1)
				first = last + 1;
			if (g->context > 0 && g->o.b.n > 0 && (last < 0 || first > last + 1))
				out_line(&g->o, "--", 2);
			/* The starts of lines first..i-1, found backwards. */
			size_t k = (size_t)(i - first);
			if (k > g->nstarts) {
				g->starts = xrealloc(g->starts, k * sizeof *g->starts);
				g->nstarts = k;
			}
			size_t s = start;
			for (size_t j = k; j-- > 0;) {
				size_t b = s - 1; /* the newline ending line first+j */
				while (b > 0 && d[b - 1] != '\n')
					b--;
				g->starts[j] = b;
				s = b;
			}
			for (size_t j = 0; j < k; j++) {
				size_t nx, e = trimmed_end(d, n, g->starts[j], &nx);
				print(g, name, first + (int64_t)j, '-', d + g->starts[j], e - g->starts[j]);
			}
			if (!print(g, name, i, ':', d + start, end - start))
				return;
			g->matches++;
			last = i;
			after = g->context;
		} else if (after > 0) {
			print(g, name, i, '-', d + start, end - start);
			last = i;
			after--;
		}
		if (g->o.full)
			return;
	}
}

static bool grep_visit(void *ctx, int32_t dir, const buf_t *name, const buf_t *rel, const dirent_t *d) {
	grep_t *g = ctx;
	if ((d->type != __WASI_FILETYPE_REGULAR_FILE && d->type != __WASI_FILETYPE_UNKNOWN) ||
	    (g->filter && !glob_match(g->filter, rel->p, rel->n)))
		return true;
	wstat_t st;
	if (lstat_at(dir, d->name, d->len, &st))
		return true;
	if ((int64_t)st.size > g->c->lim.grep_file_bytes) {
		g->large++;
	} else {
		g->data.n = 0;
		if (read_file_at(dir, d->name, d->len, &g->data) == 0)
			search(g, name);
	}
	return !g->more && !g->o.full && !g->budget;
}

bool tool_grep(call_t *c, const jdoc *d, uint32_t input, buf_t *out) {
	buf_t pattern = {0}, path = {0}, globp = {0}, expr = {0}, base = {0}, why = {0}, notes = {0};
	int64_t context = 0, limit = 0;
	bool ignore_case = false, literal = false, is_err = true;
	glob_t filter = {0};
	bool have_filter = false;
	grep_t g = {.c = c, .o = {.max = c->lim.output_bytes}};
	const arg_t args[] = {
		{"pattern", A_STR, &pattern, NULL},
		{"path", A_STR, &path, NULL},
		{"glob", A_STR, &globp, NULL},
		{"ignoreCase", A_BOOL, &ignore_case, NULL},
		{"literal", A_BOOL, &literal, NULL},
		{"context", A_INT, &context, NULL},
		{"limit", A_INT, &limit, NULL},
	};
	if (!args_decode(d, input, "grepInput", args, 7, &why)) {
		buf_put(out, why.p, why.n);
		goto done;
	}
	if (pattern.n == 0) {
		buf_puts(out, "grep: pattern is required");
		goto done;
	}
	if (context < 0 || limit < 0) {
		buf_puts(out, "grep: ");
		if (context < 0) {
			buf_puts(out, "context must not be negative (got ");
			buf_i64(out, context);
			buf_putc(out, ')');
		}
		if (limit < 0) {
			if (context < 0)
				buf_putc(out, '\n');
			buf_puts(out, "limit must not be negative (got ");
			buf_i64(out, limit);
			buf_putc(out, ')');
		}
		goto done;
	}
	if (ignore_case)
		buf_puts(&expr, "(?i)");
	if (literal)
		re_quote_meta(&expr, pattern.p, pattern.n);
	else
		buf_put(&expr, pattern.p, pattern.n);
	g.re = re_compile(expr.p, expr.n, &why);
	if (!g.re) {
		buf_puts(out, "grep: invalid regular expression: ");
		buf_put(out, why.p, why.n);
		buf_puts(out, "; set literal to true to search for the text as is");
		goto done;
	}
	if (globp.n) {
		why.n = 0;
		if (!glob_compile(globp.p, globp.n, &filter, &why)) {
			buf_puts(out, "grep: glob: ");
			buf_put(out, why.p, why.n);
			goto done;
		}
		have_filter = true;
		g.filter = &filter;
	}
	why.n = 0;
	if (!resolve(path.p, path.n, &base, &why)) {
		buf_puts(out, "grep: ");
		buf_put(out, why.p, why.n);
		goto done;
	}
	const char *nm = buf_cstr(&base);
	wstat_t st;
	err_t e = root_stat(c->root, nm, false, &st);
	if (e) {
		fs_error(c, out, "grep", nm, e);
		goto done;
	}
	g.context = context;
	g.limit = capped(limit, c->lim.matches);
	walkstop_t stop = {0};
	if (wstat_regular(&st)) {
		if ((int64_t)st.size > c->lim.grep_file_bytes) {
			g.large++;
		} else {
			e = root_read_file(c->root, nm, &g.data);
			if (e) {
				fs_error(c, out, "grep", nm, e);
				goto done;
			}
			search(&g, &base);
		}
		stop.budget = g.budget;
	} else if (wstat_dir(&st)) {
		stop = walk(c, nm, grep_visit, &g);
		stop.budget = stop.budget || g.budget;
	} else {
		buf_puts(out, "grep ");
		put_shown(out, nm);
		buf_puts(out, ": not a regular file or directory");
		goto done;
	}
	is_err = false;
	/* The result (grepRun.result). */
	if (g.more) {
		buf_puts(&notes, "[stopped after ");
		buf_count(&notes, g.matches, "match", "matches");
		buf_puts(&notes, "; narrow the pattern, path or glob]");
	} else if (g.o.full) {
		buf_puts(&notes, "[output limit of ");
		buf_size(&notes, c->lim.output_bytes);
		buf_puts(&notes, " reached after ");
		buf_count(&notes, g.matches, "match", "matches");
		buf_puts(&notes, "; narrow the pattern, path or glob]");
	}
	walk_notices(stop, &c->lim, &notes);
	if (g.large > 0) {
		note_begin(&notes);
		buf_puts(&notes, "[skipped ");
		buf_count(&notes, g.large, "file", "files");
		buf_puts(&notes, " over ");
		buf_size(&notes, c->lim.grep_file_bytes);
		buf_putc(&notes, ']');
	}
	if (g.matches == 0 && g.binary > 0) {
		note_begin(&notes);
		buf_puts(&notes, "[skipped ");
		buf_count(&notes, g.binary, "binary file", "binary files");
		buf_putc(&notes, ']');
	}
	if (g.matches == 0) {
		buf_puts(out, "no matches for ");
		buf_quote(out, pattern.p, pattern.n);
		buf_puts(out, " in ");
		put_shown(out, nm);
		buf_putc(out, '\n');
		buf_put(out, notes.p, notes.n);
		/* strings.TrimSpace: the text starts with "no", so only its end. */
		while (out->n > 0) {
			size_t k = out->n - 1;
			while (k > 0 && !utf8_rune_start((uint8_t)out->p[k]))
				k--;
			int32_t r;
			int w = utf8_decode((const uint8_t *)out->p + k, out->n - k, &r);
			if ((size_t)w != out->n - k || !uni_is_space(r))
				break;
			out->n = k;
		}
		goto done;
	}
	out_text(&g.o, notes.p, notes.n, out);
done:
	re_free(g.re);
	if (have_filter)
		glob_free(&filter);
	buf_free(&g.o.b);
	buf_free(&g.data);
	buf_free(&g.line);
	free(g.starts);
	buf_free(&pattern);
	buf_free(&path);
	buf_free(&globp);
	buf_free(&expr);
	buf_free(&base);
	buf_free(&why);
	buf_free(&notes);
	return is_err;
}
