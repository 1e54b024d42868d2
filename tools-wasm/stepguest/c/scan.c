/*
 * scan.c: memchr and memcmp, which replace wasi-libc's byte-at-a-time
 * versions for the whole module, and a byte count; see scan.h.
 */
#include "scan.h"

size_t scan_count(const uint8_t *s, size_t n, uint8_t b) {
	size_t count = 0, i = 0;
	for (;; i += 8) {
		if (i >= n)
			return count;
		/* Exact per byte: a byte of x is zero iff adding 0x7f to its
		 * low seven bits, or-ed with itself, leaves its high bit clear;
		 * no carry crosses bytes. */
		uint64_t x = (i + 8 <= n ? scan_load(s + i) : scan_load_tail(s + i, n - i, (uint8_t)~b)) ^ (SCAN_ONES * b);
		uint64_t t = ((x & ~SCAN_HIGHS) + ~SCAN_HIGHS) | x;
		count += (size_t)__builtin_popcountll(~t & SCAN_HIGHS);
	}
}

__attribute__((no_builtin)) void *memchr(const void *src, int c, size_t n) {
	size_t k = scan_find(src, n, (uint8_t)c);
	return k < n ? (void *)((const uint8_t *)src + k) : NULL;
}

__attribute__((no_builtin)) int memcmp(const void *va, const void *vb, size_t n) {
	const uint8_t *a = va, *b = vb;
	size_t i = 0;
	for (; i + 8 <= n; i += 8) {
		uint64_t x = scan_load(a + i), y = scan_load(b + i);
		if (x != y) {
			size_t k = scan_first(x ^ y);
			return a[i + k] - b[i + k];
		}
	}
	if (i < n) {
		uint64_t x = scan_load_tail(a + i, n - i, 0), y = scan_load_tail(b + i, n - i, 0);
		if (x != y) {
			size_t k = scan_first(x ^ y);
			return a[i + k] - b[i + k];
		}
	}
	return 0;
}
