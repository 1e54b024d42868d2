/*
 * glob.c: find's glob patterns, a port of builtin/glob.go and of Go's
 * path.Match; see glob.h.
 */
#include "glob.h"

#include <stdlib.h>

#include "paths.h"
#include "utf8.h"

#define MAX_ALTERNATIVES 64

/* scan_chunk splits the next run of pattern: leading stars, then the chunk
 * up to the next star outside a class (path.scanChunk). */
static void scan_chunk(const char **pat, size_t *pn, bool *star, const char **chunk, size_t *cn) {
	const char *p = *pat;
	size_t n = *pn;
	*star = false;
	while (n > 0 && p[0] == '*') {
		p++;
		n--;
		*star = true;
	}
	bool inrange = false;
	size_t i;
	for (i = 0; i < n; i++) {
		switch (p[i]) {
		case '\\':
			if (i + 1 < n)
				i++;
			break;
		case '[':
			inrange = true;
			break;
		case ']':
			inrange = false;
			break;
		case '*':
			if (!inrange)
				goto found;
			break;
		}
	}
found:
	*chunk = p;
	*cn = i;
	*pat = p + i;
	*pn = n - i;
}

/* get_esc reads a possibly escaped character of a class (path.getEsc). */
static bool get_esc(const char **chunk, size_t *cn, int32_t *r) {
	const char *c = *chunk;
	size_t n = *cn;
	if (n == 0 || c[0] == '-' || c[0] == ']')
		return false;
	if (c[0] == '\\') {
		c++;
		n--;
		if (n == 0)
			return false;
	}
	int w = utf8_decode((const uint8_t *)c, n, r);
	bool ok = !(*r == RUNE_ERROR && w == 1);
	c += w;
	n -= (size_t)w;
	if (n == 0)
		ok = false;
	*chunk = c;
	*cn = n;
	return ok;
}

/* match_chunk matches chunk against the start of s; on a match it returns
 * true with the rest of s in *rest (path.matchChunk). */
static bool match_chunk(const char *chunk, size_t cn, const char *s, size_t sn, const char **rest, size_t *rn, bool *bad) {
	bool failed = false;
	while (cn > 0) {
		failed = failed || sn == 0;
		switch (chunk[0]) {
		case '[': {
			int32_t r = 0;
			if (!failed) {
				int w = utf8_decode((const uint8_t *)s, sn, &r);
				s += w;
				sn -= (size_t)w;
			}
			chunk++;
			cn--;
			bool negated = false;
			if (cn > 0 && chunk[0] == '^') {
				negated = true;
				chunk++;
				cn--;
			}
			bool match = false;
			int nrange = 0;
			for (;;) {
				if (cn > 0 && chunk[0] == ']' && nrange > 0) {
					chunk++;
					cn--;
					break;
				}
				int32_t lo, hi;
				if (!get_esc(&chunk, &cn, &lo)) {
					*bad = true;
					return false;
				}
				hi = lo;
				if (chunk[0] == '-') {
					chunk++;
					cn--;
					if (!get_esc(&chunk, &cn, &hi)) {
						*bad = true;
						return false;
					}
				}
				match = match || (lo <= r && r <= hi);
				nrange++;
			}
			failed = failed || match == negated;
			break;
		}
		case '?':
			if (!failed) {
				failed = s[0] == '/';
				int32_t r;
				int w = utf8_decode((const uint8_t *)s, sn, &r);
				s += w;
				sn -= (size_t)w;
			}
			chunk++;
			cn--;
			break;
		case '\\':
			chunk++;
			cn--;
			if (cn == 0) {
				*bad = true;
				return false;
			}
			/* fallthrough */
		default:
			if (!failed) {
				failed = chunk[0] != s[0];
				s++;
				sn--;
			}
			chunk++;
			cn--;
		}
	}
	if (failed)
		return false;
	*rest = s;
	*rn = sn;
	return true;
}

bool path_match(const char *pat, size_t pn, const char *name, size_t nn, bool *bad) {
	*bad = false;
	while (pn > 0) {
		bool star;
		const char *chunk;
		size_t cn;
		scan_chunk(&pat, &pn, &star, &chunk, &cn);
		if (star && cn == 0)
			return memchr(name, '/', nn) == NULL;
		const char *t;
		size_t tn;
		bool ok = match_chunk(chunk, cn, name, nn, &t, &tn, bad);
		if (ok && (tn == 0 || pn > 0)) {
			name = t;
			nn = tn;
			continue;
		}
		if (*bad)
			return false;
		if (star) {
			bool next = false;
			for (size_t i = 0; i < nn && name[i] != '/'; i++) {
				ok = match_chunk(chunk, cn, name + i + 1, nn - i - 1, &t, &tn, bad);
				if (ok) {
					if (pn == 0 && tn > 0)
						continue;
					name = t;
					nn = tn;
					next = true;
					break;
				}
				if (*bad)
					return false;
			}
			if (next)
				continue;
		}
		/* Before failing, check the rest of the pattern is well formed. */
		while (pn > 0) {
			scan_chunk(&pat, &pn, &star, &chunk, &cn);
			match_chunk(chunk, cn, "", 0, &t, &tn, bad);
			if (*bad)
				return false;
		}
		return false;
	}
	return nn == 0;
}

/* A list of strings. */
typedef struct {
	char **v;
	size_t *len;
	size_t n, cap;
} strs_t;

static void strs_add(strs_t *s, const char *p, size_t n) {
	if (s->n == s->cap) {
		s->cap = s->cap ? s->cap * 2 : 8;
		s->v = xrealloc(s->v, s->cap * sizeof *s->v);
		s->len = xrealloc(s->len, s->cap * sizeof *s->len);
	}
	char *c = xmalloc(n + 1);
	memcpy(c, p, n);
	c[n] = 0;
	s->v[s->n] = c;
	s->len[s->n++] = n;
}

static void strs_free(strs_t *s) {
	for (size_t i = 0; i < s->n; i++)
		free(s->v[i]);
	free(s->v);
	free(s->len);
	*s = (strs_t){0};
}

/* brace_group finds the first brace group of p with a top-level comma: it
 * returns its braces' offsets and parts (builtin.braceGroup). */
static bool brace_group(const char *p, size_t n, size_t *open, size_t *end, strs_t *parts) {
	for (size_t o = 0; o < n; o++) {
		if (p[o] != '{')
			continue;
		int depth = 0;
		size_t start = o + 1, e;
		strs_free(parts);
		for (e = o; e < n; e++) {
			switch (p[e]) {
			case '{': depth++; break;
			case '}': depth--; break;
			case ',':
				if (depth == 1) {
					strs_add(parts, p + start, e - start);
					start = e + 1;
				}
			}
			if (depth == 0)
				break;
		}
		if (depth == 0 && parts->n > 0) {
			strs_add(parts, p + start, e - start);
			*open = o;
			*end = e;
			return true;
		}
	}
	strs_free(parts);
	return false;
}

/* expand_braces expands the first top-level group of p and, recursively,
 * the groups in each result (builtin.expandBraces). */
static bool expand_braces(const char *p, size_t n, strs_t *out, buf_t *err) {
	size_t open, end;
	strs_t parts = {0};
	if (!brace_group(p, n, &open, &end, &parts)) {
		strs_add(out, p, n);
		return true;
	}
	buf_t alt = {0};
	strs_t mine = {0}; /* this level's results, counted on their own */
	bool ok = true;
	for (size_t i = 0; i < parts.n && ok; i++) {
		alt.n = 0;
		buf_put(&alt, p, open);
		buf_put(&alt, parts.v[i], parts.len[i]);
		buf_put(&alt, p + end + 1, n - end - 1);
		ok = expand_braces(alt.p, alt.n, &mine, err);
		if (ok && mine.n > MAX_ALTERNATIVES) {
			buf_puts(err, "pattern ");
			buf_quote(err, p, n);
			buf_puts(err, " expands to more than 64 alternatives");
			ok = false;
		}
	}
	for (size_t i = 0; ok && i < mine.n; i++)
		strs_add(out, mine.v[i], mine.len[i]);
	strs_free(&mine);
	buf_free(&alt);
	strs_free(&parts);
	return ok;
}

bool glob_compile(const char *pat, size_t n, glob_t *g, buf_t *err) {
	*g = (glob_t){0};
	if (n == 0) {
		buf_puts(err, "pattern is empty");
		return false;
	}
	if (pat[0] == '/') {
		buf_puts(err, "pattern ");
		buf_quote(err, pat, n);
		buf_puts(err, " is absolute; patterns are relative to path, so pass the directory as path");
		return false;
	}
	strs_t expanded = {0};
	if (!expand_braces(pat, n, &expanded, err)) {
		strs_free(&expanded);
		return false;
	}
	g->alts = xmalloc(expanded.n * sizeof *g->alts);
	buf_t clean = {0};
	bool ok = true;
	for (size_t i = 0; i < expanded.n && ok; i++) {
		clean.n = 0;
		path_clean(&clean, expanded.v[i], expanded.len[i]);
		if ((clean.n == 2 && clean.p[0] == '.' && clean.p[1] == '.') ||
		    (clean.n >= 3 && clean.p[0] == '.' && clean.p[1] == '.' && clean.p[2] == '/')) {
			buf_puts(err, "pattern ");
			buf_quote(err, pat, n);
			buf_puts(err, " leaves the search directory");
			ok = false;
			break;
		}
		strs_t elems = {0};
		size_t start = 0;
		for (size_t k = 0; k <= clean.n; k++) {
			if (k == clean.n || clean.p[k] == '/') {
				strs_add(&elems, clean.p + start, k - start);
				start = k + 1;
			}
		}
		for (size_t k = 0; k < elems.n && ok; k++) {
			bool bad;
			path_match(elems.v[k], elems.len[k], "", 0, &bad);
			if (bad) {
				buf_puts(err, "pattern ");
				buf_quote(err, pat, n);
				buf_puts(err, ": malformed element ");
				buf_quote(err, elems.v[k], elems.len[k]);
				ok = false;
			}
		}
		g->alts[g->n++] = (globalt_t){.elems = elems.v, .lens = elems.len, .n = elems.n,
					      .basename = memchr(clean.p, '/', clean.n) == NULL};
	}
	buf_free(&clean);
	strs_free(&expanded);
	if (!ok)
		glob_free(g);
	return ok;
}

/* match_elems matches path elements against pattern elements, where "**"
 * matches any number of elements (builtin.matchElems). */
static bool match_elems(char *const *pat, const size_t *plen, size_t pn, const char *const *name, const size_t *nlen, size_t nn) {
	while (pn > 0) {
		if (plen[0] == 2 && pat[0][0] == '*' && pat[0][1] == '*') {
			while (pn > 0 && plen[0] == 2 && pat[0][0] == '*' && pat[0][1] == '*') {
				pat++;
				plen++;
				pn--;
			}
			for (size_t i = 0; i <= nn; i++)
				if (match_elems(pat, plen, pn, name + i, nlen + i, nn - i))
					return true;
			return false;
		}
		if (nn == 0)
			return false;
		bool bad;
		if (!path_match(pat[0], plen[0], name[0], nlen[0], &bad))
			return false;
		pat++;
		plen++;
		pn--;
		name++;
		nlen++;
		nn--;
	}
	return nn == 0;
}

bool glob_match(const glob_t *g, const char *rel, size_t n) {
	size_t count = 1;
	for (size_t i = 0; i < n; i++)
		count += rel[i] == '/';
	const char *stack_elems[32];
	size_t stack_lens[32];
	const char **elems = count <= 32 ? stack_elems : xmalloc(count * sizeof *elems);
	size_t *lens = count <= 32 ? stack_lens : xmalloc(count * sizeof *lens);
	size_t k = 0, start = 0;
	for (size_t i = 0; i <= n; i++) {
		if (i == n || rel[i] == '/') {
			elems[k] = rel + start;
			lens[k++] = i - start;
			start = i + 1;
		}
	}
	bool m = false;
	for (size_t a = 0; a < g->n && !m; a++) {
		const globalt_t *alt = &g->alts[a];
		if (alt->basename)
			m = match_elems(alt->elems, alt->lens, alt->n, elems + k - 1, lens + k - 1, 1);
		else
			m = match_elems(alt->elems, alt->lens, alt->n, elems, lens, k);
	}
	if (elems != stack_elems) {
		free(elems);
		free(lens);
	}
	return m;
}

void glob_free(glob_t *g) {
	for (size_t i = 0; i < g->n; i++) {
		for (size_t k = 0; k < g->alts[i].n; k++)
			free(g->alts[i].elems[k]);
		free(g->alts[i].elems);
		free(g->alts[i].lens);
	}
	free(g->alts);
	*g = (glob_t){0};
}
