/*
 * walk.h: walking a directory tree for find and grep (builtin/walk.go), and
 * how listings show entries.
 */
#ifndef STEP_WALK_H
#define STEP_WALK_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "root.h"
#include "tools.h"

/* walkstop_t says why a walk ended early; zero means it did not. */
typedef struct {
	bool visit_limit; /* Visit entries were visited */
	bool budget;      /* the call's time budget ran out */
	int64_t deep;     /* directories left unsearched below Depth levels */
} walkstop_t;

/* walk_fn is called for each entry: dir is the open directory holding it
 * (for *at-style access by d->name), name its path relative to the
 * workspace, rel its path relative to the walk's base. It returns false to
 * stop the walk. */
typedef bool (*walk_fn)(void *ctx, int32_t dir, const buf_t *name, const buf_t *rel, const dirent_t *d);

/* walk visits the entries below the directory base (a resolved name) in
 * lexical order, depth first, holding an open directory per level and
 * opening each child by its single name. It does not follow symbolic
 * links, skips the contents of directories named ".git" and of directories
 * it cannot read, and stops when fn returns false, after Visit entries,
 * below Depth levels (counting the skipped directories) or when the call's
 * time budget runs out (builtin.call.walk). */
walkstop_t walk(call_t *c, const char *base, walk_fn fn, void *ctx);

/* walk_notices appends the notices about where a walk stopped, each on a
 * line of its own after what notes already holds (walkStop.notices). */
void walk_notices(walkstop_t s, const limits_t *lim, buf_t *notes);

/* note_begin starts a new line of notes. */
static inline void note_begin(buf_t *notes) {
	if (notes->n)
		buf_putc(notes, '\n');
}

/* open_dir_for_reading opens the directory name (resolved) to read its
 * entries: "." itself, or the directory opened as a root (builtin's ls). */
err_t open_dir_for_reading(call_t *c, const char *name, int32_t *fd);

/* put_entry appends how a listing shows an entry: its display name, with
 * '/' after a directory and '@' after a symbolic link (builtin.entryName). */
void put_entry(buf_t *b, const char *name, size_t n, uint8_t type);

#endif
