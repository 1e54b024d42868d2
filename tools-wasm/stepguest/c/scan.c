/*
 * scan.c: memchr and memcmp, which replace wasi-libc's byte-at-a-time
 * versions for the whole module, and a byte count; see scan.h.
 */
#include "scan.h"

size_t scan_count(const uint8_t *s, size_t n, uint8_t b) {
	size_t count = 0, i = 0;
	while (i + 32 <= n) {
		UNROLL4(if (i + 32 > n) break;
			count += (size_t)__builtin_popcountll(scan_exact(scan_load(s + i), b) | scan_exact(scan_load(s + i + 8), b) >> 1 |
							   scan_exact(scan_load(s + i + 16), b) >> 2 | scan_exact(scan_load(s + i + 24), b) >> 3);
			i += 32;)
	}
	for (; i < n; i += 8)
		count += (size_t)__builtin_popcountll(scan_exact(i + 8 <= n ? scan_load(s + i) : scan_load_tail(s + i, n - i, (uint8_t)~b), b));
	return count;
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
