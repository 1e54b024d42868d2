/*
 * json.c: the JSON tape reader and the string writer; see json.h.
 */
#include "json.h"

#include <stdlib.h>

#include "scan.h"
#include "utf8.h"

static uint32_t push(jdoc *d, uint8_t type, size_t start) {
	if (d->cnt == d->cap) {
		d->cap = d->cap ? d->cap * 2 : 64;
		d->n = xrealloc(d->n, (size_t)d->cap * sizeof *d->n);
	}
	uint32_t i = d->cnt++;
	d->n[i] = (jnode){.type = type, .start = (uint32_t)start, .end = (uint32_t)start, .next = i + 1};
	return i;
}

static size_t skip_ws(const char *s, size_t n, size_t i) {
	while (i < n && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r'))
		i++;
	return i;
}

static int hexval(char c) {
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* scan_string checks the string starting at s[i] == '"' and returns the
 * offset after its closing quote, or 0 on error; *plain is set when it has
 * no escapes and only valid UTF-8. */
static size_t scan_string(const char *s, size_t n, size_t i, bool *plain) {
	const uint8_t *p = (const uint8_t *)s;
	bool pl = true;
	i++;
	for (;;) {
		/* The common run of plain ASCII. */
		i += scan_json_string(p + i, n - i);
		if (i >= n)
			return 0;
		uint8_t c = p[i];
		if (c == '"') {
			*plain = pl;
			return i + 1;
		}
		if (c < 0x20)
			return 0;
		if (c == '\\') {
			pl = false;
			if (i + 1 >= n)
				return 0;
			switch (s[i + 1]) {
			case '"': case '\\': case '/': case 'b': case 'f': case 'n': case 'r': case 't':
				i += 2;
				continue;
			case 'u':
				if (i + 6 > n)
					return 0;
				for (int k = 2; k < 6; k++)
					if (hexval(s[i + k]) < 0)
						return 0;
				i += 6;
				continue;
			}
			return 0;
		}
		int32_t r;
		int w = utf8_decode(p + i, n - i, &r);
		if (w == 1)
			pl = false;
		i += (size_t)w;
	}
}

/* scan_number returns the offset after the number at s[i], or 0. */
static size_t scan_number(const char *s, size_t n, size_t i) {
	if (i < n && s[i] == '-')
		i++;
	if (i >= n)
		return 0;
	if (s[i] == '0') {
		i++;
	} else if (s[i] >= '1' && s[i] <= '9') {
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	} else {
		return 0;
	}
	if (i < n && s[i] == '.') {
		i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		if (i >= n || s[i] < '0' || s[i] > '9')
			return 0;
		while (i < n && s[i] >= '0' && s[i] <= '9')
			i++;
	}
	return i;
}

static bool lit(const char *s, size_t n, size_t i, const char *w) {
	size_t k = strlen(w);
	return n - i >= k && memcmp(s + i, w, k) == 0;
}

int json_parse(jdoc *d, const char *s, size_t n, size_t *err_at) {
	d->src = s;
	d->len = n;
	d->cnt = 0;
	uint32_t *stack = NULL;
	size_t depth = 0, scap = 0;
	size_t i = 0;
	if (n >= UINT32_MAX)
		goto fail;

value:
	i = skip_ws(s, n, i);
	if (i >= n)
		goto fail;
	switch (s[i]) {
	case '{':
	case '[': {
		uint32_t c = push(d, s[i] == '{' ? J_OBJ : J_ARR, i);
		if (depth == JSON_MAX_DEPTH)
			goto fail;
		if (depth == scap) {
			scap = scap ? scap * 2 : 32;
			stack = xrealloc(stack, scap * sizeof *stack);
		}
		stack[depth++] = c;
		i = skip_ws(s, n, i + 1);
		if (i < n && (s[i] == '}' || s[i] == ']'))
			goto after; /* empty; closed below, which checks the bracket */
		if (d->n[c].type == J_OBJ)
			goto key;
		goto value;
	}
	case '"': {
		bool plain;
		uint32_t k = push(d, J_STR, i);
		size_t e = scan_string(s, n, i, &plain);
		if (!e)
			goto fail;
		d->n[k].plain = plain;
		d->n[k].end = (uint32_t)e;
		i = e;
		goto after;
	}
	case 't':
	case 'f':
	case 'n': {
		const char *w = s[i] == 't' ? "true" : s[i] == 'f' ? "false" : "null";
		if (!lit(s, n, i, w))
			goto fail;
		uint32_t k = push(d, s[i] == 't' ? J_TRUE : s[i] == 'f' ? J_FALSE : J_NULL, i);
		i += strlen(w);
		d->n[k].end = (uint32_t)i;
		goto after;
	}
	default: {
		size_t e = scan_number(s, n, i);
		if (!e)
			goto fail;
		uint32_t k = push(d, J_NUM, i);
		d->n[k].end = (uint32_t)e;
		i = e;
		goto after;
	}
	}

key:
	i = skip_ws(s, n, i);
	if (i >= n || s[i] != '"')
		goto fail;
	{
		bool plain;
		uint32_t k = push(d, J_STR, i);
		size_t e = scan_string(s, n, i, &plain);
		if (!e)
			goto fail;
		d->n[k].plain = plain;
		d->n[k].end = (uint32_t)e;
		i = skip_ws(s, n, e);
		if (i >= n || s[i] != ':')
			goto fail;
		i++;
		goto value;
	}

after:
	i = skip_ws(s, n, i);
	if (depth == 0) {
		if (i != n)
			goto fail;
		free(stack);
		return 0;
	}
	{
		uint32_t c = stack[depth - 1];
		bool obj = d->n[c].type == J_OBJ;
		if (i >= n)
			goto fail;
		if (s[i] == ',') {
			i++;
			if (obj)
				goto key;
			goto value;
		}
		if (s[i] == (obj ? '}' : ']')) {
			i++;
			d->n[c].end = (uint32_t)i;
			d->n[c].next = d->cnt;
			depth--;
			goto after;
		}
		goto fail;
	}

fail:
	free(stack);
	if (err_at)
		*err_at = i;
	return -1;
}

void json_free(jdoc *d) {
	free(d->n);
	d->n = NULL;
	d->cnt = d->cap = 0;
}

uint32_t jd_get(const jdoc *d, uint32_t o, const char *key) {
	if (o == JNONE || d->n[o].type != J_OBJ)
		return JNONE;
	size_t kn = strlen(key);
	uint32_t found = JNONE;
	for (uint32_t k = jd_first(d, o); k != JNONE;) {
		uint32_t v = d->n[k].next;
		if (jd_str_eq(d, k, key, kn))
			found = v;
		k = jd_after(d, o, v);
	}
	return found;
}

static uint16_t getu4(const char *s) {
	return (uint16_t)(hexval(s[0]) << 12 | hexval(s[1]) << 8 | hexval(s[2]) << 4 | hexval(s[3]));
}

void jd_str(const jdoc *d, uint32_t i, buf_t *out) {
	const char *s = d->src + d->n[i].start + 1;
	size_t n = d->n[i].end - d->n[i].start - 2;
	if (d->n[i].plain) {
		buf_put(out, s, n);
		return;
	}
	const uint8_t *p = (const uint8_t *)s;
	buf_grow(out, n);
	for (size_t r = 0; r < n;) {
		size_t run = scan_json_string(p + r, n - r);
		buf_put(out, p + r, run);
		r += run;
		if (r >= n)
			break;
		uint8_t c = p[r];
		if (c == '\\') {
			char e = s[r + 1];
			int32_t rr;
			switch (e) {
			case 'b': buf_putc(out, '\b'); r += 2; continue;
			case 'f': buf_putc(out, '\f'); r += 2; continue;
			case 'n': buf_putc(out, '\n'); r += 2; continue;
			case 'r': buf_putc(out, '\r'); r += 2; continue;
			case 't': buf_putc(out, '\t'); r += 2; continue;
			case 'u':
				rr = getu4(s + r + 2);
				if (rr >= 0xD800 && rr < 0xE000) {
					if (rr < 0xDC00 && r + 12 <= n && s[r + 6] == '\\' && s[r + 7] == 'u') {
						int32_t lo = getu4(s + r + 8);
						if (lo >= 0xDC00 && lo < 0xE000) {
							uint8_t enc[4];
							int32_t dec = 0x10000 + ((rr - 0xD800) << 10) + (lo - 0xDC00);
							buf_put(out, enc, (size_t)utf8_encode(enc, dec));
							r += 12;
							continue;
						}
					}
					rr = RUNE_ERROR;
				}
				{
					uint8_t enc[4];
					buf_put(out, enc, (size_t)utf8_encode(enc, rr));
				}
				r += 6;
				continue;
			default: /* " \ / */
				buf_putc(out, e);
				r += 2;
				continue;
			}
		}
		if (c < 0x80) {
			buf_putc(out, (char)c);
			r++;
			continue;
		}
		int32_t rr;
		int w = utf8_decode(p + r, n - r, &rr);
		if (w == 1)
			buf_put(out, "\xEF\xBF\xBD", 3);
		else
			buf_put(out, p + r, (size_t)w);
		r += (size_t)w;
	}
}

bool jd_str_eq(const jdoc *d, uint32_t i, const char *s, size_t n) {
	if (d->n[i].type != J_STR)
		return false;
	if (d->n[i].plain)
		return jd_rawlen(d, i) == n + 2 && memcmp(jd_raw(d, i) + 1, s, n) == 0;
	buf_t tmp = {0};
	jd_str(d, i, &tmp);
	bool eq = tmp.n == n && memcmp(tmp.p, s, n) == 0;
	buf_free(&tmp);
	return eq;
}

bool jd_int(const jdoc *d, uint32_t i, int64_t *v) {
	const char *s = jd_raw(d, i);
	size_t n = jd_rawlen(d, i), k = 0;
	bool neg = false;
	if (n && s[0] == '-') {
		neg = true;
		k = 1;
	}
	if (k == n)
		return false;
	uint64_t u = 0;
	for (; k < n; k++) {
		if (s[k] < '0' || s[k] > '9')
			return false;
		uint64_t dgt = (uint64_t)(s[k] - '0');
		if (u > (UINT64_MAX - dgt) / 10)
			return false;
		u = u * 10 + dgt;
	}
	if (neg) {
		if (u > (uint64_t)INT64_MAX + 1)
			return false;
		*v = (int64_t)((uint64_t)0 - u);
	} else {
		if (u > (uint64_t)INT64_MAX)
			return false;
		*v = (int64_t)u;
	}
	return true;
}

/* escapes holds Go's escape of each ASCII byte that json.Marshal escapes:
 * two bytes ("\\n") or six ("\\u003c"). */
static const char escapes[128][7] = {
	[0x00] = "\\u0000", [0x01] = "\\u0001", [0x02] = "\\u0002", [0x03] = "\\u0003", [0x04] = "\\u0004",
	[0x05] = "\\u0005", [0x06] = "\\u0006", [0x07] = "\\u0007", [0x08] = "\\b", [0x09] = "\\t",
	[0x0a] = "\\n", [0x0b] = "\\u000b", [0x0c] = "\\f", [0x0d] = "\\r", [0x0e] = "\\u000e",
	[0x0f] = "\\u000f", [0x10] = "\\u0010", [0x11] = "\\u0011", [0x12] = "\\u0012", [0x13] = "\\u0013",
	[0x14] = "\\u0014", [0x15] = "\\u0015", [0x16] = "\\u0016", [0x17] = "\\u0017", [0x18] = "\\u0018",
	[0x19] = "\\u0019", [0x1a] = "\\u001a", [0x1b] = "\\u001b", [0x1c] = "\\u001c", [0x1d] = "\\u001d",
	[0x1e] = "\\u001e", [0x1f] = "\\u001f", ['"'] = "\\\"", ['\\'] = "\\\\", ['<'] = "\\u003c",
	['>'] = "\\u003e", ['&'] = "\\u0026",
};

/* jw_escape appends the escape of the byte or rune at p[0:n], which
 * scan_json_plain stopped at, and returns its width. */
static inline size_t jw_escape(buf_t *b, const uint8_t *p, size_t n) {
	uint8_t *o = (uint8_t *)b->p + b->n;
	uint8_t c = p[0];
	if (c < 0x80) {
		const char *e = escapes[c];
		memcpy(o, e, 6);
		b->n += e[1] == 'u' ? 6 : 2;
		return 1;
	}
	int32_t r;
	int w = utf8_decode(p, n, &r);
	if (w == 1) {
		memcpy(o, "\\ufffd", 6);
		b->n += 6;
	} else if (r == 0x2028 || r == 0x2029) {
		memcpy(o, r == 0x2028 ? "\\u2028" : "\\u2029", 6);
		b->n += 6;
	} else {
		copy_bytes(o, p, (size_t)w);
		b->n += (size_t)w;
	}
	return (size_t)w;
}

void jw_str(buf_t *b, const char *s, size_t n) {
	const uint8_t *p = (const uint8_t *)s;
	size_t i = 0;
	buf_grow(b, n + n / 8 + 32); /* room for an escape every few bytes */
	buf_putc(b, '"');
	/* Eight runs and escapes per iteration: text such as read's output
	 * has an escape every few bytes, and iterations cost (see scan.h). */
	for (;;) {
		UNROLL8(
			if (b->cap - b->n < (n - i) + 16)
				buf_grow(b, (n - i) + 16);
			size_t k = scan_json_plain(p + i, n - i);
			copy_bytes(b->p + b->n, p + i, k);
			b->n += k;
			i += k;
			if (i >= n)
				goto done;
			i += jw_escape(b, p + i, n - i);
		)
	}
done:
	buf_putc(b, '"');
}
