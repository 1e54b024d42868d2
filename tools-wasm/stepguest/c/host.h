/*
 * host.h: the host-call interface, version 1 (docs/hostcall.md): the two
 * functions of import module bulkhead_v1 and a call that takes its answer.
 */
#ifndef STEP_HOST_H
#define STEP_HOST_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"

/* The status codes of bulkhead_v1.call (hostcall.Status). */
enum {
	HC_OK = 0,
	HC_UNKNOWN_METHOD = 1,
	HC_BAD_REQUEST = 2,
	HC_TOO_LARGE = 3,
	HC_RATE_LIMITED = 4,
	HC_CANCELED = 5,
	HC_DENIED = 6,
	HC_FAILED = 7,
};

/* hc_call runs method with payload[0:n] and replaces the contents of
 * answer with the host's answer: the JSON result when the returned status
 * is HC_OK, else an error message for people. */
uint32_t hc_call(const char *method, const char *payload, size_t n, buf_t *answer);

/* hc_call_reserving is hc_call that first takes heap for the answer and
 * reserve bytes per byte of it more, at once (see step.c). */
uint32_t hc_call_reserving(const char *method, const char *payload, size_t n, buf_t *answer, size_t reserve);

#endif
