/*
 * utf8.h: UTF-8 decoding with the exact semantics of Go's unicode/utf8
 * (every byte of an invalid or truncated sequence decodes as U+FFFD of
 * width 1; surrogates and overlong forms are invalid), and the few Unicode
 * properties the tools print by (strconv.IsPrint, unicode.IsSpace,
 * unicode.IsControl). The property tables are generated from Go's own
 * tables (unicode_tables.c, see tools-wasm/stepguest/gen).
 */
#ifndef STEP_UTF8_H
#define STEP_UTF8_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define RUNE_ERROR 0xFFFD
#define MAX_RUNE 0x10FFFF

/* utf8_decode decodes the first rune of s (n > 0 bytes) into *r and returns
 * its width (utf8.DecodeRune). n == 0 gives U+FFFD and width 0. */
int utf8_decode(const uint8_t *s, size_t n, int32_t *r);

/* utf8_full reports whether s begins with a full encoding of a rune or an
 * invalid one (utf8.FullRune). */
bool utf8_full(const uint8_t *s, size_t n);

/* utf8_valid reports whether s is entirely valid UTF-8 (utf8.Valid). */
bool utf8_valid(const uint8_t *s, size_t n);

/* utf8_encode writes r (U+FFFD if not a valid rune) and returns its width. */
int utf8_encode(uint8_t out[4], int32_t r);

static inline bool utf8_valid_rune(int32_t r) {
	return (r >= 0 && r < 0xD800) || (r > 0xDFFF && r <= MAX_RUNE);
}

static inline bool utf8_rune_start(uint8_t b) { return (b & 0xC0) != 0x80; }

/* uni_is_print is strconv.IsPrint. */
bool uni_is_print(int32_t r);

/* uni_is_space is unicode.IsSpace. */
bool uni_is_space(int32_t r);

/* uni_is_control is unicode.IsControl: the C0 and C1 control codes. */
static inline bool uni_is_control(int32_t r) {
	return (r >= 0 && r <= 0x1F) || (r >= 0x7F && r <= 0x9F);
}

/* uni_in_ranges reports whether r lies in one of n sorted [lo, hi] pairs. */
bool uni_in_ranges(const uint32_t *pairs, size_t n, int32_t r);

#endif
