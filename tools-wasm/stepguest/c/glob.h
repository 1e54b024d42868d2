/*
 * glob.h: the patterns of find and of grep's glob filter
 * (builtin/glob.go): path.Match syntax within one path element ('*', '?',
 * '[...]', '\' escapes), '**' as a whole element matching zero or more
 * directories, and '{a,b}' alternatives. An alternative without '/'
 * matches the last element of a path at any depth.
 */
#ifndef STEP_GLOB_H
#define STEP_GLOB_H

#include <stdbool.h>
#include <stddef.h>

#include "buf.h"

typedef struct {
	char **elems;
	size_t *lens;
	size_t n;
	bool basename;
} globalt_t;

typedef struct {
	globalt_t *alts;
	size_t n;
} glob_t;

/* glob_compile checks and compiles pattern; on failure it writes why
 * (e.g. "pattern \"[x\": malformed element \"[x\"") to err. */
bool glob_compile(const char *pat, size_t n, glob_t *g, buf_t *err);

/* glob_match reports whether rel, a slash-separated path relative to the
 * search directory, matches. */
bool glob_match(const glob_t *g, const char *rel, size_t n);

void glob_free(glob_t *g);

/* path_match is Go's path.Match; *bad is set for a malformed pattern. */
bool path_match(const char *pat, size_t pn, const char *name, size_t nn, bool *bad);

#endif
