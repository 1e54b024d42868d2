/*
 * buf.h: growable byte buffers and the text formatting the tools share
 * (decimal numbers, Go's strconv.Quote and QuoteToASCII, byte sizes,
 * durations as Go's time.Duration.String prints them).
 *
 * Memory that cannot be had ends the step: xmalloc and the buffer
 * functions trap (the step fails and the host reports it), as a Go guest
 * dies when its heap cannot grow.
 */
#ifndef STEP_BUF_H
#define STEP_BUF_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* buf_t is a byte buffer; the zero value is empty and ready to use. */
typedef struct {
	char *p;
	size_t n, cap;
} buf_t;

void *xmalloc(size_t n);
void *xrealloc(void *p, size_t n);

/* buf_grow makes room for extra more bytes. */
void buf_grow(buf_t *b, size_t extra);
void buf_free(buf_t *b);

/* copy_bytes copies n bytes between buffers that do not overlap. The
 * compiler turns a copy of unknown size into memory.copy, which wazero
 * runs as a call to Go's memmove: up to 16 bytes are copied inline
 * instead, with overlapping loads and stores. */
static inline void copy_bytes(void *dst, const void *src, size_t n) {
	uint8_t *d = dst;
	const uint8_t *s = src;
	if (n > 16) {
		memcpy(d, s, n);
	} else if (n >= 8) {
		uint64_t a, b;
		memcpy(&a, s, 8);
		memcpy(&b, s + n - 8, 8);
		memcpy(d, &a, 8);
		memcpy(d + n - 8, &b, 8);
	} else if (n >= 4) {
		uint32_t a, b;
		memcpy(&a, s, 4);
		memcpy(&b, s + n - 4, 4);
		memcpy(d, &a, 4);
		memcpy(d + n - 4, &b, 4);
	} else if (n > 0) {
		d[0] = s[0];
		d[n / 2] = s[n / 2];
		d[n - 1] = s[n - 1];
	}
}

static inline void buf_put(buf_t *b, const void *s, size_t n) {
	if (b->cap - b->n < n)
		buf_grow(b, n);
	copy_bytes(b->p + b->n, s, n);
	b->n += n;
}

static inline void buf_putc(buf_t *b, char c) {
	if (b->cap == b->n)
		buf_grow(b, 1);
	b->p[b->n++] = c;
}

static inline void buf_puts(buf_t *b, const char *s) { buf_put(b, s, strlen(s)); }

/* buf_cstr returns the contents NUL-terminated (the NUL is not counted). */
const char *buf_cstr(buf_t *b);

void buf_i64(buf_t *b, int64_t v);
void buf_u64(buf_t *b, uint64_t v);

/* buf_quote appends s as strconv.Quote does: Go double-quoted syntax with
 * \a \b \f \n \r \t \v, \xNN for invalid UTF-8 bytes and control bytes,
 * \uNNNN or \UNNNNNNNN for other runes that strconv.IsPrint rejects. */
void buf_quote(buf_t *b, const char *s, size_t n);

/* buf_quote_ascii is strconv.QuoteToASCII: as buf_quote, but every
 * non-ASCII rune is escaped too. */
void buf_quote_ascii(buf_t *b, const char *s, size_t n);

/* buf_size appends a byte count as the tools print it: "10 MiB", "50 KiB"
 * or "123 bytes" (builtin.size). */
void buf_size(buf_t *b, int64_t n);

/* buf_duration appends ns nanoseconds as time.Duration.String does
 * ("30s", "1.5s", "250ms", "1m0s", "1ns"). */
void buf_duration(buf_t *b, int64_t ns);

/* buf_count appends "1 <one>" or "<n> <many>" (builtin.count). */
void buf_count(buf_t *b, int64_t n, const char *one, const char *many);

#endif
