/*
 * specs.h: the JSON array of the built-in tools' specs (name, description,
 * parameters), generated from builtin.Toolbox.Specs by
 * tools-wasm/stepguest/gen so that the model sees exactly what the Go guest
 * offered (specs.c).
 */
#ifndef STEP_SPECS_H
#define STEP_SPECS_H

#include <stddef.h>

extern const char builtin_specs[];
extern const size_t builtin_specs_len;

#endif
