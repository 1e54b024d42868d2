/*
 * lines.h: splitting a file into lines while reading it through a fixed
 * buffer (builtin/lines.go): lines that fit in the buffer are returned in
 * place; of a longer line only its first bytes are kept, and its full
 * length is counted.
 */
#ifndef STEP_LINES_H
#define STEP_LINES_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "scan.h"
#include "tools.h"

typedef struct {
	int32_t fd;
	uint8_t *buf;
	size_t size, start, end; /* the unread data is buf[start:end] */
	err_t err;               /* a read error */
	bool eof;
	buf_t long_line;         /* the kept start of a line longer than buf */
} linereader_t;

/* lr_peek returns the next n bytes without consuming them, or fewer at
 * the end of the input or when n exceeds the buffer; *got is the count. */
const uint8_t *lr_peek(linereader_t *lr, size_t n, size_t *got);

/* lr_next_slow is lr_next for a line that is not whole in the buffer. */
bool lr_next_slow(linereader_t *lr, size_t keep, const uint8_t **line, size_t *len, int64_t *full);

/* lr_next returns the next line without its newline: at least its first
 * keep bytes (valid until the next call) in *line and *len, and its full
 * length in *full. It returns false at the end of the input; lr->err then
 * tells a read error from the end. The common case, a line whole in the
 * buffer, is inline. */
static inline bool lr_next(linereader_t *lr, size_t keep, const uint8_t **line, size_t *len, int64_t *full) {
	const uint8_t *data = lr->buf + lr->start;
	size_t n = lr->end - lr->start, k = scan_find(data, n, '\n');
	if (k == n)
		return lr_next_slow(lr, keep, line, len, full);
	lr->start += k + 1;
	*full = (int64_t)k;
	*line = data;
	*len = k < keep ? k : keep;
	return true;
}

#endif
