/*
 * re.h: regular expressions in RE2 syntax (https://github.com/google/re2/wiki/Syntax)
 * with the syntax, semantics and error messages of Go's regexp package,
 * matched in time linear in the input.
 *
 * The parser follows Go's regexp/syntax (Perl flags: \A \b \B \z \Q…\E,
 * \d \s \w, [[:alpha:]], \pL and \p{Greek}, (?i) (?m) (?s) (?U),
 * non-capturing and named groups, counted repetition up to 1000) and
 * reports errors in its words ("error parsing regexp: missing closing ):
 * `a(b`"). The matcher only answers whether a line matches anywhere,
 * which is all grep needs: the expression is compiled to a Thompson NFA
 * and simulated with a Pike VM, one pass over the input holding at most
 * one thread per instruction, so its time is O(input × program) with no
 * backtracking, whatever the pattern (Russ Cox, "Regular Expression
 * Matching Can Be Simple And Fast", https://swtch.com/~rsc/regexp/regexp1.html,
 * and "Regular Expression Matching: the Virtual Machine Approach",
 * https://swtch.com/~rsc/regexp/regexp2.html). Input is decoded as Go
 * decodes it: each byte of invalid UTF-8 is U+FFFD.
 */
#ifndef STEP_RE_H
#define STEP_RE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

typedef struct re re_t;

/* re_compile compiles the expression pat[0:n] (Go's regexp.Compile). On
 * failure it writes Go's error text to err and returns NULL. */
re_t *re_compile(const char *pat, size_t n, buf_t *err);

/* re_match reports whether s[0:n] contains a match: 1 if it does, 0 if
 * not, -1 if check() returned true (checked every 64 Ki input runes)
 * before the end. */
int re_match(re_t *re, const uint8_t *s, size_t n, bool (*check)(void *), void *arg);

void re_free(re_t *re);

/* re_has_prefix reports whether every match starts with a literal text;
 * re_prefix_next then returns the first place at or after from where it
 * may start in s[0:n] (n if nowhere). grep uses it to skip the lines
 * that cannot match without looking at them one by one. */
bool re_has_prefix(const re_t *re);
size_t re_prefix_next(const re_t *re, const uint8_t *s, size_t n, size_t from);

/* re_quote_meta appends s with every regular expression metacharacter
 * escaped (regexp.QuoteMeta). */
void re_quote_meta(buf_t *out, const char *s, size_t n);

#endif
