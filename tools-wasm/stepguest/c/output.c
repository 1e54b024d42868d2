/*
 * output.c: result collection and line formatting; see output.h.
 */
#include "output.h"

#include "utf8.h"

bool is_binary(const uint8_t *s, size_t n) {
	if (memchr(s, 0, n))
		return true;
	if (utf8_valid(s, n))
		return false;
	size_t invalid = 0;
	for (size_t i = 0; i < n;) {
		int32_t r;
		int w = utf8_decode(s + i, n - i, &r);
		if (r == RUNE_ERROR && w == 1) {
			if (!utf8_full(s + i, n - i))
				break;
			invalid++;
		}
		i += (size_t)w;
	}
	return invalid * 10 > n;
}

static const char cut_marker[] = "\xE2\x80\xA6 [line cut, ";

void append_cut(buf_t *dst, const uint8_t *line, size_t len, int64_t full, int64_t max) {
	if ((int64_t)len == full && full > 0 && line[full - 1] == '\r') {
		len--;
		full--;
	}
	if (full <= max) {
		buf_put(dst, line, len);
		return;
	}
	size_t n = (size_t)max < len ? (size_t)max : len;
	while (n > 0 && n < len && !utf8_rune_start(line[n]))
		n--;
	buf_put(dst, line, n);
	buf_put(dst, cut_marker, sizeof cut_marker - 1);
	buf_i64(dst, full);
	buf_puts(dst, " bytes in all]");
}

bool out_end(output_t *o, size_t start) {
	if (start > 0 && (int64_t)o->b.n + 1 > o->max) {
		o->b.n = start;
		o->full = true;
		return false;
	}
	buf_putc(&o->b, '\n');
	return true;
}

void out_text(output_t *o, const char *notice, size_t nn, buf_t *dst) {
	size_t n = o->b.n;
	if (n > 0 && o->b.p[n - 1] == '\n')
		n--;
	dst->n = 0;
	if (nn == 0) {
		buf_put(dst, o->b.p, n);
		return;
	}
	if (n == 0) {
		buf_put(dst, notice, nn);
		return;
	}
	buf_put(dst, o->b.p, n);
	buf_puts(dst, "\n\n");
	buf_put(dst, notice, nn);
}

void lineno_init(lineno_t *l, int64_t n) {
	char tmp[24];
	int i = sizeof tmp;
	uint64_t u = (uint64_t)n;
	do {
		tmp[--i] = (char)('0' + u % 10);
		u /= 10;
	} while (u);
	int digits = (int)sizeof tmp - i;
	size_t k = 0;
	for (int pad = 6 - digits; pad > 0; pad--)
		l->text[k++] = ' ';
	memcpy(l->text + k, tmp + i, (size_t)digits);
	k += (size_t)digits;
	l->text[k++] = '\t';
	l->n = k;
}

void lineno_wrap(lineno_t *l) {
	for (size_t i = l->n - 1; i-- > 0;) {
		char c = l->text[i];
		if (c == ' ') {
			l->text[i] = '1';
			return;
		}
		if (c < '9') {
			l->text[i] = (char)(c + 1);
			return;
		}
		l->text[i] = '0';
	}
	memmove(l->text + 1, l->text, l->n); /* 999999 becomes 1000000 */
	l->text[0] = '1';
	l->n++;
}
