/*
 * args.h: decoding a tool's JSON arguments with the semantics of Go's
 * encoding/json (version 1) decoding into the Go tools' input structs:
 * keys match field names case-insensitively (with Go's folding, so "ſ"
 * matches 's' and the Kelvin sign 'k'), unknown keys are ignored, null
 * leaves a field unchanged (and clears a pointer or a slice), the last of
 * duplicate keys wins, and the first type mismatch is reported in Go's
 * words, e.g. "json: cannot unmarshal string into Go struct field
 * readInput.offset of type int".
 */
#ifndef STEP_ARGS_H
#define STEP_ARGS_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "json.h"

typedef enum {
	A_STR,    /* string: buf_t */
	A_OPTSTR, /* *string: buf_t, and present says whether it is non-nil */
	A_INT,    /* int: int64_t */
	A_BOOL,   /* bool: bool */
	A_EDITS,  /* []struct{OldText, NewText string}: edits_t */
} arg_kind;

typedef struct {
	buf_t old_text, new_text;
} edit_t;

typedef struct {
	edit_t *v;
	size_t n;  /* len */
	size_t hw; /* elements ever decoded: Go reuses them in place */
} edits_t;

void edits_free(edits_t *e);

typedef struct {
	const char *name; /* the JSON key */
	arg_kind kind;
	void *dst;
	bool *present; /* A_OPTSTR */
} arg_t;

/* args_decode decodes node input of d (JNONE: no arguments) into args, the
 * fields of the Go struct named type ("readInput"). On failure it writes
 * the tool's error ("invalid arguments: …; pass a JSON object that matches
 * the tool's parameters") to err and returns false. */
bool args_decode(const jdoc *d, uint32_t input, const char *type, const arg_t *args, size_t n, buf_t *err);

#endif
