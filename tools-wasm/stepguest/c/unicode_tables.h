/*
 * unicode_tables.h: the Unicode data generated from Go's packages unicode
 * and strconv by tools-wasm/stepguest/gen (unicode_tables.c).
 *
 * Most of it is stored as unsigned LEB128 varints (zigzag for signed
 * values) to keep the module's data, which every instance copies into
 * its memory, small: the tables are decoded where they are used
 * (unicode.c), and only by the steps that need them.
 */
#ifndef STEP_UNICODE_TABLES_H
#define STEP_UNICODE_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* strconv.IsPrint above U+00FF: uni_print_count ranges, each the gap from
 * the end of the range before (starting at U+0100) and its length less
 * one. */
extern const uint8_t uni_print_data[];
extern const size_t uni_print_count;

/* unicode.IsSpace above U+00FF: [lo, hi] pairs. */
extern const uint32_t uni_space_ranges[];
extern const size_t uni_space_count;

/* unicode.CaseRanges: uni_case_count ranges, each the gap from the range
 * before, its length less one, and the deltas to upper, lower and title
 * case (zigzag); a delta of MAX_RUNE+1 marks an alternating upper/lower
 * sequence. */
extern const uint8_t uni_case_data[];
extern const size_t uni_case_count;

/* (rune, next) pairs where unicode.SimpleFold differs from "ToLower, else
 * ToUpper"; sorted by rune. */
extern const uint32_t uni_fold_orbit[];
extern const size_t uni_fold_orbit_count;
extern const int32_t uni_min_fold, uni_max_fold;

/* A unicode.RangeTable: n triples at offset off of uni_table_data, each
 * the gap from the end of the triple before, hi-lo and the stride. */
typedef struct {
	uint32_t off, n;
} uni_table;
extern const uni_table uni_tables[];
extern const uint8_t uni_table_data[];

/* A named table and its case-folding supplement (-1 if none). */
typedef struct {
	const char *name;
	int16_t table, fold;
} uni_named;
extern const uni_named uni_categories[], uni_scripts[], uni_aliases[];
extern const size_t uni_categories_count, uni_scripts_count, uni_aliases_count;
extern const int uni_table_cn;

/* uvarint decodes an unsigned LEB128 varint at *p and advances *p. */
static inline uint32_t uvarint(const uint8_t **p) {
	uint32_t v = 0;
	for (int shift = 0;; shift += 7) {
		uint8_t c = *(*p)++;
		v |= (uint32_t)(c & 0x7f) << shift;
		if (c < 0x80)
			return v;
	}
}

/* svarint decodes a zigzag-encoded signed varint. */
static inline int32_t svarint(const uint8_t **p) {
	uint32_t u = uvarint(p);
	return (int32_t)(u >> 1) ^ -(int32_t)(u & 1);
}

#endif
