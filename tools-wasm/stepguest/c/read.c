/*
 * read.c: the read tool (builtin/read.go): a text file with numbered lines
 * ("%6d\t" and the text, like cat -n), from offset for at most limit lines
 * and OutputBytes bytes. The whole file is scanned to count its lines, so
 * a cut result names the total and the offset to continue from. The file
 * is opened before it is checked (fstat on the descriptor).
 */
#include <stdlib.h>

#include "args.h"
#include "lines.h"
#include "output.h"
#include "root.h"

/* READ_BUFFER is the file buffer: the most one fd_read asks for. */
#define READ_BUFFER (64 << 10)

static void read_fail(buf_t *out, const char *prefix, const buf_t *why) {
	out->n = 0;
	buf_puts(out, prefix);
	buf_put(out, why->p, why->n);
}

bool tool_read(call_t *c, const jdoc *d, uint32_t input, buf_t *out) {
	buf_t path = {0}, name = {0}, why = {0};
	int64_t offset = 0, limit = 0;
	const arg_t args[] = {
		{"path", A_STR, &path, NULL},
		{"offset", A_INT, &offset, NULL},
		{"limit", A_INT, &limit, NULL},
	};
	bool is_err = true;
	int32_t fd = -1;
	linereader_t lr = {0};
	output_t o = {0};
	if (!args_decode(d, input, "readInput", args, 3, &why)) {
		read_fail(out, "", &why);
		goto done;
	}
	if (path.n == 0) {
		buf_puts(out, "read: path is required");
		goto done;
	}
	if (offset < 0 || limit < 0) {
		buf_puts(out, "read: ");
		if (offset < 0) {
			buf_puts(out, "offset must not be negative (got ");
			buf_i64(out, offset);
			buf_putc(out, ')');
		}
		if (limit < 0) {
			if (offset < 0)
				buf_putc(out, '\n');
			buf_puts(out, "limit must not be negative (got ");
			buf_i64(out, limit);
			buf_putc(out, ')');
		}
		goto done;
	}
	if (!resolve(path.p, path.n, &name, &why)) {
		read_fail(out, "read: ", &why);
		goto done;
	}
	const char *nm = buf_cstr(&name);
	err_t e = root_open(c->root, nm, RO_RDONLY, &fd);
	if (e == __WASI_ERRNO_NOENT) {
		buf_puts(out, "read ");
		put_shown(out, nm);
		buf_puts(out, ": no such file; use ls or find to locate files");
		goto done;
	}
	if (e) {
		fs_error(c, out, "read", nm, e);
		goto done;
	}
	wstat_t st;
	e = fd_stat(fd, &st);
	if (e) {
		fs_error(c, out, "read", nm, e);
		goto done;
	}
	if (wstat_dir(&st)) {
		buf_puts(out, "read ");
		put_shown(out, nm);
		buf_puts(out, ": is a directory; use ls to list it");
		goto done;
	}
	if (!wstat_regular(&st)) {
		not_regular(out, "read", nm, &st);
		goto done;
	}
	/* A small file needs no 64 KiB buffer: one its size (plus one byte,
	 * to see the end) reads the same lines, and keeps a step that reads
	 * small files within its initial memory. */
	size_t bsz = READ_BUFFER;
	if (st.size < READ_BUFFER - 1)
		bsz = st.size + 1 < 512 ? 512 : (size_t)st.size + 1;
	lr = (linereader_t){.fd = fd, .buf = xmalloc(bsz), .size = bsz};
	size_t got;
	const uint8_t *sample = lr_peek(&lr, SNIFF_BYTES, &got);
	if (is_binary(sample, got)) {
		buf_puts(out, "binary file (");
		buf_i64(out, (int64_t)st.size);
		buf_puts(out, " bytes), not shown");
		is_err = false;
		goto done;
	}

	int64_t first = offset > 1 ? offset : 1;
	int64_t lim = capped(limit, c->lim.read_lines);
	/* first+lim as Go computes it, wrapping on overflow. */
	int64_t stop = (int64_t)((uint64_t)first + (uint64_t)lim);
	size_t keep = (size_t)c->lim.line_bytes + 4;
	lineno_t num;
	lineno_init(&num, first);
	o.max = c->lim.output_bytes;
	/* Room for the whole output at once: the file, the line numbers
	 * (about half again for short lines) and a notice. */
	buf_grow(&o.b, (size_t)(st.size < (uint64_t)o.max ? st.size + st.size / 2 : (uint64_t)o.max + 2100) + 256);
	int64_t last = 0, total = 0;
	for (;;) {
		/* Eight lines an iteration (see UNROLL8 in scan.h). */
		UNROLL8(
			bool show = total + 1 >= first && total + 1 < stop && !o.full;
			const uint8_t *line;
			size_t len;
			int64_t full;
			if (!lr_next(&lr, show ? keep : 0, &line, &len, &full))
				goto counted;
			total++;
			if (show) {
				size_t start = o.b.n;
				append_numbered(&o.b, &num, line, len, full, c->lim.line_bytes);
				if (out_end_fast(&o, start))
					last = total;
				lineno_next(&num);
			}
		)
	}
counted:
	if (lr.err) {
		fs_error(c, out, "read", nm, lr.err);
		goto done;
	}
	is_err = false;
	buf_t notice = {0};
	if (total == 0) {
		put_shown(out, nm);
		buf_puts(out, " is empty (0 lines)");
	} else if (first > total) {
		buf_puts(out, "read ");
		put_shown(out, nm);
		buf_puts(out, ": offset ");
		buf_i64(out, first);
		buf_puts(out, " is past the end of the file (");
		buf_i64(out, total);
		buf_puts(out, " lines)");
		is_err = true;
	} else if (last == total) {
		out_text(&o, "", 0, out);
	} else {
		buf_puts(&notice, "[showing lines ");
		buf_i64(&notice, first);
		buf_putc(&notice, '-');
		buf_i64(&notice, last);
		buf_puts(&notice, " of ");
		buf_i64(&notice, total);
		if (o.full) {
			buf_puts(&notice, " (output limit of ");
			buf_size(&notice, c->lim.output_bytes);
			buf_puts(&notice, " reached)");
		}
		buf_puts(&notice, "; call read with offset=");
		buf_i64(&notice, last + 1);
		buf_puts(&notice, " to continue]");
		out_text(&o, notice.p, notice.n, out);
	}
	buf_free(&notice);
done:
	if (fd >= 0)
		fd_close(fd);
	free(lr.buf);
	buf_free(&lr.long_line);
	buf_free(&o.b);
	buf_free(&path);
	buf_free(&name);
	buf_free(&why);
	return is_err;
}
