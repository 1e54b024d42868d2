/*
 * output.h: collecting a tool's result within its byte budget, cutting
 * long lines at a rune boundary, telling text from binary files, and line
 * numbers as read prints them (builtin/output.go).
 */
#ifndef STEP_OUTPUT_H
#define STEP_OUTPUT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"

/* SNIFF_BYTES is how much of a file's start tells text from binary. */
#define SNIFF_BYTES (8 << 10)

/* is_binary reports whether a file starting with sample is binary: a NUL
 * byte, or more than a tenth of the sample invalid UTF-8 (a rune cut by the
 * end of the sample does not count). */
bool is_binary(const uint8_t *sample, size_t n);

/* append_cut appends a line shortened to at most max bytes at a rune
 * boundary, with "… [line cut, N bytes in all]" when it was cut, and
 * without a trailing carriage return. line holds the line's first len
 * bytes (at least max+4 when it has that many) and full is its length
 * (builtin.appendCut). */
void append_cut(buf_t *dst, const uint8_t *line, size_t len, int64_t full, int64_t max);

/* output_t collects the lines of one result up to max bytes. */
typedef struct {
	buf_t b;
	int64_t max;
	bool full; /* a line was refused for lack of room */
} output_t;

/* out_end finishes the line that starts at start: it adds the newline if
 * the line fits or is the first, else removes it and marks the output full
 * (output.end). */
bool out_end(output_t *o, size_t start);

/* out_line appends s and a newline if they fit; the first line always
 * does (output.line). */
static inline bool out_line(output_t *o, const char *s, size_t n) {
	size_t start = o->b.n;
	buf_put(&o->b, s, n);
	return out_end(o, start);
}

/* out_text writes the collected lines, then the notice (if any) after a
 * blank line, to dst (output.text). */
void out_text(output_t *o, const char *notice, size_t nn, buf_t *dst);

/* lineno_t is a line number as read shows it, "%6d\t", kept as text and
 * incremented in place. */
typedef struct {
	char text[24];
	size_t n;
} lineno_t;

void lineno_init(lineno_t *l, int64_t n);

/* lineno_wrap is lineno_next when every digit is 9. */
void lineno_wrap(lineno_t *l);

/* lineno_next adds one to the line number. */
static inline void lineno_next(lineno_t *l) {
	char *d = &l->text[l->n - 2];
	if (*d < '9') { /* the usual case: the last digit */
		(*d)++;
		return;
	}
	lineno_wrap(l);
}

/* append_numbered appends a numbered line as read shows it: the number,
 * then the line cut as append_cut does, the common case inline. */
static inline void append_numbered(buf_t *dst, const lineno_t *num, const uint8_t *line, size_t len, int64_t full, int64_t max) {
	if ((int64_t)len == full && full <= max && (full == 0 || line[full - 1] != '\r')) {
		if (dst->cap - dst->n < num->n + len + 1)
			buf_grow(dst, num->n + len + 1);
		copy_bytes(dst->p + dst->n, num->text, num->n);
		copy_bytes(dst->p + dst->n + num->n, line, len);
		dst->n += num->n + len;
		return;
	}
	buf_put(dst, num->text, num->n);
	append_cut(dst, line, len, full, max);
}

/* out_end_fast is out_end inline for a line that fits. */
static inline bool out_end_fast(output_t *o, size_t start) {
	if (start > 0 && (int64_t)o->b.n + 1 > o->max)
		return out_end(o, start);
	buf_putc(&o->b, '\n');
	return true;
}

#endif
