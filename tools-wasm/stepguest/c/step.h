/*
 * step.h: one step of an agent run, per "Step-wise agent guests" in
 * docs/hostcall.md.
 */
#ifndef STEP_STEP_H
#define STEP_STEP_H

#include "buf.h"

/* step_run runs one step: step.begin, the work, step.end. It returns 0,
 * or 1 with the reason in why (the step then ends without step.end). */
int step_run(buf_t *why);

#endif
