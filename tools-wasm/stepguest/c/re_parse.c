/*
 * re_parse.c: the parser of the regular expressions, a port of the
 * operator-stack parser of Go's regexp/syntax (parse.go) that accepts the
 * same language and fails with the same error codes and expression
 * fragments. It builds a plain tree: Go's rewrites that keep the language
 * (literal strings, factored alternations, simplified classes) are left
 * out, since the matcher only needs the language.
 */
#include <stdlib.h>

#include "re_internal.h"
#include "utf8.h"

/* Limits of regexp/syntax. */
#define MAX_REPEAT 1000
#define MAX_HEIGHT 1000
#define MAX_SIZE (128 << 20) / 40

typedef struct {
	const char *whole;
	size_t wlen;
	uint16_t flags;
	node_t **stack;
	size_t n, cap;
	node_t ***all;
	size_t *nall, acap;
	int ncap;
	buf_t *err;
} parser_t;

/* error codes: the text of regexp/syntax.ErrorCode */
#define E_INVALID_CHAR_CLASS "invalid character class"
#define E_INVALID_CHAR_RANGE "invalid character class range"
#define E_INVALID_ESCAPE "invalid escape sequence"
#define E_INVALID_NAMED_CAPTURE "invalid named capture"
#define E_INVALID_PERL_OP "invalid or unsupported Perl syntax"
#define E_INVALID_REPEAT_OP "invalid nested repetition operator"
#define E_INVALID_REPEAT_SIZE "invalid repeat count"
#define E_INVALID_UTF8 "invalid UTF-8"
#define E_MISSING_BRACKET "missing closing ]"
#define E_MISSING_PAREN "missing closing )"
#define E_MISSING_REPEAT_ARG "missing argument to repetition operator"
#define E_TRAILING_BACKSLASH "trailing backslash at end of expression"
#define E_UNEXPECTED_PAREN "unexpected )"
#define E_NESTING_DEPTH "expression nests too deeply"
#define E_LARGE "expression too large"

static bool fail(parser_t *p, const char *code, const char *expr, size_t n) {
	p->err->n = 0;
	buf_puts(p->err, "error parsing regexp: ");
	buf_puts(p->err, code);
	buf_puts(p->err, ": `");
	buf_put(p->err, expr, n);
	buf_putc(p->err, '`');
	return false;
}

static node_t *new_node(parser_t *p, uint8_t op) {
	node_t *re = xmalloc(sizeof *re);
	*re = (node_t){.op = op, .flags = p->flags};
	if (*p->nall == p->acap) {
		p->acap = p->acap ? p->acap * 2 : 32;
		*p->all = xrealloc(*p->all, p->acap * sizeof **p->all);
	}
	(*p->all)[(*p->nall)++] = re;
	return re;
}

static void set_subs(node_t *re, node_t **subs, size_t n) {
	re->sub = xmalloc((n ? n : 1) * sizeof *re->sub);
	memcpy(re->sub, subs, n * sizeof *subs);
	re->nsub = n;
}

static void push(parser_t *p, node_t *re) {
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 16;
		p->stack = xrealloc(p->stack, p->cap * sizeof *p->stack);
	}
	p->stack[p->n++] = re;
}

static node_t *op(parser_t *p, uint8_t o) {
	node_t *re = new_node(p, o);
	push(p, re);
	return re;
}

static void literal(parser_t *p, int32_t r) {
	node_t *re = new_node(p, OP_LITERAL);
	re->rune = (p->flags & F_FOLD) ? min_fold_rune(r) : r;
	push(p, re);
}

/* next_rune decodes the rune at pat[*t]; invalid UTF-8 is an error. */
static bool next_rune(parser_t *p, size_t *t, int32_t *r) {
	int w = utf8_decode((const uint8_t *)p->whole + *t, p->wlen - *t, r);
	if (*r == RUNE_ERROR && w == 1)
		return fail(p, E_INVALID_UTF8, p->whole + *t, p->wlen - *t);
	*t += (size_t)w;
	return true;
}

static bool check_utf8(parser_t *p, size_t from, size_t to) {
	for (size_t i = from; i < to;) {
		int32_t r;
		int w = utf8_decode((const uint8_t *)p->whole + i, to - i, &r);
		if (r == RUNE_ERROR && w == 1)
			return fail(p, E_INVALID_UTF8, p->whole + i, to - i);
		i += (size_t)w;
	}
	return true;
}

/* repeat_is_valid reports whether the nested repetitions below re stay
 * within n copies of the innermost thing. */
static bool repeat_is_valid(const node_t *re, int n) {
	if (re->op == OP_REPEAT) {
		int m = re->max;
		if (m == 0)
			return true;
		if (m < 0)
			m = re->min;
		if (m > n)
			return false;
		if (m > 0)
			n /= m;
	}
	for (size_t i = 0; i < re->nsub; i++)
		if (!repeat_is_valid(re->sub[i], n))
			return false;
	return true;
}

/* repeat applies a repetition operator to the top of the stack. before is
 * where the operator starts, *after where it ends, last_repeat where the
 * operator just before it started (or SIZE_MAX). */
static bool repeat(parser_t *p, uint8_t o, int min, int max, size_t before, size_t *after, size_t last_repeat) {
	if (p->flags & F_PERLX) {
		if (*after < p->wlen && p->whole[*after] == '?')
			(*after)++;
		if (last_repeat != SIZE_MAX)
			return fail(p, E_INVALID_REPEAT_OP, p->whole + last_repeat, *after - last_repeat);
	}
	if (p->n == 0 || p->stack[p->n - 1]->op >= OP_PSEUDO)
		return fail(p, E_MISSING_REPEAT_ARG, p->whole + before, *after - before);
	node_t *re = new_node(p, o);
	re->min = min;
	re->max = max;
	set_subs(re, &p->stack[p->n - 1], 1);
	p->stack[p->n - 1] = re;
	if (o == OP_REPEAT && (min >= 2 || max >= 2) && !repeat_is_valid(re, MAX_REPEAT))
		return fail(p, E_INVALID_REPEAT_SIZE, p->whole + before, *after - before);
	return true;
}

/* collapse makes one node of subs with operator o, hoisting the subs of
 * any sub that has the same operator. */
static node_t *collapse(parser_t *p, node_t **subs, size_t n, uint8_t o) {
	if (n == 1)
		return subs[0];
	size_t total = 0;
	for (size_t i = 0; i < n; i++)
		total += subs[i]->op == o ? subs[i]->nsub : 1;
	node_t *re = new_node(p, o);
	re->sub = xmalloc(total * sizeof *re->sub);
	for (size_t i = 0; i < n; i++) {
		if (subs[i]->op == o) {
			memcpy(re->sub + re->nsub, subs[i]->sub, subs[i]->nsub * sizeof *re->sub);
			re->nsub += subs[i]->nsub;
		} else {
			re->sub[re->nsub++] = subs[i];
		}
	}
	return re;
}

/* concat replaces the top of the stack (above the topmost '|' or '(')
 * with its concatenation. */
static void concat(parser_t *p) {
	size_t i = p->n;
	while (i > 0 && p->stack[i - 1]->op < OP_PSEUDO)
		i--;
	size_t k = p->n - i;
	p->n = i;
	if (k == 0) {
		op(p, OP_EMPTY);
		return;
	}
	push(p, collapse(p, p->stack + i, k, OP_CONCAT));
}

/* alternate replaces the top of the stack (above the topmost '(') with
 * its alternation. */
static void alternate(parser_t *p) {
	size_t i = p->n;
	while (i > 0 && p->stack[i - 1]->op < OP_PSEUDO)
		i--;
	size_t k = p->n - i;
	p->n = i;
	if (k == 0) {
		op(p, OP_NOMATCH);
		return;
	}
	push(p, collapse(p, p->stack + i, k, OP_ALT));
}

/* swap_vertical_bar moves the expression on top below a '|' under it. */
static bool swap_vertical_bar(parser_t *p) {
	if (p->n >= 2 && p->stack[p->n - 2]->op == OP_VBAR) {
		node_t *re1 = p->stack[p->n - 1];
		p->stack[p->n - 1] = p->stack[p->n - 2];
		p->stack[p->n - 2] = re1;
		return true;
	}
	return false;
}

static void vertical_bar(parser_t *p) {
	concat(p);
	if (!swap_vertical_bar(p))
		op(p, OP_VBAR);
}

static bool right_paren(parser_t *p) {
	concat(p);
	if (swap_vertical_bar(p))
		p->n--;
	alternate(p);
	if (p->n < 2)
		return fail(p, E_UNEXPECTED_PAREN, p->whole, p->wlen);
	node_t *re1 = p->stack[p->n - 1], *re2 = p->stack[p->n - 2];
	p->n -= 2;
	if (re2->op != OP_LPAREN)
		return fail(p, E_UNEXPECTED_PAREN, p->whole, p->wlen);
	p->flags = re2->flags;
	if (re2->cap == 0) {
		push(p, re1);
	} else {
		re2->op = OP_CAPTURE;
		set_subs(re2, &re1, 1);
		push(p, re2);
	}
	return true;
}

static bool isalnum_(int32_t c) {
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int unhex(int32_t c) {
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

/* parse_escape parses the escape at pat[*t] == '\\' (parseEscape). */
static bool parse_escape(parser_t *p, size_t *t, int32_t *r) {
	size_t s = *t, i = *t + 1;
	const char *w = p->whole;
	if (i >= p->wlen)
		return fail(p, E_TRAILING_BACKSLASH, "", 0);
	int32_t c;
	if (!next_rune(p, &i, &c))
		return false;
	switch (c) {
	case '1': case '2': case '3': case '4': case '5': case '6': case '7':
		if (i >= p->wlen || w[i] < '0' || w[i] > '7')
			break;
		/* fallthrough */
	case '0':
		*r = c - '0';
		for (int k = 1; k < 3; k++) {
			if (i >= p->wlen || w[i] < '0' || w[i] > '7')
				break;
			*r = *r * 8 + (w[i] - '0');
			i++;
		}
		*t = i;
		return true;
	case 'x': {
		if (i >= p->wlen)
			break;
		if (!next_rune(p, &i, &c))
			return false;
		if (c == '{') {
			int nhex = 0;
			int32_t v = 0;
			for (;;) {
				if (i >= p->wlen)
					goto bad;
				if (!next_rune(p, &i, &c))
					return false;
				if (c == '}')
					break;
				int x = unhex(c);
				if (x < 0)
					goto bad;
				v = v * 16 + x;
				if (v > MAX_RUNE)
					goto bad;
				nhex++;
			}
			if (nhex == 0)
				goto bad;
			*r = v;
			*t = i;
			return true;
		}
		int x = unhex(c);
		if (!next_rune(p, &i, &c))
			return false;
		int y = unhex(c);
		if (x < 0 || y < 0)
			break;
		*r = x * 16 + y;
		*t = i;
		return true;
	}
	case 'a': *r = '\a'; *t = i; return true;
	case 'f': *r = '\f'; *t = i; return true;
	case 'n': *r = '\n'; *t = i; return true;
	case 'r': *r = '\r'; *t = i; return true;
	case 't': *r = '\t'; *t = i; return true;
	case 'v': *r = '\v'; *t = i; return true;
	default:
		if (c < 0x80 && !isalnum_(c)) {
			*r = c;
			*t = i;
			return true;
		}
	}
bad:
	return fail(p, E_INVALID_ESCAPE, w + s, i - s);
}

/* The Perl and POSIX groups (regexp/syntax/perl_groups.go). */
static const int32_t g_digit[] = {0x30, 0x39};
static const int32_t g_space[] = {0x9, 0xa, 0xc, 0xd, 0x20, 0x20};
static const int32_t g_word[] = {0x30, 0x39, 0x41, 0x5a, 0x5f, 0x5f, 0x61, 0x7a};
static const int32_t g_alnum[] = {0x30, 0x39, 0x41, 0x5a, 0x61, 0x7a};
static const int32_t g_alpha[] = {0x41, 0x5a, 0x61, 0x7a};
static const int32_t g_ascii[] = {0x0, 0x7f};
static const int32_t g_blank[] = {0x9, 0x9, 0x20, 0x20};
static const int32_t g_cntrl[] = {0x0, 0x1f, 0x7f, 0x7f};
static const int32_t g_graph[] = {0x21, 0x7e};
static const int32_t g_lower[] = {0x61, 0x7a};
static const int32_t g_print[] = {0x20, 0x7e};
static const int32_t g_punct[] = {0x21, 0x2f, 0x3a, 0x40, 0x5b, 0x60, 0x7b, 0x7e};
static const int32_t g_pspace[] = {0x9, 0xd, 0x20, 0x20};
static const int32_t g_upper[] = {0x41, 0x5a};
static const int32_t g_xdigit[] = {0x30, 0x39, 0x41, 0x46, 0x61, 0x66};

typedef struct {
	const char *name;
	const int32_t *r;
	size_t n;
} group_t;

#define G(name, arr) {name, arr, sizeof arr / sizeof *arr}
static const group_t posix_groups[] = {
	G("alnum", g_alnum), G("alpha", g_alpha), G("ascii", g_ascii), G("blank", g_blank),
	G("cntrl", g_cntrl), G("digit", g_digit), G("graph", g_graph), G("lower", g_lower),
	G("print", g_print), G("punct", g_punct), G("space", g_pspace), G("upper", g_upper),
	G("word", g_word),   G("xdigit", g_xdigit),
};

/* perl_class parses \d \D \s \S \w \W at pat[*t] into c (parsePerlClassEscape). */
static bool perl_class(parser_t *p, size_t *t, rclass_t *c) {
	if (!(p->flags & F_PERLX) || *t + 2 > p->wlen || p->whole[*t] != '\\')
		return false;
	char k = p->whole[*t + 1];
	const int32_t *g;
	size_t gn;
	switch (k | 0x20) {
	case 'd': g = g_digit; gn = 2; break;
	case 's': g = g_space; gn = 6; break;
	case 'w': g = g_word; gn = 8; break;
	default: return false;
	}
	if (k != 'd' && k != 'D' && k != 's' && k != 'S' && k != 'w' && k != 'W')
		return false;
	rc_append_group(c, g, gn, (k >= 'A' && k <= 'Z') ? -1 : 1, p->flags & F_FOLD);
	*t += 2;
	return true;
}

/* named_class parses [:alpha:] and the like at pat[*t] (parseNamedClass):
 * 1 if parsed, 0 if not one, -1 on error. */
static int named_class(parser_t *p, size_t *t, rclass_t *c) {
	const char *s = p->whole + *t;
	size_t n = p->wlen - *t;
	if (n < 2 || s[0] != '[' || s[1] != ':')
		return 0;
	size_t i;
	for (i = 2; i + 1 < n; i++)
		if (s[i] == ':' && s[i + 1] == ']')
			break;
	if (i + 1 >= n)
		return 0;
	size_t len = i + 2; /* the whole "[:name:]" */
	const char *name = s + 2;
	size_t nn = i - 2;
	int sign = 1;
	if (nn > 0 && name[0] == '^') {
		sign = -1;
		name++;
		nn--;
	}
	for (size_t g = 0; g < sizeof posix_groups / sizeof *posix_groups; g++) {
		if (strlen(posix_groups[g].name) == nn && memcmp(posix_groups[g].name, name, nn) == 0) {
			rc_append_group(c, posix_groups[g].r, posix_groups[g].n, sign, p->flags & F_FOLD);
			*t += len;
			return 1;
		}
	}
	fail(p, E_INVALID_CHAR_RANGE, s, len);
	return -1;
}

static const int32_t any_table[] = {0, MAX_RUNE};
static const int32_t ascii_fold_table[] = {0, 0x7F, 0x17F, 0x17F, 0x212A, 0x212A};

/* unicode_class parses \pN, \p{Name}, \PN, \P{^Name} at pat[*t] into c
 * (parseUnicodeClass): 1 if parsed, 0 if not one, -1 on error. */
static int unicode_class(parser_t *p, size_t *t, rclass_t *c) {
	const char *s = p->whole + *t;
	size_t n = p->wlen - *t;
	if (!(p->flags & F_UNICODE) || n < 2 || s[0] != '\\' || (s[1] != 'p' && s[1] != 'P'))
		return 0;
	int sign = s[1] == 'P' ? -1 : 1;
	size_t i = *t + 2;
	int32_t r;
	if (!next_rune(p, &i, &r))
		return -1;
	size_t seq_len, name_start, name_len;
	if (r != '{') {
		seq_len = i - *t;
		name_start = *t + 2;
		name_len = seq_len - 2;
	} else {
		const char *end = memchr(s, '}', n);
		if (!end) {
			if (!check_utf8(p, *t, p->wlen))
				return -1;
			fail(p, E_INVALID_CHAR_RANGE, s, n);
			return -1;
		}
		seq_len = (size_t)(end - s) + 1;
		name_start = *t + 3;
		name_len = seq_len - 4;
		if (!check_utf8(p, name_start, name_start + name_len))
			return -1;
	}
	const char *name = p->whole + name_start;
	if (name_len > 0 && name[0] == '^') {
		sign = -sign;
		name++;
		name_len--;
	}
	int table, fold, tsign, special;
	if (!unicode_table(name, name_len, &table, &fold, &tsign, &special)) {
		fail(p, E_INVALID_CHAR_RANGE, s, seq_len);
		return -1;
	}
	if (tsign < 0)
		sign = -sign;
	bool use_fold = (p->flags & F_FOLD) && (special != UT_NONE || fold >= 0);
	rclass_t tmp = {0};
	if (special == UT_ANY) {
		rc_append_class(&tmp, any_table, 2);
	} else if (special == UT_ASCII) {
		rc_append_class(&tmp, use_fold ? ascii_fold_table : g_ascii, use_fold ? 6 : 2);
	} else {
		rc_append_table(&tmp, table);
		if (use_fold)
			rc_append_table(&tmp, fold);
	}
	if (!use_fold && special == UT_NONE) {
		rc_free(&tmp);
		if (sign > 0)
			rc_append_table(c, table);
		else
			rc_append_negated_table(c, table);
	} else {
		rc_clean(&tmp);
		if (sign > 0)
			rc_append_class(c, tmp.r, tmp.n);
		else
			rc_append_negated_class(c, tmp.r, tmp.n);
		rc_free(&tmp);
	}
	*t += seq_len;
	return 1;
}

/* class_char parses one character of a class (parseClassChar). */
static bool class_char(parser_t *p, size_t *t, size_t whole_class, int32_t *r) {
	if (*t >= p->wlen)
		return fail(p, E_MISSING_BRACKET, p->whole + whole_class, p->wlen - whole_class);
	if (p->whole[*t] == '\\')
		return parse_escape(p, t, r);
	return next_rune(p, t, r);
}

/* parse_class parses the class at pat[*t] == '[' and pushes it. */
static bool parse_class(parser_t *p, size_t *t) {
	size_t s = *t, i = *t + 1;
	const char *w = p->whole;
	node_t *re = new_node(p, OP_CLASS);
	rclass_t *c = &re->cls;
	int sign = 1;
	if (i < p->wlen && w[i] == '^') {
		sign = -1;
		i++;
		if (!(p->flags & F_CLASSNL))
			rc_append_range(c, '\n', '\n');
	}
	bool first = true;
	while (i >= p->wlen || w[i] != ']' || first) {
		/* POSIX: '-' only first or last; Perl allows it anywhere. */
		if (i < p->wlen && w[i] == '-' && !(p->flags & F_PERLX) && !first && (i + 1 == p->wlen || w[i + 1] != ']')) {
			int32_t r;
			int sz = utf8_decode((const uint8_t *)w + i + 1, p->wlen - i - 1, &r);
			return fail(p, E_INVALID_CHAR_RANGE, w + i, 1 + (size_t)sz);
		}
		first = false;
		if (p->wlen - i > 2 && w[i] == '[' && w[i + 1] == ':') {
			int k = named_class(p, &i, c);
			if (k < 0)
				return false;
			if (k > 0)
				continue;
		}
		int k = unicode_class(p, &i, c);
		if (k < 0)
			return false;
		if (k > 0)
			continue;
		if (perl_class(p, &i, c))
			continue;
		size_t rng = i;
		int32_t lo, hi;
		if (!class_char(p, &i, s, &lo))
			return false;
		hi = lo;
		if (p->wlen - i >= 2 && w[i] == '-' && w[i + 1] != ']') {
			i++;
			if (!class_char(p, &i, s, &hi))
				return false;
			if (hi < lo)
				return fail(p, E_INVALID_CHAR_RANGE, w + rng, i - rng);
		}
		if (p->flags & F_FOLD)
			rc_append_folded_range(c, lo, hi);
		else
			rc_append_range(c, lo, hi);
	}
	i++; /* ']' */
	rc_clean(c);
	if (sign < 0)
		rc_negate(c);
	push(p, re);
	*t = i;
	return true;
}

/* parse_int parses a decimal integer without leading zeros; -1 if it is
 * too large (parseInt). */
static bool parse_int(parser_t *p, size_t *t, int *v) {
	const char *w = p->whole;
	size_t i = *t;
	if (i >= p->wlen || w[i] < '0' || w[i] > '9')
		return false;
	if (p->wlen - i >= 2 && w[i] == '0' && w[i + 1] >= '0' && w[i + 1] <= '9')
		return false;
	size_t start = i;
	while (i < p->wlen && w[i] >= '0' && w[i] <= '9')
		i++;
	int n = 0;
	for (size_t k = start; k < i; k++) {
		if (n >= 100000000) {
			n = -1;
			break;
		}
		n = n * 10 + (w[k] - '0');
	}
	*v = n;
	*t = i;
	return true;
}

/* parse_repeat parses {min}, {min,} or {min,max} (parseRepeat). */
static bool parse_repeat(parser_t *p, size_t *t, int *min, int *max) {
	const char *w = p->whole;
	size_t i = *t;
	if (i >= p->wlen || w[i] != '{')
		return false;
	i++;
	if (!parse_int(p, &i, min))
		return false;
	if (i >= p->wlen)
		return false;
	if (w[i] != ',') {
		*max = *min;
	} else {
		i++;
		if (i >= p->wlen)
			return false;
		if (w[i] == '}') {
			*max = -1;
		} else {
			if (!parse_int(p, &i, max))
				return false;
			if (*max < 0)
				*min = -1;
		}
	}
	if (i >= p->wlen || w[i] != '}')
		return false;
	*t = i + 1;
	return true;
}

/* perl_flags parses (?flags) (?flags: and named groups (parsePerlFlags). */
static bool perl_flags(parser_t *p, size_t *t) {
	const char *w = p->whole;
	size_t s = *t, n = p->wlen - s;
	bool starts_p = n > 4 && w[s + 2] == 'P' && w[s + 3] == '<';
	bool starts_name = n > 3 && w[s + 2] == '<';
	if (starts_p || starts_name) {
		size_t expr_start = s + (starts_p ? 4 : 3);
		const char *gt = NULL;
		/* strings.IndexRune(t, '>') */
		for (size_t i = s; i < p->wlen; i++)
			if (w[i] == '>') {
				gt = w + i;
				break;
			}
		if (!gt) {
			if (!check_utf8(p, s, p->wlen))
				return false;
			return fail(p, E_INVALID_NAMED_CAPTURE, w + s, n);
		}
		size_t end = (size_t)(gt - w);
		if (!check_utf8(p, expr_start, end))
			return false;
		bool valid = end > expr_start;
		for (size_t i = expr_start; i < end && valid; i++)
			valid = w[i] == '_' || isalnum_((unsigned char)w[i]);
		if (!valid)
			return fail(p, E_INVALID_NAMED_CAPTURE, w + s, end + 1 - s);
		p->ncap++;
		node_t *re = op(p, OP_LPAREN);
		re->cap = p->ncap;
		*t = end + 1;
		return true;
	}
	size_t i = s + 2;
	uint16_t flags = p->flags;
	int sign = 1;
	bool saw = false;
	while (i < p->wlen) {
		int32_t c;
		if (!next_rune(p, &i, &c))
			return false;
		switch (c) {
		case 'i': flags |= F_FOLD; saw = true; continue;
		case 'm': flags &= (uint16_t)~F_ONELINE; saw = true; continue;
		case 's': flags |= F_DOTNL; saw = true; continue;
		case 'U': flags |= F_NONGREEDY; saw = true; continue;
		case '-':
			if (sign < 0)
				goto bad;
			sign = -1;
			flags = (uint16_t)~flags;
			saw = false;
			continue;
		case ':':
		case ')':
			if (sign < 0) {
				if (!saw)
					goto bad;
				flags = (uint16_t)~flags;
			}
			if (c == ':')
				op(p, OP_LPAREN);
			p->flags = flags;
			*t = i;
			return true;
		}
		goto bad;
	}
bad:
	return fail(p, E_INVALID_PERL_OP, w + s, i - s);
}

/* The size of the compiled tree, as regexp/syntax estimates it. */
static int64_t calc_size(const node_t *re) {
	int64_t size = 0;
	switch (re->op) {
	case OP_LITERAL: size = 1; break;
	case OP_CAPTURE:
	case OP_STAR: size = 2 + calc_size(re->sub[0]); break;
	case OP_PLUS:
	case OP_QUEST: size = 1 + calc_size(re->sub[0]); break;
	case OP_CONCAT:
		for (size_t i = 0; i < re->nsub; i++)
			size += calc_size(re->sub[i]);
		break;
	case OP_ALT:
		for (size_t i = 0; i < re->nsub; i++)
			size += calc_size(re->sub[i]);
		if (re->nsub > 1)
			size += (int64_t)re->nsub - 1;
		break;
	case OP_REPEAT: {
		int64_t sub = calc_size(re->sub[0]);
		if (re->max == -1)
			size = re->min == 0 ? 2 + sub : 1 + (int64_t)re->min * sub;
		else
			size = (int64_t)re->max * sub + (int64_t)(re->max - re->min);
		break;
	}
	}
	if (size > MAX_SIZE)
		size = MAX_SIZE + 1;
	return size < 1 ? 1 : size;
}

/* depth_ok reports whether re is at most MAX_HEIGHT high, without
 * recursing deeper than that. */
static bool depth_ok(const node_t *re, int budget) {
	if (budget <= 0)
		return false;
	for (size_t i = 0; i < re->nsub; i++)
		if (!depth_ok(re->sub[i], budget - 1))
			return false;
	return true;
}

node_t *re_parse(const char *pat, size_t n, buf_t *err, node_t ***all, size_t *nall) {
	parser_t p = {.whole = pat, .wlen = n, .flags = F_PERL, .all = all, .nall = nall, .err = err};
	size_t t = 0, last_repeat = SIZE_MAX;
	bool ok = true;
	while (t < n && ok) {
		size_t repeat_at = SIZE_MAX;
		char c = pat[t];
		switch (c) {
		default: {
			int32_t r;
			ok = next_rune(&p, &t, &r);
			if (ok)
				literal(&p, r);
			break;
		}
		case '(':
			if ((p.flags & F_PERLX) && n - t >= 2 && pat[t + 1] == '?') {
				ok = perl_flags(&p, &t);
				break;
			}
			p.ncap++;
			op(&p, OP_LPAREN)->cap = p.ncap;
			t++;
			break;
		case '|':
			vertical_bar(&p);
			t++;
			break;
		case ')':
			ok = right_paren(&p);
			t++;
			break;
		case '^':
			op(&p, (p.flags & F_ONELINE) ? OP_BOT : OP_BOL);
			t++;
			break;
		case '$':
			op(&p, (p.flags & F_ONELINE) ? OP_EOT : OP_EOL);
			t++;
			break;
		case '.':
			op(&p, (p.flags & F_DOTNL) ? OP_ANY : OP_ANYNOTNL);
			t++;
			break;
		case '[':
			ok = parse_class(&p, &t);
			break;
		case '*':
		case '+':
		case '?': {
			size_t before = t, after = t + 1;
			ok = repeat(&p, c == '*' ? OP_STAR : c == '+' ? OP_PLUS : OP_QUEST, 0, 0, before, &after, last_repeat);
			repeat_at = before;
			t = after;
			break;
		}
		case '{': {
			size_t before = t, after = t;
			int min, max;
			if (!parse_repeat(&p, &after, &min, &max)) {
				literal(&p, '{');
				t++;
				break;
			}
			if (min < 0 || min > MAX_REPEAT || max > MAX_REPEAT || (max >= 0 && min > max)) {
				ok = fail(&p, E_INVALID_REPEAT_SIZE, pat + before, after - before);
				break;
			}
			ok = repeat(&p, OP_REPEAT, min, max, before, &after, last_repeat);
			repeat_at = before;
			t = after;
			break;
		}
		case '\\': {
			if ((p.flags & F_PERLX) && n - t >= 2) {
				bool done = true;
				switch (pat[t + 1]) {
				case 'A': op(&p, OP_BOT); t += 2; break;
				case 'b': op(&p, OP_WB); t += 2; break;
				case 'B': op(&p, OP_NWB); t += 2; break;
				case 'C': ok = fail(&p, E_INVALID_ESCAPE, pat + t, 2); break;
				case 'Q': {
					size_t start = t + 2, end = n, next = n;
					for (size_t k = start; k + 1 < n; k++)
						if (pat[k] == '\\' && pat[k + 1] == 'E') {
							end = k;
							next = k + 2;
							break;
						}
					for (size_t k = start; k < end && ok;) {
						/* nextRune over the literal text alone */
						int32_t r;
						int w = utf8_decode((const uint8_t *)pat + k, end - k, &r);
						if (r == RUNE_ERROR && w == 1) {
							ok = fail(&p, E_INVALID_UTF8, pat + k, end - k);
							break;
						}
						literal(&p, r);
						k += (size_t)w;
					}
					t = next;
					break;
				}
				case 'z': op(&p, OP_EOT); t += 2; break;
				default: done = false;
				}
				if (done)
					break;
			}
			node_t *re = new_node(&p, OP_CLASS);
			int k = unicode_class(&p, &t, &re->cls);
			if (k < 0) {
				ok = false;
				break;
			}
			if (k > 0) {
				push(&p, re);
				break;
			}
			if (perl_class(&p, &t, &re->cls)) {
				push(&p, re);
				break;
			}
			int32_t r;
			ok = parse_escape(&p, &t, &r);
			if (ok)
				literal(&p, r);
			break;
		}
		}
		last_repeat = repeat_at;
	}
	if (!ok)
		goto failed;
	concat(&p);
	if (swap_vertical_bar(&p))
		p.n--;
	alternate(&p);
	if (p.n != 1) {
		fail(&p, E_MISSING_PAREN, pat, n);
		goto failed;
	}
	node_t *root = p.stack[0];
	free(p.stack);
	if (!depth_ok(root, MAX_HEIGHT)) {
		fail(&p, E_NESTING_DEPTH, pat, n);
		return NULL;
	}
	if (calc_size(root) > MAX_SIZE) {
		fail(&p, E_LARGE, pat, n);
		return NULL;
	}
	return root;
failed:
	free(p.stack);
	return NULL;
}

void re_tree_free(node_t **all, size_t nall) {
	for (size_t i = 0; i < nall; i++) {
		rc_free(&all[i]->cls);
		free(all[i]->sub);
		free(all[i]);
	}
	free(all);
}

void re_quote_meta(buf_t *out, const char *s, size_t n) {
	for (size_t i = 0; i < n; i++) {
		if (strchr("\\.+*?()|[]{}^$", s[i]) && s[i] != 0)
			buf_putc(out, '\\');
		buf_putc(out, s[i]);
	}
}
