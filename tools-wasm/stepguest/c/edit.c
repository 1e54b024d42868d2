/*
 * edit.c: the edit tool (builtin/edit.go): exact-text replacements applied
 * in order, each to the result of the ones before; each oldText must occur
 * exactly once. The file is written only if every edit applies, in place.
 * When a file has CRLF line endings and an oldText with bare LF endings is
 * not found, the edit is retried with both texts converted to CRLF.
 */
#include <stdlib.h>

#include "args.h"
#include "root.h"

err_t replace_file(call_t *c, const char *name, const char *data, size_t n);

/* find returns the first occurrence of needle in hay, or NULL. */
static const char *find(const char *hay, size_t hn, const char *needle, size_t nn) {
	if (nn == 0)
		return hay;
	while (hn >= nn) {
		const char *p = memchr(hay, needle[0], hn - nn + 1);
		if (!p)
			return NULL;
		if (memcmp(p, needle, nn) == 0)
			return p;
		hn -= (size_t)(p - hay) + 1;
		hay = p + 1;
	}
	return NULL;
}

/* count counts the non-overlapping occurrences of needle (strings.Count). */
static size_t count(const char *hay, size_t hn, const char *needle, size_t nn) {
	size_t k = 0;
	for (;;) {
		const char *p = find(hay, hn, needle, nn);
		if (!p)
			return k;
		k++;
		hn -= (size_t)(p - hay) + nn;
		hay = p + nn;
	}
}

/* crlf converts bare LF line endings in s to CRLF. */
static void crlf(buf_t *dst, const buf_t *s) {
	dst->n = 0;
	for (size_t i = 0; i < s->n; i++) {
		if (s->p[i] == '\n')
			buf_putc(dst, '\r');
		buf_putc(dst, s->p[i]);
	}
}

/* put_lines describes how many lines s spans: "1 line", "3 lines", or
 * "nothing". */
static void put_lines(buf_t *b, const char *s, size_t n) {
	if (n == 0) {
		buf_puts(b, "nothing");
		return;
	}
	if (s[n - 1] == '\n')
		n--;
	size_t k = 1;
	for (size_t i = 0; i < n; i++)
		k += s[i] == '\n';
	buf_count(b, (int64_t)k, "line", "lines");
}

static void edit_prefix(buf_t *out, const char *nm, size_t i, size_t total) {
	buf_puts(out, "edit ");
	put_shown(out, nm);
	buf_puts(out, ": edit ");
	buf_u64(out, i + 1);
	buf_puts(out, " of ");
	buf_u64(out, total);
	buf_puts(out, ": ");
}

bool tool_edit(call_t *c, const jdoc *d, uint32_t input, buf_t *out) {
	buf_t path = {0}, name = {0}, why = {0}, content = {0}, next = {0}, summary = {0}, o2 = {0}, r2 = {0};
	edits_t edits = {0};
	bool is_err = true;
	const arg_t args[] = {
		{"path", A_STR, &path, NULL},
		{"edits", A_EDITS, &edits, NULL},
	};
	if (!args_decode(d, input, "editInput", args, 2, &why)) {
		buf_put(out, why.p, why.n);
		goto done;
	}
	if (path.n == 0) {
		buf_puts(out, "edit: path is required");
		goto done;
	}
	if (edits.n == 0) {
		buf_puts(out, "edit: edits is required: a list of {oldText, newText} replacements");
		goto done;
	}
	if (!resolve(path.p, path.n, &name, &why)) {
		buf_puts(out, "edit: ");
		buf_put(out, why.p, why.n);
		goto done;
	}
	const char *nm = buf_cstr(&name);
	wstat_t st;
	err_t e = root_stat(c->root, nm, false, &st);
	if (e == __WASI_ERRNO_NOENT) {
		buf_puts(out, "edit ");
		put_shown(out, nm);
		buf_puts(out, ": no such file; use write to create a file");
		goto done;
	}
	if (e) {
		fs_error(c, out, "edit", nm, e);
		goto done;
	}
	if (!wstat_regular(&st)) {
		buf_puts(out, "edit ");
		put_shown(out, nm);
		buf_puts(out, ": not a regular file");
		goto done;
	}
	if ((int64_t)st.size > c->lim.write_bytes) {
		buf_puts(out, "edit ");
		put_shown(out, nm);
		buf_puts(out, ": file is ");
		buf_i64(out, (int64_t)st.size);
		buf_puts(out, " bytes, over the limit of ");
		buf_size(out, c->lim.write_bytes);
		goto done;
	}
	e = root_read_file(c->root, nm, &content);
	if (e) {
		fs_error(c, out, "edit", nm, e);
		goto done;
	}
	for (size_t i = 0; i < edits.n; i++) {
		const buf_t *old = &edits.v[i].old_text, *repl = &edits.v[i].new_text;
		if (old->n == 0) {
			edit_prefix(out, nm, i, edits.n);
			buf_puts(out, "oldText is empty; give the exact text to replace. No changes were written");
			goto done;
		}
		if (old->n == repl->n && memcmp(old->p, repl->p, old->n) == 0) {
			edit_prefix(out, nm, i, edits.n);
			buf_puts(out, "oldText and newText are identical. No changes were written");
			goto done;
		}
		size_t k = count(content.p, content.n, old->p, old->n);
		if (k == 0 && find(content.p, content.n, "\r\n", 2) && !memchr(old->p, '\r', old->n)) {
			crlf(&o2, old);
			crlf(&r2, repl);
			old = &o2;
			repl = &r2;
			k = count(content.p, content.n, old->p, old->n);
		}
		if (k == 0) {
			edit_prefix(out, nm, i, edits.n);
			buf_puts(out, "oldText not found. No changes were written. It must match the current file exactly, "
				      "including whitespace and indentation; read the file again and copy the text");
			goto done;
		}
		if (k > 1) {
			edit_prefix(out, nm, i, edits.n);
			buf_puts(out, "oldText occurs ");
			buf_u64(out, k);
			buf_puts(out, " times; it must occur exactly once. Include more surrounding lines to make it "
				      "unique. No changes were written");
			goto done;
		}
		size_t at = (size_t)(find(content.p, content.n, old->p, old->n) - content.p);
		size_t line = 1;
		for (size_t j = 0; j < at; j++)
			line += content.p[j] == '\n';
		next.n = 0;
		buf_put(&next, content.p, at);
		buf_put(&next, repl->p, repl->n);
		buf_put(&next, content.p + at + old->n, content.n - at - old->n);
		buf_t t = content;
		content = next;
		next = t;
		buf_puts(&summary, "\n  edit ");
		buf_u64(&summary, i + 1);
		buf_puts(&summary, " of ");
		buf_u64(&summary, edits.n);
		buf_puts(&summary, ": line ");
		buf_u64(&summary, line);
		buf_puts(&summary, ": ");
		put_lines(&summary, old->p, old->n);
		buf_puts(&summary, " replaced by ");
		put_lines(&summary, repl->p, repl->n);
	}
	if ((int64_t)content.n > c->lim.write_bytes) {
		buf_puts(out, "edit ");
		put_shown(out, nm);
		buf_puts(out, ": the result would be ");
		buf_u64(out, content.n);
		buf_puts(out, " bytes, over the limit of ");
		buf_size(out, c->lim.write_bytes);
		buf_puts(out, ". No changes were written");
		goto done;
	}
	e = replace_file(c, nm, content.p, content.n);
	if (e) {
		fs_error(c, out, "edit", nm, e);
		goto done;
	}
	buf_puts(out, "edited ");
	put_shown(out, nm);
	buf_puts(out, ": ");
	buf_count(out, (int64_t)edits.n, "edit", "edits");
	buf_puts(out, " applied, ");
	buf_u64(out, content.n);
	buf_puts(out, " bytes now");
	buf_put(out, summary.p, summary.n);
	is_err = false;
done:
	buf_free(&path);
	buf_free(&name);
	buf_free(&why);
	buf_free(&content);
	buf_free(&next);
	buf_free(&summary);
	buf_free(&o2);
	buf_free(&r2);
	edits_free(&edits);
	return is_err;
}
