/*
 * probe.c: a test entry point, built into tools-wasm/stepguest/testdata/
 * probe.wasm (never into step.wasm), that exposes the JSON reader and
 * writer and the regular expressions to the Go tests, which compare them
 * with encoding/json and regexp (tools-wasm/stepguest/fuzz_test.go).
 *
 * Input on stdin, output on stdout:
 *   'j' JSON       -> the document re-encoded canonically (no white
 *                     space, strings decoded and written again), or
 *                     "error"
 *   'r' u32 len, pattern, then lines as u32 len + bytes
 *                  -> "E" and Go's error text, or one '1' or '0' per line
 */
#include <stdlib.h>
#include <unistd.h>

#include "json.h"
#include "re.h"

static void canon(const jdoc *d, uint32_t i, buf_t *out, buf_t *tmp) {
	switch (d->n[i].type) {
	case J_STR:
		tmp->n = 0;
		jd_str(d, i, tmp);
		jw_str(out, tmp->p, tmp->n);
		return;
	case J_ARR:
		buf_putc(out, '[');
		for (uint32_t c = jd_first(d, i); c != JNONE; c = jd_after(d, i, c)) {
			if (c != i + 1)
				buf_putc(out, ',');
			canon(d, c, out, tmp);
		}
		buf_putc(out, ']');
		return;
	case J_OBJ:
		buf_putc(out, '{');
		for (uint32_t k = jd_first(d, i); k != JNONE;) {
			uint32_t v = d->n[k].next;
			if (k != i + 1)
				buf_putc(out, ',');
			canon(d, k, out, tmp);
			buf_putc(out, ':');
			canon(d, v, out, tmp);
			k = jd_after(d, i, v);
		}
		buf_putc(out, '}');
		return;
	default:
		buf_put(out, jd_raw(d, i), jd_rawlen(d, i));
	}
}

static uint32_t u32(const uint8_t *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24; }

int main(void) {
	buf_t in = {0}, out = {0}, tmp = {0};
	for (;;) {
		buf_grow(&in, 65536);
		ssize_t n = read(0, in.p + in.n, in.cap - in.n);
		if (n <= 0)
			break;
		in.n += (size_t)n;
	}
	if (in.n == 0)
		return 2;
	if (in.p[0] == 'j') {
		jdoc d = {0};
		if (json_parse(&d, in.p + 1, in.n - 1, NULL) != 0)
			buf_puts(&out, "error");
		else
			canon(&d, 0, &out, &tmp);
	} else if (in.p[0] == 'r' && in.n >= 5) {
		const uint8_t *p = (const uint8_t *)in.p + 1, *end = (const uint8_t *)in.p + in.n;
		uint32_t pn = u32(p);
		p += 4;
		if ((size_t)(end - p) < pn)
			return 2;
		re_t *re = re_compile((const char *)p, pn, &tmp);
		p += pn;
		if (!re) {
			buf_putc(&out, 'E');
			buf_put(&out, tmp.p, tmp.n);
		} else {
			while (end - p >= 4) {
				uint32_t ln = u32(p);
				p += 4;
				if ((size_t)(end - p) < ln)
					return 2;
				buf_putc(&out, re_match(re, p, ln, NULL, NULL) ? '1' : '0');
				p += ln;
			}
		}
	} else {
		return 2;
	}
	for (size_t off = 0; off < out.n;) {
		ssize_t w = write(1, out.p + off, out.n - off);
		if (w <= 0)
			return 1;
		off += (size_t)w;
	}
	return 0;
}
