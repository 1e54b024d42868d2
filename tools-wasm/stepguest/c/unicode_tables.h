/*
 * unicode_tables.h: the Unicode data generated from Go's packages unicode
 * and strconv by tools-wasm/stepguest/gen (unicode_tables.c).
 */
#ifndef STEP_UNICODE_TABLES_H
#define STEP_UNICODE_TABLES_H

#include <stddef.h>
#include <stdint.h>

/* [lo, hi] pairs above U+00FF of strconv.IsPrint and unicode.IsSpace. */
extern const uint32_t uni_print_ranges[];
extern const size_t uni_print_count;
extern const uint32_t uni_space_ranges[];
extern const size_t uni_space_count;

/* unicode.CaseRange: deltas to upper, lower and title case; a delta of
 * MAX_RUNE+1 marks an alternating upper/lower sequence. */
typedef struct {
	uint32_t lo, hi;
	int32_t delta[3];
} uni_case_range;
extern const uni_case_range uni_case_ranges[];
extern const size_t uni_case_count;

/* (rune, next) pairs where unicode.SimpleFold differs from "ToLower, else
 * ToUpper"; sorted by rune. */
extern const uint32_t uni_fold_orbit[];
extern const size_t uni_fold_orbit_count;
extern const int32_t uni_min_fold, uni_max_fold;

/* A unicode.RangeTable: slices of uni_r16 and uni_r32, each entry a
 * (lo, hi, stride) triple. */
typedef struct {
	uint32_t r16, n16, r32, n32;
} uni_table;
extern const uni_table uni_tables[];
extern const uint16_t uni_r16[];
extern const uint32_t uni_r32[];

/* A named table and its case-folding supplement (-1 if none). */
typedef struct {
	const char *name;
	int table, fold;
} uni_named;
extern const uni_named uni_categories[], uni_scripts[], uni_aliases[];
extern const size_t uni_categories_count, uni_scripts_count, uni_aliases_count;
extern const int uni_table_cn;

#endif
