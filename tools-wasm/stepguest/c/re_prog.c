/*
 * re_prog.c: compiling a parse tree to a Thompson NFA and running it as a
 * Pike VM (see re.h for the references). Counted repetitions are expanded
 * as Go's Simplify does (x{2,4} is xx, then two optional x); captures and
 * greediness do not matter for "is there a match" and are dropped.
 *
 * The VM adds a thread at the start instruction at every input position
 * (an unanchored search), follows empty transitions when a thread is
 * added (checking ^ $ \A \z \b \B against the runes on either side), and
 * steps every thread over the next rune. Each list holds an instruction at
 * most once (a sparse set), which bounds the work per rune by the
 * program's size and makes empty loops like (a*)* harmless. A match is
 * found as soon as a thread reaches the match instruction.
 *
 * Cheap shortcuts: an expression that starts with a literal string (case
 * folded or not) is only run from the places where that string occurs,
 * found with word-at-a-time scans; one that is only that string needs no
 * VM at all; and one anchored at the start of the text runs only from the
 * first position.
 */
#include <stdlib.h>

#include "re_internal.h"
#include "scan.h"
#include "utf8.h"

enum { I_FAIL, I_MATCH, I_RUNE1, I_CLASS, I_ANY, I_ANYNOTNL, I_SPLIT, I_JMP, I_EMPTY };

typedef struct {
	uint8_t op, empty;
	uint32_t out, out1;
	int32_t rune; /* I_RUNE1; class index for I_CLASS */
} inst_t;

typedef struct {
	int32_t *r; /* [lo, hi] pairs */
	uint32_t n; /* number of pairs */
	uint64_t ascii[2];
} pclass_t;

struct re {
	inst_t *inst;
	uint32_t ninst, icap, start;
	pclass_t *cls;
	uint32_t ncls, ccap;
	bool anchored;
	buf_t prefix;  /* every match starts with it */
	bool fold;     /* prefix is lower case and compared folding ASCII letters */
	bool literal;  /* the expression is exactly the prefix: no VM needed */
	/* VM state, sized by ninst. */
	uint32_t *sparse[2], *dense[2], *stack;
	uint32_t count[2];
};

/* A fragment: its start and the list of its dangling exits, threaded
 * through the unset out fields (pc << 1 | which); 0 ends the list. */
typedef struct {
	uint32_t head, tail;
} plist_t;
typedef struct {
	uint32_t i;
	plist_t out;
} frag_t;

static uint32_t emit(re_t *re, uint8_t op) {
	if (re->ninst == re->icap) {
		re->icap = re->icap ? re->icap * 2 : 64;
		re->inst = xrealloc(re->inst, re->icap * sizeof *re->inst);
	}
	re->inst[re->ninst] = (inst_t){.op = op};
	return re->ninst++;
}

static plist_t mklist(uint32_t pc, uint32_t which) { return (plist_t){pc << 1 | which, pc << 1 | which}; }

static uint32_t *slot(re_t *re, uint32_t l) { return (l & 1) ? &re->inst[l >> 1].out1 : &re->inst[l >> 1].out; }

static void patch(re_t *re, plist_t l, uint32_t to) {
	for (uint32_t p = l.head; p;) {
		uint32_t *s = slot(re, p);
		p = *s;
		*s = to;
	}
}

static plist_t append(re_t *re, plist_t a, plist_t b) {
	if (!a.head)
		return b;
	if (!b.head)
		return a;
	*slot(re, a.tail) = b.head;
	return (plist_t){a.head, b.tail};
}

static frag_t cat(re_t *re, frag_t a, frag_t b) {
	if (!a.i || !b.i)
		return (frag_t){0};
	patch(re, a.out, b.i);
	return (frag_t){a.i, b.out};
}

static frag_t alt(re_t *re, frag_t a, frag_t b) {
	if (!a.i)
		return b;
	if (!b.i)
		return a;
	uint32_t pc = emit(re, I_SPLIT);
	re->inst[pc].out = a.i;
	re->inst[pc].out1 = b.i;
	return (frag_t){pc, append(re, a.out, b.out)};
}

static frag_t quest(re_t *re, frag_t a) {
	uint32_t pc = emit(re, I_SPLIT);
	if (!a.i)
		return (frag_t){pc, append(re, mklist(pc, 0), mklist(pc, 1))};
	re->inst[pc].out = a.i;
	return (frag_t){pc, append(re, mklist(pc, 1), a.out)};
}

/* loop makes a repeat a+ (start at a) or a* (start at the split). */
static frag_t loop(re_t *re, frag_t a, bool star) {
	uint32_t pc = emit(re, I_SPLIT);
	if (!a.i)
		return star ? (frag_t){pc, append(re, mklist(pc, 0), mklist(pc, 1))} : (frag_t){0};
	re->inst[pc].out = a.i;
	patch(re, a.out, pc);
	return (frag_t){star ? pc : a.i, mklist(pc, 1)};
}

static frag_t one(re_t *re, uint8_t op) {
	uint32_t pc = emit(re, op);
	return (frag_t){pc, mklist(pc, 0)};
}

static uint32_t add_class(re_t *re, const rclass_t *c) {
	if (re->ncls == re->ccap) {
		re->ccap = re->ccap ? re->ccap * 2 : 8;
		re->cls = xrealloc(re->cls, re->ccap * sizeof *re->cls);
	}
	pclass_t *pc = &re->cls[re->ncls];
	pc->n = (uint32_t)(c->n / 2);
	pc->r = xmalloc((c->n ? c->n : 1) * sizeof *pc->r);
	memcpy(pc->r, c->r, c->n * sizeof *pc->r);
	pc->ascii[0] = pc->ascii[1] = 0;
	for (size_t i = 0; i < c->n; i += 2)
		for (int32_t r = c->r[i]; r <= c->r[i + 1] && r < 128; r++)
			pc->ascii[r >> 6] |= (uint64_t)1 << (r & 63);
	return re->ncls++;
}

static frag_t class_frag(re_t *re, const rclass_t *c) {
	if (c->n == 0)
		return (frag_t){0}; /* matches nothing */
	frag_t f = one(re, I_CLASS);
	re->inst[f.i].rune = (int32_t)add_class(re, c);
	return f;
}

static frag_t compile(re_t *re, const node_t *n) {
	switch (n->op) {
	case OP_NOMATCH:
		return (frag_t){0};
	case OP_EMPTY:
		return one(re, I_JMP);
	case OP_LITERAL:
		if (n->flags & F_FOLD) {
			rclass_t c = {0};
			rc_append_folded_range(&c, n->rune, n->rune);
			rc_clean(&c);
			frag_t f = class_frag(re, &c);
			rc_free(&c);
			return f;
		} else {
			frag_t f = one(re, I_RUNE1);
			re->inst[f.i].rune = n->rune;
			return f;
		}
	case OP_CLASS:
		return class_frag(re, &n->cls);
	case OP_ANY:
		return one(re, I_ANY);
	case OP_ANYNOTNL:
		return one(re, I_ANYNOTNL);
	case OP_BOL:
	case OP_EOL:
	case OP_BOT:
	case OP_EOT:
	case OP_WB:
	case OP_NWB: {
		frag_t f = one(re, I_EMPTY);
		static const uint8_t flag[] = {[OP_BOL] = E_BOL, [OP_EOL] = E_EOL, [OP_BOT] = E_BOT,
					       [OP_EOT] = E_EOT, [OP_WB] = E_WB,   [OP_NWB] = E_NWB};
		re->inst[f.i].empty = flag[n->op];
		return f;
	}
	case OP_CAPTURE:
		return compile(re, n->sub[0]);
	case OP_STAR:
		return loop(re, compile(re, n->sub[0]), true);
	case OP_PLUS:
		return loop(re, compile(re, n->sub[0]), false);
	case OP_QUEST:
		return quest(re, compile(re, n->sub[0]));
	case OP_REPEAT: {
		if (n->min == 0 && n->max == 0)
			return one(re, I_JMP);
		frag_t f = {0};
		bool have = false;
		for (int i = 0; i < n->min; i++) {
			frag_t x = compile(re, n->sub[0]);
			f = have ? cat(re, f, x) : x;
			have = true;
		}
		if (n->max == -1) {
			frag_t x = loop(re, compile(re, n->sub[0]), true);
			f = have ? cat(re, f, x) : x;
		} else {
			for (int i = n->min; i < n->max; i++) {
				frag_t x = quest(re, compile(re, n->sub[0]));
				f = have ? cat(re, f, x) : x;
				have = true;
			}
		}
		return f;
	}
	case OP_CONCAT: {
		frag_t f = compile(re, n->sub[0]);
		for (size_t i = 1; i < n->nsub; i++)
			f = cat(re, f, compile(re, n->sub[i]));
		return f;
	}
	case OP_ALT: {
		frag_t f = compile(re, n->sub[0]);
		for (size_t i = 1; i < n->nsub; i++)
			f = alt(re, f, compile(re, n->sub[i]));
		return f;
	}
	}
	return (frag_t){0};
}

/* literal_prefix collects the literal text that every match starts with,
 * and whether the expression is anchored at the start of text. A folded
 * literal (under (?i)) joins it when its case orbit is ASCII letters or
 * a single ASCII byte: the prefix is then searched folding ASCII letters,
 * which may find a place where no match starts (the VM then rejects it)
 * but never misses one. A literal whose orbit leaves ASCII (k and s fold
 * to the Kelvin sign and the long s), and U+FFFD, which matches every
 * invalid byte, end the prefix. */
static void literal_prefix(re_t *re, const node_t *n) {
	while (n->op == OP_CAPTURE)
		n = n->sub[0];
	const node_t *const *subs = &n;
	size_t k = 1;
	if (n->op == OP_CONCAT) {
		subs = (const node_t *const *)n->sub;
		k = n->nsub;
	}
	size_t i = 0;
	if (k > 0 && subs[0]->op == OP_BOT) {
		re->anchored = true;
		i = 1;
	}
	size_t start = i;
	int folded = 0, exact = 0;
	for (; i < k && subs[i]->op == OP_LITERAL && subs[i]->rune != RUNE_ERROR; i++) {
		int32_t r = subs[i]->rune;
		if (subs[i]->flags & F_FOLD) {
			int32_t lo = r >= 'A' && r <= 'Z' ? r + 32 : r;
			if (r >= 0x80 || lo == 'k' || lo == 's')
				break;
			buf_putc(&re->prefix, (char)lo);
			folded++;
		} else {
			uint8_t enc[4];
			buf_put(&re->prefix, enc, (size_t)utf8_encode(enc, r));
			exact++;
		}
	}
	if (folded) { /* compare it all folded */
		re->fold = true;
		for (size_t j = 0; j < re->prefix.n; j++)
			if (re->prefix.p[j] >= 'A' && re->prefix.p[j] <= 'Z')
				re->prefix.p[j] += 32;
	}
	re->literal = !re->anchored && start == 0 && i == k && i > 0 && !(folded && exact);
}

re_t *re_compile(const char *pat, size_t n, buf_t *err) {
	node_t **all = NULL;
	size_t nall = 0;
	node_t *root = re_parse(pat, n, err, &all, &nall);
	if (!root) {
		re_tree_free(all, nall);
		return NULL;
	}
	re_t *re = xmalloc(sizeof *re);
	*re = (re_t){0};
	emit(re, I_FAIL); /* pc 0: the target of no-match fragments */
	frag_t f = compile(re, root);
	uint32_t m = emit(re, I_MATCH);
	if (f.i) {
		patch(re, f.out, m);
		re->start = f.i;
	} else {
		re->start = 0;
	}
	literal_prefix(re, root);
	re_tree_free(all, nall);
	re->sparse[0] = calloc(re->ninst, sizeof *re->sparse[0]);
	re->sparse[1] = calloc(re->ninst, sizeof *re->sparse[1]);
	if (!re->sparse[0] || !re->sparse[1])
		__builtin_trap();
	re->dense[0] = xmalloc(re->ninst * sizeof *re->dense[0]);
	re->dense[1] = xmalloc(re->ninst * sizeof *re->dense[1]);
	re->stack = xmalloc((2 * (size_t)re->ninst + 1) * sizeof *re->stack); /* each instruction pushes at most two */
	return re;
}

void re_free(re_t *re) {
	if (!re)
		return;
	for (uint32_t i = 0; i < re->ncls; i++)
		free(re->cls[i].r);
	free(re->cls);
	free(re->inst);
	buf_free(&re->prefix);
	free(re->sparse[0]);
	free(re->sparse[1]);
	free(re->dense[0]);
	free(re->dense[1]);
	free(re->stack);
	free(re);
}

static bool class_has(const pclass_t *c, int32_t r) {
	if (r < 128)
		return (c->ascii[r >> 6] >> (r & 63)) & 1;
	uint32_t lo = 0, hi = c->n;
	while (lo < hi) {
		uint32_t m = lo + (hi - lo) / 2;
		if (r < c->r[2 * m])
			hi = m;
		else if (r > c->r[2 * m + 1])
			lo = m + 1;
		else
			return true;
	}
	return false;
}

static bool is_word(int32_t r) {
	return (r >= '0' && r <= '9') || (r >= 'A' && r <= 'Z') || (r >= 'a' && r <= 'z') || r == '_';
}

/* context is regexp/syntax.EmptyOpContext: the empty-width conditions
 * that hold between runes r1 and r2 (-1 at the ends of the text). */
static uint8_t context(int32_t r1, int32_t r2) {
	uint8_t op = E_NWB;
	int boundary = 0;
	if (is_word(r1))
		boundary = 1;
	else if (r1 == '\n')
		op |= E_BOL;
	else if (r1 < 0)
		op |= E_BOT | E_BOL;
	if (is_word(r2))
		boundary ^= 1;
	else if (r2 == '\n')
		op |= E_EOL;
	else if (r2 < 0)
		op |= E_EOT | E_EOL;
	if (boundary)
		op ^= E_WB | E_NWB;
	return op;
}

/* add puts pc and everything reachable from it by empty transitions into
 * list l; it returns true if that reaches the match. */
static bool add(re_t *re, int l, uint32_t pc, uint8_t flag) {
	uint32_t *dense = re->dense[l], *sparse = re->sparse[l];
	uint32_t sp = 0;
	re->stack[sp++] = pc;
	while (sp) {
		pc = re->stack[--sp];
		uint32_t s = sparse[pc];
		if (s < re->count[l] && dense[s] == pc)
			continue;
		sparse[pc] = re->count[l];
		dense[re->count[l]++] = pc;
		const inst_t *in = &re->inst[pc];
		switch (in->op) {
		case I_MATCH:
			return true;
		case I_JMP:
			re->stack[sp++] = in->out;
			break;
		case I_SPLIT:
			re->stack[sp++] = in->out1;
			re->stack[sp++] = in->out;
			break;
		case I_EMPTY:
			if ((in->empty & flag) == in->empty)
				re->stack[sp++] = in->out;
			break;
		}
	}
	return false;
}

static int32_t rune_at(const uint8_t *s, size_t n, size_t pos, int *w) {
	if (pos >= n) {
		*w = 0;
		return -1;
	}
	if (s[pos] < 0x80) {
		*w = 1;
		return s[pos];
	}
	int32_t r;
	*w = utf8_decode(s + pos, n - pos, &r);
	return r;
}

/* rune_before returns the rune before pos as far as the empty-width
 * conditions can tell: the byte itself if ASCII, else some non-ASCII rune
 * (which is neither a word character nor a newline, whatever it is). */
static int32_t rune_before(const uint8_t *s, size_t pos) {
	if (pos == 0)
		return -1;
	return s[pos - 1] < 0x80 ? s[pos - 1] : RUNE_ERROR;
}

#define HIT2(w) (scan_has_byte((w), a) | scan_has_byte((w), b))
/* scan_find2 returns the index of the first byte a or b in s, or n. */
SCAN(scan_find2, HIT2, 0, , uint8_t a, uint8_t b)

/* fold_word lowers the ASCII letters of a word (exactly: no carries). */
static inline uint64_t fold_word(uint64_t x) {
	uint64_t h = x & ~SCAN_HIGHS;
	uint64_t ge_a = h + SCAN_ONES * (0x80 - 'A'), gt_z = h + SCAN_ONES * (0x80 - 'Z' - 1);
	uint64_t upper = ge_a & ~gt_z & ~x & SCAN_HIGHS;
	return x | (upper >> 2);
}

/* fold_equal compares s with the lower-case p folding s's ASCII letters. */
static inline bool fold_equal(const uint8_t *s, const uint8_t *p, size_t n) {
	size_t j = 0;
	for (; j + 8 <= n; j += 8)
		if (fold_word(scan_load(s + j)) != scan_load(p + j))
			return false;
	return j == n || fold_word(scan_load_tail(s + j, n - j, 0)) == scan_load_tail(p + j, n - j, 0);
}

size_t re_prefix_next(const re_t *re, const uint8_t *s, size_t n, size_t from) {
	const uint8_t *p = (const uint8_t *)re->prefix.p;
	size_t pn = re->prefix.n;
	uint8_t a = p[0], b = re->fold && a >= 'a' && a <= 'z' ? (uint8_t)(a - 32) : a;
	while (from + pn <= n) {
		size_t q = from + scan_find2(s + from, n - from - pn + 1, a, b);
		if (q + pn > n)
			return n;
		if (re->fold ? fold_equal(s + q, p, pn) : memcmp(s + q, p, pn) == 0)
			return q;
		from = q + 1;
	}
	return n;
}

bool re_has_prefix(const re_t *re) { return re->prefix.n > 0 && re->start != 0; }

int re_match(re_t *re, const uint8_t *s, size_t n, bool (*check)(void *), void *arg) {
	if (re->start == 0)
		return 0;
	size_t pos = 0;
	if (re->prefix.n) {
		size_t q = re_prefix_next(re, s, n, 0);
		if (q == n || (re->anchored && q != 0))
			return 0;
		if (re->literal)
			return 1;
		pos = q;
	}
	re->count[0] = re->count[1] = 0;
	int cur = 0;
	int w;
	int32_t r1 = rune_before(s, pos), r = rune_at(s, n, pos, &w);
	uint8_t flag = context(r1, r);
	uint32_t steps = 0;
	for (;;) {
		if (re->count[cur] == 0) {
			if (re->anchored && pos > 0)
				return 0;
			if (re->prefix.n && pos > 0) {
				size_t q = re_prefix_next(re, s, n, pos);
				if (q == n)
					return 0;
				if (q != pos) {
					pos = q;
					r1 = rune_before(s, pos);
					r = rune_at(s, n, pos, &w);
					flag = context(r1, r);
				}
			}
		}
		if ((!re->anchored || pos == 0) && add(re, cur, re->start, flag))
			return 1;
		if (pos >= n)
			return 0;
		if (++steps == 65536) {
			steps = 0;
			if (check && check(arg))
				return -1;
		}
		int w2;
		int32_t r2 = rune_at(s, n, pos + (size_t)w, &w2);
		uint8_t next_flag = context(r, r2);
		int nx = cur ^ 1;
		re->count[nx] = 0;
		for (uint32_t i = 0; i < re->count[cur]; i++) {
			const inst_t *in = &re->inst[re->dense[cur][i]];
			bool ok;
			switch (in->op) {
			case I_RUNE1: ok = r == in->rune; break;
			case I_CLASS: ok = class_has(&re->cls[in->rune], r); break;
			case I_ANY: ok = true; break;
			case I_ANYNOTNL: ok = r != '\n'; break;
			default: ok = false;
			}
			if (ok && add(re, nx, in->out, next_flag))
				return 1;
		}
		re->count[cur] = 0;
		cur = nx;
		pos += (size_t)w;
		r1 = r;
		r = r2;
		w = w2;
		flag = next_flag;
	}
}
