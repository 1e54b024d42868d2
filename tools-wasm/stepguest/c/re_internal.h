/*
 * re_internal.h: the parse tree and the program of the regular
 * expressions, shared by re_parse.c (syntax) and re_prog.c (compilation
 * and matching).
 */
#ifndef STEP_RE_INTERNAL_H
#define STEP_RE_INTERNAL_H

#include "re.h"
#include "re_class.h"

/* Parse flags (regexp/syntax.Flags). */
enum {
	F_FOLD = 1,
	F_CLASSNL = 4,
	F_DOTNL = 8,
	F_ONELINE = 16,
	F_NONGREEDY = 32,
	F_PERLX = 64,
	F_UNICODE = 128,
	F_PERL = F_CLASSNL | F_ONELINE | F_PERLX | F_UNICODE,
};

/* Operators of the parse tree (regexp/syntax.Op), then the parser's
 * pseudo-operators. */
enum {
	OP_NOMATCH = 1,
	OP_EMPTY,
	OP_LITERAL, /* rune, folded when flags has F_FOLD */
	OP_CLASS,
	OP_ANYNOTNL,
	OP_ANY,
	OP_BOL,
	OP_EOL,
	OP_BOT,
	OP_EOT,
	OP_WB,
	OP_NWB,
	OP_CAPTURE,
	OP_STAR,
	OP_PLUS,
	OP_QUEST,
	OP_REPEAT,
	OP_CONCAT,
	OP_ALT,
	OP_PSEUDO = 128,
	OP_LPAREN,
	OP_VBAR,
};

typedef struct node node_t;
struct node {
	uint8_t op;
	uint16_t flags;
	int32_t rune;
	int min, max; /* OP_REPEAT; max -1 is unbounded */
	int cap;      /* OP_LPAREN: capture index, 0 for a plain group */
	rclass_t cls;
	node_t **sub;
	size_t nsub;
};

/* re_parse parses pat into a tree whose nodes it allocates from *all (to
 * be freed with re_tree_free). */
node_t *re_parse(const char *pat, size_t n, buf_t *err, node_t ***all, size_t *nall);
void re_tree_free(node_t **all, size_t nall);

/* Empty-width conditions (regexp/syntax.EmptyOp). */
enum {
	E_BOL = 1,
	E_EOL = 2,
	E_BOT = 4,
	E_EOT = 8,
	E_WB = 16,
	E_NWB = 32,
};

#endif
