/*
 * re_class.h: character classes of the regular expressions, as sorted
 * lists of [lo, hi] rune ranges, built with the operations of Go's
 * regexp/syntax (appendRange, appendFoldedRange, cleanClass, negateClass,
 * the Perl, POSIX and Unicode groups), and Unicode simple case folding
 * (unicode.SimpleFold) from the generated tables.
 */
#ifndef STEP_RE_CLASS_H
#define STEP_RE_CLASS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* rclass_t holds ranges as pairs: r[0..n) with n even. */
typedef struct {
	int32_t *r;
	size_t n, cap;
} rclass_t;

void rc_free(rclass_t *c);
void rc_append_range(rclass_t *c, int32_t lo, int32_t hi);
void rc_append_folded_range(rclass_t *c, int32_t lo, int32_t hi);
void rc_append_class(rclass_t *c, const int32_t *x, size_t n);
void rc_append_folded_class(rclass_t *c, const int32_t *x, size_t n);
void rc_append_negated_class(rclass_t *c, const int32_t *x, size_t n);
/* rc_clean sorts and merges the ranges. */
void rc_clean(rclass_t *c);
/* rc_negate replaces a clean class by its complement. */
void rc_negate(rclass_t *c);
void rc_append_table(rclass_t *c, int table);
void rc_append_negated_table(rclass_t *c, int table);

/* rc_append_group appends a Perl or POSIX group (x: clean ranges, sign
 * negative for \D, [:^alpha:] and the like), folded when fold is set. */
void rc_append_group(rclass_t *c, const int32_t *x, size_t n, int sign, bool fold);

/* simple_fold is unicode.SimpleFold: the next rune of r's case orbit. */
int32_t simple_fold(int32_t r);

/* min_fold_rune is the smallest rune of r's case orbit. */
int32_t min_fold_rune(int32_t r);

/* unicode_table looks a \p{name} up as regexp/syntax does (canonical
 * name; Any, Assigned, ASCII; categories; scripts; category aliases):
 * it returns false if unknown, else the table (-1 for the built-in ones,
 * see *special), its fold supplement (-1: none) and the sign. */
enum { UT_NONE, UT_ANY, UT_ASCII };
bool unicode_table(const char *name, size_t n, int *table, int *fold, int *sign, int *special);

#endif
