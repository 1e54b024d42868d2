/*
 * utf8.c: Go-compatible UTF-8 decoding and Unicode properties; see utf8.h.
 * The decoder follows the table-driven design of Go's unicode/utf8: a
 * first-byte class gives the sequence length and the accepted range of the
 * second byte, which rules out overlong forms and surrogates.
 */
#include "utf8.h"

#include "unicode_tables.h"

/* first byte classes: 0 ASCII, 1 invalid, otherwise size | accept << 4. */
#define XX 1
#define AS 0

static uint8_t first_class(uint8_t b) {
	if (b < 0x80)
		return AS;
	if (b < 0xC2)
		return XX;
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
	return XX;
}

static const uint8_t accept_lo[5] = {0x80, 0xA0, 0x80, 0x90, 0x80};
static const uint8_t accept_hi[5] = {0xBF, 0xBF, 0x9F, 0xBF, 0x8F};

int utf8_decode(const uint8_t *s, size_t n, int32_t *r) {
	if (n == 0) {
		*r = RUNE_ERROR;
		return 0;
	}
	uint8_t b0 = s[0];
	uint8_t x = first_class(b0);
	if (x == AS) {
		*r = b0;
		return 1;
	}
	if (x == XX) {
		*r = RUNE_ERROR;
		return 1;
	}
	size_t sz = x & 7;
	uint8_t lo = accept_lo[x >> 4], hi = accept_hi[x >> 4];
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

bool utf8_full(const uint8_t *s, size_t n) {
	if (n == 0)
		return false;
	uint8_t x = first_class(s[0]);
	size_t sz = (x == AS || x == XX) ? 1 : (size_t)(x & 7);
	if (n >= sz)
		return true;
	uint8_t lo = accept_lo[x >> 4], hi = accept_hi[x >> 4];
	if (n > 1 && (s[1] < lo || hi < s[1]))
		return true;
	if (n > 2 && (s[2] < 0x80 || 0xBF < s[2]))
		return true;
	return false;
}

bool utf8_valid(const uint8_t *s, size_t n) {
	size_t i = 0;
	while (i < n) {
		/* Skip ASCII eight bytes at a time. */
		while (i + 8 <= n) {
			uint64_t w;
			__builtin_memcpy(&w, s + i, 8);
			if (w & 0x8080808080808080ull)
				break;
			i += 8;
		}
		if (i >= n)
			break;
		if (s[i] < 0x80) {
			i++;
			continue;
		}
		int32_t r;
		int w = utf8_decode(s + i, n - i, &r);
		if (w == 1)
			return false;
		i += (size_t)w;
	}
	return true;
}

int utf8_encode(uint8_t out[4], int32_t r) {
	if (r >= 0 && r < 0x80) {
		out[0] = (uint8_t)r;
		return 1;
	}
	if (r >= 0 && r < 0x800) {
		out[0] = (uint8_t)(0xC0 | r >> 6);
		out[1] = (uint8_t)(0x80 | (r & 0x3F));
		return 2;
	}
	if (!utf8_valid_rune(r))
		r = RUNE_ERROR;
	if (r < 0x10000) {
		out[0] = (uint8_t)(0xE0 | r >> 12);
		out[1] = (uint8_t)(0x80 | ((r >> 6) & 0x3F));
		out[2] = (uint8_t)(0x80 | (r & 0x3F));
		return 3;
	}
	out[0] = (uint8_t)(0xF0 | r >> 18);
	out[1] = (uint8_t)(0x80 | ((r >> 12) & 0x3F));
	out[2] = (uint8_t)(0x80 | ((r >> 6) & 0x3F));
	out[3] = (uint8_t)(0x80 | (r & 0x3F));
	return 4;
}

bool uni_in_ranges(const uint32_t *pairs, size_t n, int32_t r) {
	size_t lo = 0, hi = n;
	uint32_t u = (uint32_t)r;
	while (lo < hi) {
		size_t m = lo + (hi - lo) / 2;
		if (u < pairs[2 * m])
			hi = m;
		else if (u > pairs[2 * m + 1])
			lo = m + 1;
		else
			return true;
	}
	return false;
}

bool uni_is_print(int32_t r) {
	if (r <= 0xFF) {
		if (0x20 <= r && r <= 0x7E)
			return true;
		if (0xA1 <= r && r <= 0xFF)
			return r != 0xAD;
		return false;
	}
	return uni_in_ranges(uni_print_ranges, uni_print_count, r);
}

bool uni_is_space(int32_t r) {
	if (r <= 0xFF) {
		switch (r) {
		case '\t': case '\n': case '\v': case '\f': case '\r': case ' ': case 0x85: case 0xA0:
			return true;
		}
		return false;
	}
	return uni_in_ranges(uni_space_ranges, uni_space_count, r);
}
