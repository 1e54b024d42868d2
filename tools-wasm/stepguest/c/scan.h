/*
 * scan.h: scanning bytes with few loop iterations and no calls.
 *
 * The host runs guests with wazero's WithCloseOnContextDone, which makes a
 * guest stoppable inside any loop by calling a check at the head of every
 * loop iteration. Measured in wazero 1.12 on amd64, an iteration then costs
 * about 10 ns, and one that calls a function about 40 ns: more than the
 * body of a loop that handles one byte. The hot scans of the guest
 * (memchr, JSON strings, UTF-8, names) therefore test 32 bytes per
 * iteration, eight at a time as 64-bit words, inline: "SIMD within a
 * register", where a word has a byte below n when
 * (w - n·0x01…01) & ~w & 0x80…80 is not zero (Hacker's Delight, 2nd ed.,
 * section 6-1). Such a test can flag bytes after a true hit but never
 * before one, so the lowest flagged byte, found with a count of trailing
 * zeros, is the first hit; bytes past the end are read from a padded copy.
 *
 * In wazero 1.12 that check is an exit from the compiled code to Go and
 * back (wazevo's ExitCodeCheckModuleExitCode), so loops that run per line
 * or per escape are unrolled by hand as well (UNROLL8): the body is
 * written eight times in one iteration. The guest stays interruptible,
 * since every iteration still reaches the check after a bounded amount of
 * work.
 */

#ifndef STEP_SCAN_H
#define STEP_SCAN_H

/* UNROLL4 and UNROLL8 repeat a block four or eight times; the block leaves
 * the loop around it with break or goto as usual (continue skips the
 * remaining copies). */
#define UNROLL4(...) { __VA_ARGS__ } { __VA_ARGS__ } { __VA_ARGS__ } { __VA_ARGS__ }
#define UNROLL8(...) UNROLL4(__VA_ARGS__) UNROLL4(__VA_ARGS__)

#include <stddef.h>
#include <stdint.h>
#include <string.h>

#define SCAN_ONES 0x0101010101010101ull
#define SCAN_HIGHS 0x8080808080808080ull

static inline uint64_t scan_load(const uint8_t *p) {
	uint64_t w;
	memcpy(&w, p, 8);
	return w;
}

/* scan_load_tail loads the n < 8 bytes at s, padded with pad. */
static inline uint64_t scan_load_tail(const uint8_t *s, size_t n, uint8_t pad) {
	uint64_t w = SCAN_ONES * pad;
	memcpy(&w, s, n);
	return w;
}

/* scan_has_less flags the bytes of w below n (n <= 128). */
static inline uint64_t scan_has_less(uint64_t w, uint8_t n) { return (w - SCAN_ONES * n) & ~w & SCAN_HIGHS; }

/* scan_has_byte flags the bytes of w equal to b. */
static inline uint64_t scan_has_byte(uint64_t w, uint8_t b) { return scan_has_less(w ^ (SCAN_ONES * b), 1); }

/* scan_first is the index of the lowest flagged byte of a non-zero mask. */
static inline size_t scan_first(uint64_t mask) { return (size_t)__builtin_ctzll(mask) / 8; }

/* SCAN defines a function name(s, n, extra parameters...) that returns
 * the index of the first byte of s[0:n] that HIT flags (n when none),
 * given HIT(w) over a word w and PAD, a byte HIT never flags. */
#define SCAN(name, HIT, PAD, ...)                                                               \
	static inline size_t name(const uint8_t *s, size_t n __VA_ARGS__) {                     \
		uint64_t m;                                                                     \
		size_t i;                                                                       \
		/* The first 16 bytes without a loop: most runs are short. */                   \
		if (n >= 16) {                                                                  \
			if ((m = HIT(scan_load(s))))                                            \
				return scan_first(m);                                           \
			if ((m = HIT(scan_load(s + 8))))                                        \
				return 8 + scan_first(m);                                       \
			i = 16;                                                                 \
		} else {                                                                        \
			if (n > 8) {                                                            \
				if ((m = HIT(scan_load(s))))                                    \
					return scan_first(m);                                   \
				m = HIT(scan_load_tail(s + 8, n - 8, PAD));                     \
				return m ? 8 + scan_first(m) : n;                               \
			}                                                                       \
			m = HIT(scan_load_tail(s, n, PAD));                                     \
			return m ? scan_first(m) : n;                                           \
		}                                                                               \
		while (i + 32 <= n) {                                                           \
			UNROLL4(if (i + 32 > n) break;                                          \
			uint64_t w0 = scan_load(s + i), w1 = scan_load(s + i + 8);              \
			uint64_t w2 = scan_load(s + i + 16), w3 = scan_load(s + i + 24);        \
			uint64_t m0 = HIT(w0), m1 = HIT(w1), m2 = HIT(w2), m3 = HIT(w3);        \
			if (m0 | m1 | m2 | m3)                                                  \
				return i + (m0 ? scan_first(m0) : m1 ? 8 + scan_first(m1) :    \
					    m2 ? 16 + scan_first(m2) : 24 + scan_first(m3));    \
			i += 32;)                                                               \
		}                                                                               \
		for (;; i += 8) {                                                               \
			if (i >= n)                                                             \
				return n;                                                       \
			m = HIT(i + 8 <= n ? scan_load(s + i) : scan_load_tail(s + i, n - i, PAD)); \
			if (m) {                                                                \
				size_t k = i + scan_first(m);                                   \
				return k < n ? k : n;                                           \
			}                                                                       \
		}                                                                               \
	}

/* scan_find returns the index of the first byte b in s, or n. */
#define SCAN_HIT_BYTE(w) scan_has_byte((w), b)
SCAN(scan_find, SCAN_HIT_BYTE, (uint8_t)~b, , uint8_t b)

/* scan_ascii returns the length of the run of ASCII bytes that starts s. */
#define SCAN_HIT_HIGH(w) ((w) & SCAN_HIGHS)
SCAN(scan_ascii, SCAN_HIT_HIGH, 0, )

/* scan_json_plain returns the length of the run of bytes that a JSON
 * string holds as they are and Go writes as they are: printable ASCII
 * other than '"', '\\', '<', '>' and '&'. */
#define SCAN_HIT_JSON(w)                                                                          \
	(scan_has_less((w), 0x20) | scan_has_byte((w), '"') | scan_has_byte((w), '\\') | ((w) & SCAN_HIGHS) | \
	 scan_has_byte((w), '<') | scan_has_byte((w), '>') | scan_has_byte((w), '&'))
SCAN(scan_json_plain, SCAN_HIT_JSON, 'a', )

/* scan_json_string returns the length of the run of bytes in a JSON
 * string's text up to its end, an escape or a byte that is not ASCII. */
#define SCAN_HIT_JSTR(w) (scan_has_less((w), 0x20) | scan_has_byte((w), '"') | scan_has_byte((w), '\\') | ((w) & SCAN_HIGHS))
SCAN(scan_json_string, SCAN_HIT_JSTR, 'a', )

/* scan_printable returns the length of the run of printable ASCII bytes
 * (0x20 to 0x7e) that starts s. */
#define SCAN_HIT_UNPRINTABLE(w) (scan_has_less((w), 0x20) | scan_has_byte((w), 0x7f) | ((w) & SCAN_HIGHS))
SCAN(scan_printable, SCAN_HIT_UNPRINTABLE, 'a', )

/* scan_exact flags exactly the bytes of w equal to b (no false hits). */
static inline uint64_t scan_exact(uint64_t w, uint8_t b) {
	uint64_t x = w ^ (SCAN_ONES * b);
	return ~(((x & ~SCAN_HIGHS) + ~SCAN_HIGHS) | x) & SCAN_HIGHS;
}

/* scan_rfind returns the index of the last byte b in s[0:n], or n if
 * there is none. */
static inline size_t scan_rfind(const uint8_t *s, size_t n, uint8_t b) {
	size_t i = n;
	while (i >= 8) {
		UNROLL4(if (i < 8) break;
			uint64_t m = scan_exact(scan_load(s + i - 8), b);
			if (m)
				return i - 8 + (size_t)(63 - __builtin_clzll(m)) / 8;
			i -= 8;)
	}
	uint64_t m = i ? scan_exact(scan_load_tail(s, i, (uint8_t)~b), b) & ((1ull << (8 * i)) - 1) : 0;
	return m ? (size_t)(63 - __builtin_clzll(m)) / 8 : n;
}

/* scan_count counts the bytes of s equal to b. */
size_t scan_count(const uint8_t *s, size_t n, uint8_t b);

#endif
