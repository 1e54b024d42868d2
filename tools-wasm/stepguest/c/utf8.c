/*
 * utf8.c: Go-compatible UTF-8 decoding and Unicode properties; see utf8.h.
 * The decoder follows the table-driven design of Go's unicode/utf8: a
 * first-byte class gives the sequence length and the accepted range of the
 * second byte, which rules out overlong forms and surrogates.
 */
#include "utf8.h"

#include "buf.h"
#include "scan.h"
#include "unicode_tables.h"

bool utf8_full(const uint8_t *s, size_t n) {
	if (n == 0)
		return false;
	uint8_t x = utf8_first_class(s[0]);
	size_t sz = (x == UTF8_AS || x == UTF8_XX) ? 1 : (size_t)(x & 7);
	if (n >= sz)
		return true;
	uint8_t lo = utf8_accept_lo[x >> 4], hi = utf8_accept_hi[x >> 4];
	if (n > 1 && (s[1] < lo || hi < s[1]))
		return true;
	if (n > 2 && (s[2] < 0x80 || 0xBF < s[2]))
		return true;
	return false;
}

bool utf8_valid(const uint8_t *s, size_t n) {
	size_t i = 0;
	while (i < n) {
		i += scan_ascii(s + i, n - i);
		if (i >= n)
			break;
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
	/* The printable ranges, decoded on first use. */
	static uint32_t *print;
	if (!print) {
		print = xmalloc(2 * uni_print_count * sizeof *print);
		const uint8_t *p = uni_print_data;
		uint32_t next = 0x100;
		for (size_t i = 0; i < uni_print_count; i++) {
			print[2 * i] = next + uvarint(&p);
			print[2 * i + 1] = print[2 * i] + uvarint(&p);
			next = print[2 * i + 1] + 1;
		}
	}
	return uni_in_ranges(print, uni_print_count, r);
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
