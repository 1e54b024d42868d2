/*
 * json.c: the JSON tape reader and the string writer; see json.h.
 */
#include "json.h"

#include <stdlib.h>

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
		while (i < n && p[i] >= 0x20 && p[i] < 0x80 && p[i] != '"' && p[i] != '\\')
			i++;
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

static const char hexdig[] = "0123456789abcdef";

void jw_str(buf_t *b, const char *s, size_t n) {
	const uint8_t *p = (const uint8_t *)s;
	buf_grow(b, n + 2);
	buf_putc(b, '"');
	size_t start = 0;
	for (size_t i = 0; i < n;) {
		uint8_t c = p[i];
		if (c < 0x80) {
			if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&') {
				i++;
				continue;
			}
			buf_put(b, s + start, i - start);
			switch (c) {
			case '"': buf_puts(b, "\\\""); break;
			case '\\': buf_puts(b, "\\\\"); break;
			case '\b': buf_puts(b, "\\b"); break;
			case '\f': buf_puts(b, "\\f"); break;
			case '\n': buf_puts(b, "\\n"); break;
			case '\r': buf_puts(b, "\\r"); break;
			case '\t': buf_puts(b, "\\t"); break;
			default:
				buf_puts(b, "\\u00");
				buf_putc(b, hexdig[c >> 4]);
				buf_putc(b, hexdig[c & 0xf]);
			}
			i++;
			start = i;
			continue;
		}
		int32_t r;
		int w = utf8_decode(p + i, n - i, &r);
		if (w == 1) {
			buf_put(b, s + start, i - start);
			buf_puts(b, "\\ufffd");
			i++;
			start = i;
			continue;
		}
		if (r == 0x2028 || r == 0x2029) {
			buf_put(b, s + start, i - start);
			buf_puts(b, r == 0x2028 ? "\\u2028" : "\\u2029");
			i += (size_t)w;
			start = i;
			continue;
		}
		i += (size_t)w;
	}
	buf_put(b, s + start, n - start);
	buf_putc(b, '"');
}
