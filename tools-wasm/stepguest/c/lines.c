/*
 * lines.c: the line reader of the read tool; see lines.h.
 */
#include "lines.h"

#include "root.h"

/* fill moves the unread data to the front and reads once after it. */
static void fill(linereader_t *lr) {
	if (lr->start > 0) {
		memmove(lr->buf, lr->buf + lr->start, lr->end - lr->start);
		lr->end -= lr->start;
		lr->start = 0;
	}
	size_t got;
	err_t e = fd_read_some(lr->fd, lr->buf + lr->end, lr->size - lr->end, &got);
	if (e) {
		lr->err = e;
		return;
	}
	if (got == 0)
		lr->eof = true;
	lr->end += got;
}

static bool ended(const linereader_t *lr) { return lr->eof || lr->err; }

const uint8_t *lr_peek(linereader_t *lr, size_t n, size_t *got) {
	while (lr->end - lr->start < n && !ended(lr) && (lr->start > 0 || lr->end < lr->size))
		fill(lr);
	size_t have = lr->end - lr->start;
	*got = have < n ? have : n;
	return lr->buf + lr->start;
}

static void append_up_to(buf_t *dst, const uint8_t *src, size_t n, size_t keep) {
	size_t room = dst->n < keep ? keep - dst->n : 0;
	buf_put(dst, src, n < room ? n : room);
}

bool lr_next_slow(linereader_t *lr, size_t keep, const uint8_t **line, size_t *len, int64_t *full) {
	lr->long_line.n = 0;
	int64_t spilled = 0;
	for (;;) {
		const uint8_t *data = lr->buf + lr->start;
		size_t n = lr->end - lr->start;
		const uint8_t *nl = memchr(data, '\n', n);
		size_t frag = nl ? (size_t)(nl - data) : n;
		if (nl || ended(lr)) {
			if (nl)
				lr->start += frag + 1;
			else
				lr->start = lr->end;
			*full = spilled + (int64_t)frag;
			if (spilled == 0) {
				*line = data;
				*len = frag < keep ? frag : keep;
			} else {
				append_up_to(&lr->long_line, data, frag, keep);
				*line = (const uint8_t *)lr->long_line.p;
				*len = lr->long_line.n;
			}
			return nl != NULL || *full > 0;
		}
		if (lr->start > 0 || lr->end < lr->size) {
			fill(lr);
			continue;
		}
		append_up_to(&lr->long_line, data, n, keep);
		spilled += (int64_t)n;
		lr->start = lr->end = 0;
		fill(lr);
	}
}
