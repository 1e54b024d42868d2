/*
 * json.h: a strict JSON (RFC 8259) reader that parses a document into a
 * compact DOM, and a writer for strings.
 *
 * The DOM is a tape: one jnode per value, in document order, each holding
 * its kind, the byte span of its text in the source and the index of the
 * node after its subtree. The children of an array follow it; the members
 * of an object follow it as key, value, key, value. Values are not
 * decoded: a span can be copied from input to output as is (messages pass
 * through a step without being re-encoded), and a string is decoded only
 * when the step needs its contents.
 *
 * Decoding and encoding follow Go's encoding/json, so that what the C
 * guest reads and writes is what the Go guest read and wrote: a string's
 * invalid UTF-8 bytes and unpaired surrogate escapes decode as U+FFFD, and
 * strings are written with Go's escapes (\" \\ \b \f \n \r \t, \u00XX for
 * other control bytes and for < > &, \u2028 and \u2029, and \ufffd for each
 * invalid byte).
 */
#ifndef STEP_JSON_H
#define STEP_JSON_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "buf.h"

enum { J_NULL, J_FALSE, J_TRUE, J_NUM, J_STR, J_ARR, J_OBJ };

#define JNONE UINT32_MAX
/* JSON_MAX_DEPTH is the deepest nesting accepted, as in Go's decoder. */
#define JSON_MAX_DEPTH 10000

typedef struct {
	uint8_t type;
	uint8_t plain; /* a string without escapes and with valid UTF-8 */
	uint32_t start, end; /* the value's text: src[start:end] */
	uint32_t next;       /* the node after this value and its children */
} jnode;

typedef struct {
	const char *src;
	size_t len;
	jnode *n;
	uint32_t cnt, cap;
} jdoc;

/* json_parse parses src[0:len] (one value, optional white space around
 * it) into d. It returns 0, or -1 for text that is not JSON, with the
 * offset of the error in *err_at when err_at is not NULL. */
int json_parse(jdoc *d, const char *src, size_t len, size_t *err_at);
void json_free(jdoc *d);

static inline uint8_t jd_type(const jdoc *d, uint32_t i) { return i == JNONE ? J_NULL : d->n[i].type; }
static inline const char *jd_raw(const jdoc *d, uint32_t i) { return d->src + d->n[i].start; }
static inline size_t jd_rawlen(const jdoc *d, uint32_t i) { return d->n[i].end - d->n[i].start; }
/* The first child of a container (or JNONE), and the sibling after i
 * (or JNONE once past the end of the container parent). */
static inline uint32_t jd_first(const jdoc *d, uint32_t c) { return d->n[c].next == c + 1 ? JNONE : c + 1; }
static inline uint32_t jd_after(const jdoc *d, uint32_t parent, uint32_t i) {
	uint32_t nx = d->n[i].next;
	return nx >= d->n[parent].next ? JNONE : nx;
}

/* jd_get returns the value of the last member of object o named key
 * (compared after decoding), or JNONE. */
uint32_t jd_get(const jdoc *d, uint32_t o, const char *key);

/* jd_str appends the decoded contents of string node i to out. */
void jd_str(const jdoc *d, uint32_t i, buf_t *out);

/* jd_str_eq reports whether string node i decodes to s[0:n]. */
bool jd_str_eq(const jdoc *d, uint32_t i, const char *s, size_t n);

/* jd_int parses number node i as a Go int (strconv.ParseInt base 10,
 * 64 bits): false for fractions, exponents or overflow. */
bool jd_int(const jdoc *d, uint32_t i, int64_t *v);

/* jw_str appends s[0:n] as a JSON string, escaped as Go's json.Marshal
 * does. */
void jw_str(buf_t *b, const char *s, size_t n);

#endif
