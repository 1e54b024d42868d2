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
 * its width (utf8.DecodeRune). n == 0 gives U+FFFD and width 0. It is
 * inline: hot loops call nothing (see scan.h). */
/* first byte classes: 0 ASCII, 1 invalid, otherwise size | accept << 4. */
#define UTF8_XX 1
#define UTF8_AS 0

static inline uint8_t utf8_first_class(uint8_t b) {
	if (b < 0x80)
		return UTF8_AS;
	if (b < 0xC2)
		return UTF8_XX;
	if (b < 0xE0)
		return 2;
	if (b == 0xE0)
		return 3 | 1 << 4;
	if (b < 0xED)
		return 3;
	if (b == 0xED)
		return 3 | 2 << 4;
	if (b < 0xF0)
		return 3;
	if (b == 0xF0)
		return 4 | 3 << 4;
	if (b < 0xF4)
		return 4;
	if (b == 0xF4)
		return 4 | 4 << 4;
	return UTF8_XX;
}

static const uint8_t utf8_accept_lo[5] = {0x80, 0xA0, 0x80, 0x90, 0x80};
static const uint8_t utf8_accept_hi[5] = {0xBF, 0xBF, 0x9F, 0xBF, 0x8F};

static inline int utf8_decode(const uint8_t *s, size_t n, int32_t *r) {
	if (n == 0) {
		*r = RUNE_ERROR;
		return 0;
	}
	uint8_t b0 = s[0];
	uint8_t x = utf8_first_class(b0);
	if (x == UTF8_AS) {
		*r = b0;
		return 1;
	}
	if (x == UTF8_XX) {
		*r = RUNE_ERROR;
		return 1;
	}
	size_t sz = x & 7;
	uint8_t lo = utf8_accept_lo[x >> 4], hi = utf8_accept_hi[x >> 4];
	if (n < sz) {
		*r = RUNE_ERROR;
		return 1;
	}
	uint8_t b1 = s[1];
	if (b1 < lo || hi < b1) {
		*r = RUNE_ERROR;
		return 1;
	}
	if (sz == 2) {
		*r = (int32_t)(b0 & 0x1F) << 6 | (b1 & 0x3F);
		return 2;
	}
	uint8_t b2 = s[2];
	if (b2 < 0x80 || 0xBF < b2) {
		*r = RUNE_ERROR;
		return 1;
	}
	if (sz == 3) {
		*r = (int32_t)(b0 & 0x0F) << 12 | (int32_t)(b1 & 0x3F) << 6 | (b2 & 0x3F);
		return 3;
	}
	uint8_t b3 = s[3];
	if (b3 < 0x80 || 0xBF < b3) {
		*r = RUNE_ERROR;
		return 1;
	}
	*r = (int32_t)(b0 & 0x07) << 18 | (int32_t)(b1 & 0x3F) << 12 | (int32_t)(b2 & 0x3F) << 6 | (b3 & 0x3F);
	return 4;
}


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
