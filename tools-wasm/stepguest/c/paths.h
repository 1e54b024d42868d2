/*
 * paths.h: slash-separated path names, as Go's package path handles them
 * (Clean, Dir, Split on '/').
 */
#ifndef STEP_PATHS_H
#define STEP_PATHS_H

#include <stddef.h>

#include "buf.h"

/* path_clean appends the shortest name equivalent to p[0:n] by purely
 * lexical processing (path.Clean). */
void path_clean(buf_t *out, const char *p, size_t n);

/* path_dir appends all but the last element of p[0:n], cleaned (path.Dir). */
void path_dir(buf_t *out, const char *p, size_t n);

#endif
