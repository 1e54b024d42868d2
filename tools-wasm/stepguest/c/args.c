/*
 * args.c: Go-compatible decoding of tool arguments; see args.h.
 */
#include "args.h"

#include <stdlib.h>

#include "utf8.h"

void edits_free(edits_t *e) {
	for (size_t i = 0; i < e->hw; i++) {
		buf_free(&e->v[i].old_text);
		buf_free(&e->v[i].new_text);
	}
	free(e->v);
	*e = (edits_t){0};
}

/* key_matches reports whether the decoded key folds to the ASCII field
 * name as encoding/json's foldName does. */
static bool key_matches(const char *key, size_t kn, const char *field) {
	size_t fn = strlen(field);
	if (kn == fn && memcmp(key, field, kn) == 0) /* the usual, exact spelling */
		return true;
	const uint8_t *k = (const uint8_t *)key;
	size_t i = 0;
	for (const char *f = field; *f; f++) {
		if (i >= kn)
			return false;
		char up = (*f >= 'a' && *f <= 'z') ? (char)(*f - 32) : *f;
		int32_t r;
		int w = k[i] < 0x80 ? (r = k[i], 1) : utf8_decode(k + i, kn - i, &r);
		int32_t fr = r;
		if (r >= 'a' && r <= 'z')
			fr = r - 32;
		else if (r == 0x017F) /* LATIN SMALL LETTER LONG S folds with S */
			fr = 'S';
		else if (r == 0x212A) /* KELVIN SIGN folds with K */
			fr = 'K';
		if (fr != up)
			return false;
		i += (size_t)w;
	}
	return i == kn;
}

static const char *kind_name(uint8_t t) {
	switch (t) {
	case J_STR: return "string";
	case J_NUM: return "number";
	case J_TRUE:
	case J_FALSE: return "bool";
	case J_ARR: return "array";
	case J_OBJ: return "object";
	}
	return "null";
}

/* field_name writes "<type><suffix>" into f (64 bytes). */
static void field_name(char *f, const char *type, const char *sep, const char *suffix) {
	size_t a = strlen(type), b = strlen(sep), c = strlen(suffix);
	if (a + b + c >= 64)
		__builtin_trap();
	memcpy(f, type, a);
	memcpy(f + a, sep, b);
	memcpy(f + a + b, suffix, c + 1);
}

#define EDIT_STRUCT "struct { OldText string \"json:\\\"oldText\\\"\"; NewText string \"json:\\\"newText\\\"\" }"

/* type_error records the first "cannot unmarshal" error in err. */
static void type_error(buf_t *err, const jdoc *d, uint32_t v, bool with_number, const char *field, const char *gotype) {
	if (err->n)
		return;
	buf_puts(err, "invalid arguments: json: cannot unmarshal ");
	buf_puts(err, kind_name(jd_type(d, v)));
	if (with_number) {
		buf_putc(err, ' ');
		buf_put(err, jd_raw(d, v), jd_rawlen(d, v));
	}
	buf_puts(err, " into Go struct field ");
	buf_puts(err, field);
	buf_puts(err, " of type ");
	buf_puts(err, gotype);
}

static void decode_edits(const jdoc *d, uint32_t v, edits_t *e, const char *type, buf_t *err) {
	uint8_t t = jd_type(d, v);
	if (t == J_NULL) {
		e->n = 0;
		return;
	}
	char field[64];
	if (t != J_ARR) {
		field_name(field, type, ".", "edits");
		type_error(err, d, v, false, field, "[]" EDIT_STRUCT);
		return;
	}
	size_t i = 0;
	for (uint32_t el = jd_first(d, v); el != JNONE; el = jd_after(d, v, el), i++) {
		if (i >= e->hw) {
			e->v = xrealloc(e->v, (i + 1) * sizeof *e->v);
			e->v[i] = (edit_t){0};
			e->hw = i + 1;
		}
		uint8_t et = jd_type(d, el);
		if (et == J_NULL)
			continue;
		if (et != J_OBJ) {
			field_name(field, type, ".", "edits");
			type_error(err, d, el, false, field, EDIT_STRUCT);
			continue;
		}
		for (uint32_t k = jd_first(d, el); k != JNONE;) {
			uint32_t val = d->n[k].next;
			buf_t key = {0};
			jd_str(d, k, &key);
			buf_t *dst = NULL;
			const char *fname = NULL;
			if (key_matches(key.p, key.n, "oldText")) {
				dst = &e->v[i].old_text;
				fname = ".edits.oldText";
			} else if (key_matches(key.p, key.n, "newText")) {
				dst = &e->v[i].new_text;
				fname = ".edits.newText";
			}
			buf_free(&key);
			if (dst) {
				uint8_t vt = jd_type(d, val);
				if (vt == J_STR) {
					dst->n = 0;
					jd_str(d, val, dst);
				} else if (vt != J_NULL) {
					type_error(err, d, val, false, fname, "string");
				}
			}
			k = jd_after(d, el, val);
		}
	}
	e->n = i;
}

bool args_decode(const jdoc *d, uint32_t input, const char *type, const arg_t *args, size_t n, buf_t *err) {
	err->n = 0;
	if (input == JNONE)
		return true;
	uint8_t t = jd_type(d, input);
	if (t == J_NULL)
		return true;
	if (t != J_OBJ) {
		buf_puts(err, "invalid arguments: json: cannot unmarshal ");
		buf_puts(err, kind_name(t));
		buf_puts(err, " into Go value of type builtin.");
		buf_puts(err, type);
	} else {
		char field[64];
		buf_t key = {0};
		for (uint32_t k = jd_first(d, input); k != JNONE;) {
			uint32_t v = d->n[k].next;
			key.n = 0;
			jd_str(d, k, &key);
			const arg_t *a = NULL;
			for (size_t i = 0; i < n && !a; i++)
				if (key_matches(key.p, key.n, args[i].name))
					a = &args[i];
			k = jd_after(d, input, v);
			if (!a)
				continue;
			uint8_t vt = jd_type(d, v);
			field_name(field, type, ".", a->name);
			switch (a->kind) {
			case A_STR:
			case A_OPTSTR:
				if (vt == J_STR) {
					buf_t *dst = a->dst;
					dst->n = 0;
					jd_str(d, v, dst);
					if (a->present)
						*a->present = true;
				} else if (vt == J_NULL) {
					if (a->present)
						*a->present = false;
				} else {
					type_error(err, d, v, false, field, "string");
				}
				break;
			case A_INT:
				if (vt == J_NUM) {
					int64_t x;
					if (jd_int(d, v, &x))
						*(int64_t *)a->dst = x;
					else
						type_error(err, d, v, true, field, "int");
				} else if (vt != J_NULL) {
					type_error(err, d, v, false, field, "int");
				}
				break;
			case A_BOOL:
				if (vt == J_TRUE || vt == J_FALSE)
					*(bool *)a->dst = vt == J_TRUE;
				else if (vt != J_NULL)
					type_error(err, d, v, false, field, "bool");
				break;
			case A_EDITS:
				decode_edits(d, v, a->dst, type, err);
				break;
			}
		}
		buf_free(&key);
	}
	if (err->n == 0)
		return true;
	buf_puts(err, "; pass a JSON object that matches the tool's parameters");
	return false;
}
