/*
 * buf.c: growable byte buffers and Go-compatible text formatting; see buf.h.
 */
#include "buf.h"

#include <stdlib.h>

#include "utf8.h"

void *xmalloc(size_t n) {
	void *p = malloc(n ? n : 1);
	if (!p)
		__builtin_trap();
	return p;
}

void *xrealloc(void *p, size_t n) {
	p = realloc(p, n ? n : 1);
	if (!p)
		__builtin_trap();
	return p;
}

void buf_grow(buf_t *b, size_t extra) {
	size_t need = b->n + extra;
	if (need < b->n)
		__builtin_trap();
	if (need <= b->cap)
		return;
	size_t cap = b->cap ? b->cap * 2 : 64;
	while (cap < need)
		cap *= 2;
	b->p = xrealloc(b->p, cap);
	b->cap = cap;
}

void buf_free(buf_t *b) {
	free(b->p);
	b->p = NULL;
	b->n = b->cap = 0;
}

const char *buf_cstr(buf_t *b) {
	buf_grow(b, 1);
	b->p[b->n] = 0;
	return b->p;
}

void buf_u64(buf_t *b, uint64_t v) {
	char tmp[24];
	int i = sizeof tmp;
	do {
		tmp[--i] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	buf_put(b, tmp + i, sizeof tmp - (size_t)i);
}

void buf_i64(buf_t *b, int64_t v) {
	if (v < 0) {
		buf_putc(b, '-');
		buf_u64(b, (uint64_t)0 - (uint64_t)v);
		return;
	}
	buf_u64(b, (uint64_t)v);
}

static const char lowerhex[] = "0123456789abcdef";

/* quote_rune appends r escaped as strconv.appendEscapedRune does for a
 * double-quoted string. */
static void quote_rune(buf_t *b, int32_t r, bool ascii_only) {
	if (r == '"' || r == '\\') {
		buf_putc(b, '\\');
		buf_putc(b, (char)r);
		return;
	}
	if (ascii_only) {
		if (r < 0x80 && uni_is_print(r)) {
			buf_putc(b, (char)r);
			return;
		}
	} else if (uni_is_print(r)) {
		uint8_t enc[4];
		buf_put(b, enc, (size_t)utf8_encode(enc, r));
		return;
	}
	switch (r) {
	case '\a': buf_puts(b, "\\a"); return;
	case '\b': buf_puts(b, "\\b"); return;
	case '\f': buf_puts(b, "\\f"); return;
	case '\n': buf_puts(b, "\\n"); return;
	case '\r': buf_puts(b, "\\r"); return;
	case '\t': buf_puts(b, "\\t"); return;
	case '\v': buf_puts(b, "\\v"); return;
	}
	if (r < ' ' || r == 0x7f) {
		buf_puts(b, "\\x");
		buf_putc(b, lowerhex[(r >> 4) & 0xf]);
		buf_putc(b, lowerhex[r & 0xf]);
		return;
	}
	if (!utf8_valid_rune(r))
		r = RUNE_ERROR;
	int digits = 4;
	if (r < 0x10000) {
		buf_puts(b, "\\u");
	} else {
		buf_puts(b, "\\U");
		digits = 8;
	}
	for (int s = (digits - 1) * 4; s >= 0; s -= 4)
		buf_putc(b, lowerhex[(r >> s) & 0xf]);
}

static void quote(buf_t *b, const char *s, size_t n, bool ascii_only) {
	const uint8_t *p = (const uint8_t *)s;
	buf_putc(b, '"');
	for (size_t i = 0; i < n;) {
		int32_t r = p[i];
		int w = 1;
		if (r >= 0x80)
			w = utf8_decode(p + i, n - i, &r);
		if (w == 1 && r == RUNE_ERROR) {
			buf_puts(b, "\\x");
			buf_putc(b, lowerhex[p[i] >> 4]);
			buf_putc(b, lowerhex[p[i] & 0xf]);
			i++;
			continue;
		}
		quote_rune(b, r, ascii_only);
		i += (size_t)w;
	}
	buf_putc(b, '"');
}

void buf_quote(buf_t *b, const char *s, size_t n) { quote(b, s, n, false); }

void buf_quote_ascii(buf_t *b, const char *s, size_t n) { quote(b, s, n, true); }

void buf_size(buf_t *b, int64_t n) {
	if (n >= (1 << 20) && n % (1 << 20) == 0) {
		buf_i64(b, n >> 20);
		buf_puts(b, " MiB");
	} else if (n >= (1 << 10) && n % (1 << 10) == 0) {
		buf_i64(b, n >> 10);
		buf_puts(b, " KiB");
	} else {
		buf_i64(b, n);
		buf_puts(b, " bytes");
	}
}

/* fmt_frac writes the fraction of v/10^prec into the tail of tmp ending at
 * w, without trailing zeros and without the point when it is zero; it
 * returns the new start and stores v/10^prec in *v (time.fmtFrac). */
static int fmt_frac(char *tmp, int w, uint64_t *v, int prec) {
	bool print = false;
	for (int i = 0; i < prec; i++) {
		uint64_t digit = *v % 10;
		print = print || digit != 0;
		if (print)
			tmp[--w] = (char)('0' + digit);
		*v /= 10;
	}
	if (print)
		tmp[--w] = '.';
	return w;
}

static int fmt_int(char *tmp, int w, uint64_t v) {
	do {
		tmp[--w] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	return w;
}

void buf_duration(buf_t *b, int64_t ns) {
	char tmp[40];
	int w = sizeof tmp;
	uint64_t u = (uint64_t)ns;
	bool neg = ns < 0;
	if (neg)
		u = (uint64_t)0 - u;
	if (u < 1000000000ull) {
		int prec = 0;
		tmp[--w] = 's';
		if (u == 0) {
			tmp[--w] = '0';
			buf_put(b, tmp + w, sizeof tmp - (size_t)w);
			return;
		} else if (u < 1000ull) {
			prec = 0;
			tmp[--w] = 'n';
		} else if (u < 1000000ull) {
			prec = 3;
			tmp[--w] = (char)0xb5; /* U+00B5 MICRO SIGN */
			tmp[--w] = (char)0xc2;
		} else {
			prec = 6;
			tmp[--w] = 'm';
		}
		w = fmt_frac(tmp, w, &u, prec);
		w = fmt_int(tmp, w, u);
	} else {
		tmp[--w] = 's';
		w = fmt_frac(tmp, w, &u, 9);
		w = fmt_int(tmp, w, u % 60);
		u /= 60;
		if (u > 0) {
			tmp[--w] = 'm';
			w = fmt_int(tmp, w, u % 60);
			u /= 60;
			if (u > 0) {
				tmp[--w] = 'h';
				w = fmt_int(tmp, w, u);
			}
		}
	}
	if (neg)
		tmp[--w] = '-';
	buf_put(b, tmp + w, sizeof tmp - (size_t)w);
}

void buf_count(buf_t *b, int64_t n, const char *one, const char *many) {
	if (n == 1) {
		buf_puts(b, "1 ");
		buf_puts(b, one);
		return;
	}
	buf_i64(b, n);
	buf_putc(b, ' ');
	buf_puts(b, many);
}
