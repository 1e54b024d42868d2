/*
 * re_class.c: character class construction and case folding for the
 * regular expressions; see re_class.h. The algorithms are those of Go's
 * regexp/syntax (parse.go) and unicode (letter.go), so that classes hold
 * exactly the runes they hold in Go.
 */
#include "re_class.h"

#include <stdlib.h>
#include <string.h>

#include "buf.h"
#include "unicode_tables.h"
#include "utf8.h"

void rc_free(rclass_t *c) {
	free(c->r);
	*c = (rclass_t){0};
}

static void rc_push(rclass_t *c, int32_t lo, int32_t hi) {
	if (c->n + 2 > c->cap) {
		c->cap = c->cap ? c->cap * 2 : 16;
		c->r = xrealloc(c->r, c->cap * sizeof *c->r);
	}
	c->r[c->n++] = lo;
	c->r[c->n++] = hi;
}

void rc_append_range(rclass_t *c, int32_t lo, int32_t hi) {
	/* Expand the last or the one before last range if it overlaps or
	 * abuts (which keeps folded alphabets to two ranges). */
	size_t n = c->n;
	for (size_t i = 2; i <= 4; i += 2) {
		if (n >= i) {
			int32_t rlo = c->r[n - i], rhi = c->r[n - i + 1];
			if (lo <= rhi + 1 && rlo <= hi + 1) {
				if (lo < rlo)
					c->r[n - i] = lo;
				if (hi > rhi)
					c->r[n - i + 1] = hi;
				return;
			}
		}
	}
	rc_push(c, lo, hi);
}

/* case_range is one unicode.CaseRange, decoded. */
typedef struct {
	int32_t lo, hi, delta[3];
} case_range;

/* case_ranges decodes unicode.CaseRanges on first use. */
static const case_range *case_ranges(void) {
	static case_range *cr;
	if (!cr) {
		cr = xmalloc(uni_case_count * sizeof *cr);
		const uint8_t *p = uni_case_data;
		int32_t next = 0;
		for (size_t i = 0; i < uni_case_count; i++) {
			cr[i].lo = next + (int32_t)uvarint(&p);
			cr[i].hi = cr[i].lo + (int32_t)uvarint(&p);
			for (int k = 0; k < 3; k++)
				cr[i].delta[k] = svarint(&p);
			next = cr[i].hi + 1;
		}
	}
	return cr;
}

/* to_case is unicode.to over CaseRanges: case 0 upper, 1 lower. */
static int32_t to_case(int which, int32_t r) {
	const case_range *ranges = case_ranges();
	size_t lo = 0, hi = uni_case_count;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		const case_range *cr = &ranges[m];
		if (cr->lo <= r && r <= cr->hi) {
			int32_t delta = cr->delta[which];
			if (delta > MAX_RUNE)
				return cr->lo + (((r - cr->lo) & ~1) | (which & 1));
			return r + delta;
		}
		if (r < cr->lo)
			hi = m;
		else
			lo = m + 1;
	}
	return r;
}

int32_t simple_fold(int32_t r) {
	if (r < 0 || r > MAX_RUNE)
		return r;
	size_t lo = 0, hi = uni_fold_orbit_count;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if ((int32_t)uni_fold_orbit[2 * m] == r)
			return (int32_t)uni_fold_orbit[2 * m + 1];
		if ((int32_t)uni_fold_orbit[2 * m] < r)
			lo = m + 1;
		else
			hi = m;
	}
	int32_t l = to_case(1, r);
	if (l != r)
		return l;
	return to_case(0, r);
}

int32_t min_fold_rune(int32_t r) {
	if (r < uni_min_fold || r > uni_max_fold)
		return r;
	int32_t m = r;
	for (int32_t f = simple_fold(r); f != r; f = simple_fold(f))
		if (f < m)
			m = f;
	return m;
}

void rc_append_folded_range(rclass_t *c, int32_t lo, int32_t hi) {
	if (lo <= uni_min_fold && hi >= uni_max_fold) {
		rc_append_range(c, lo, hi);
		return;
	}
	if (hi < uni_min_fold || lo > uni_max_fold) {
		rc_append_range(c, lo, hi);
		return;
	}
	if (lo < uni_min_fold) {
		rc_append_range(c, lo, uni_min_fold - 1);
		lo = uni_min_fold;
	}
	if (hi > uni_max_fold) {
		rc_append_range(c, uni_max_fold + 1, hi);
		hi = uni_max_fold;
	}
	for (int32_t r = lo; r <= hi; r++) {
		rc_append_range(c, r, r);
		for (int32_t f = simple_fold(r); f != r; f = simple_fold(f))
			rc_append_range(c, f, f);
	}
}

void rc_append_class(rclass_t *c, const int32_t *x, size_t n) {
	for (size_t i = 0; i < n; i += 2)
		rc_append_range(c, x[i], x[i + 1]);
}

void rc_append_folded_class(rclass_t *c, const int32_t *x, size_t n) {
	for (size_t i = 0; i < n; i += 2)
		rc_append_folded_range(c, x[i], x[i + 1]);
}

void rc_append_negated_class(rclass_t *c, const int32_t *x, size_t n) {
	int32_t next = 0;
	for (size_t i = 0; i < n; i += 2) {
		if (next <= x[i] - 1)
			rc_append_range(c, next, x[i] - 1);
		next = x[i + 1] + 1;
	}
	if (next <= MAX_RUNE)
		rc_append_range(c, next, MAX_RUNE);
}

static int range_cmp(const void *a, const void *b) {
	const int32_t *x = a, *y = b;
	if (x[0] != y[0])
		return x[0] < y[0] ? -1 : 1;
	if (x[1] != y[1])
		return x[1] > y[1] ? -1 : 1;
	return 0;
}

void rc_clean(rclass_t *c) {
	qsort(c->r, c->n / 2, 2 * sizeof *c->r, range_cmp);
	if (c->n < 2)
		return;
	size_t w = 2;
	for (size_t i = 2; i < c->n; i += 2) {
		int32_t lo = c->r[i], hi = c->r[i + 1];
		if (lo <= c->r[w - 1] + 1) {
			if (hi > c->r[w - 1])
				c->r[w - 1] = hi;
			continue;
		}
		c->r[w] = lo;
		c->r[w + 1] = hi;
		w += 2;
	}
	c->n = w;
}

void rc_negate(rclass_t *c) {
	int32_t next = 0;
	size_t w = 0;
	for (size_t i = 0; i < c->n; i += 2) {
		int32_t lo = c->r[i], hi = c->r[i + 1];
		if (next <= lo - 1) {
			c->r[w] = next;
			c->r[w + 1] = lo - 1;
			w += 2;
		}
		next = hi + 1;
	}
	c->n = w;
	if (next <= MAX_RUNE)
		rc_push(c, next, MAX_RUNE);
}

/* TABLE_EACH runs BODY for each (lo, hi, stride) of a generated table,
 * decoding its varints. */
#define TABLE_EACH(t, BODY)                                         \
	do {                                                        \
		const uint8_t *p_ = uni_table_data + uni_tables[t].off; \
		int32_t next_ = 0;                                  \
		for (uint32_t k_ = 0; k_ < uni_tables[t].n; k_++) {  \
			int32_t lo = next_ + (int32_t)uvarint(&p_);  \
			int32_t hi = lo + (int32_t)uvarint(&p_);     \
			int32_t stride = (int32_t)uvarint(&p_);      \
			next_ = hi + 1;                              \
			BODY                                         \
		}                                                    \
	} while (0)

void rc_append_table(rclass_t *c, int t) {
	TABLE_EACH(t, {
		if (stride == 1) {
			rc_append_range(c, lo, hi);
		} else {
			for (int32_t r = lo; r <= hi; r += stride)
				rc_append_range(c, r, r);
		}
	});
}

void rc_append_negated_table(rclass_t *c, int t) {
	int32_t next = 0;
	TABLE_EACH(t, {
		if (stride == 1) {
			if (next <= lo - 1)
				rc_append_range(c, next, lo - 1);
			next = hi + 1;
		} else {
			for (int32_t r = lo; r <= hi; r += stride) {
				if (next <= r - 1)
					rc_append_range(c, next, r - 1);
				next = r + 1;
			}
		}
	});
	if (next <= MAX_RUNE)
		rc_append_range(c, next, MAX_RUNE);
}

void rc_append_group(rclass_t *c, const int32_t *x, size_t n, int sign, bool fold) {
	if (!fold) {
		if (sign < 0)
			rc_append_negated_class(c, x, n);
		else
			rc_append_class(c, x, n);
		return;
	}
	rclass_t tmp = {0};
	rc_append_folded_class(&tmp, x, n);
	rc_clean(&tmp);
	if (sign < 0)
		rc_append_negated_class(c, tmp.r, tmp.n);
	else
		rc_append_class(c, tmp.r, tmp.n);
	rc_free(&tmp);
}

/* lookup finds name in a sorted list of named tables. */
static const uni_named *lookup(const uni_named *list, size_t count, const char *name) {
	size_t lo = 0, hi = count;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		int cmp = strcmp(list[m].name, name);
		if (cmp == 0)
			return &list[m];
		if (cmp < 0)
			lo = m + 1;
		else
			hi = m;
	}
	return NULL;
}

bool unicode_table(const char *name, size_t n, int *table, int *fold, int *sign, int *special) {
	/* canonicalName: a leading upper-case letter, then lower-case
	 * letters, without '_', '-' and ' '. */
	char canon[64];
	size_t k = 0;
	bool first = true;
	for (size_t i = 0; i < n; i++) {
		char c = name[i];
		if (c == '_' || c == '-' || c == ' ')
			continue;
		if (first) {
			if (c >= 'a' && c <= 'z')
				c = (char)(c - 32);
			first = false;
		} else if (c >= 'A' && c <= 'Z') {
			c = (char)(c + 32);
		}
		if (k + 1 >= sizeof canon)
			return false; /* longer than any known name */
		canon[k++] = c;
	}
	canon[k] = 0;
	*special = UT_NONE;
	*sign = 1;
	*fold = -1;
	if (strcmp(canon, "Any") == 0) {
		*special = UT_ANY;
		return true;
	}
	if (strcmp(canon, "Assigned") == 0) {
		*table = *fold = uni_table_cn;
		*sign = -1;
		return true;
	}
	if (strcmp(canon, "Ascii") == 0) {
		*special = UT_ASCII;
		return true;
	}
	const uni_named *e = lookup(uni_categories, uni_categories_count, strcmp(canon, "Lc") == 0 ? "LC" : canon);
	if (!e)
		e = lookup(uni_scripts, uni_scripts_count, canon);
	if (!e)
		e = lookup(uni_aliases, uni_aliases_count, canon);
	if (!e)
		return false;
	*table = e->table;
	*fold = e->fold;
	return true;
}
