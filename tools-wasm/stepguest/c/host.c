/*
 * host.c: the bulkhead_v1 imports and the call-then-take protocol of
 * docs/hostcall.md. The host never calls into the guest: the guest writes
 * method and payload into its memory, calls, learns the answer's length,
 * and copies the answer out with take.
 */
#include "host.h"

#include <stdlib.h>

__attribute__((import_module("bulkhead_v1"), import_name("call")))
uint32_t bh_call(const char *method, uint32_t method_len, const char *payload, uint32_t payload_len, uint32_t *result_len);

__attribute__((import_module("bulkhead_v1"), import_name("take")))
int32_t bh_take(char *buf, uint32_t buf_len);

uint32_t hc_call_reserving(const char *method, const char *payload, size_t n, buf_t *answer, size_t reserve) {
	uint32_t len = 0;
	uint32_t status = bh_call(method, (uint32_t)strlen(method), payload, (uint32_t)n, &len);
	answer->n = 0;
	if (reserve && len > 0)
		free(xmalloc((size_t)len * (1 + reserve) + (16 << 10)));
	if (len > 0) {
		buf_grow(answer, len);
		int32_t got = bh_take(answer->p, len);
		if (got < 0) {
			buf_puts(answer, "no answer pending after call");
			return HC_BAD_REQUEST;
		}
		answer->n = (size_t)got;
	}
	return status;
}

uint32_t hc_call(const char *method, const char *payload, size_t n, buf_t *answer) {
	return hc_call_reserving(method, payload, n, answer, 0);
}
