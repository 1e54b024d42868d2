/*
 * env-report: an example WASM skill in C, written against the contract of
 * docs/skills.md alone (no bulkhead SDK). It reads its params from standard
 * input, reads the credential REPORT_TOKEN from the environment, logs one
 * line through the host-call module bulkhead_v1 (docs/hostcall.md), and
 * writes a JSON report to standard output:
 *
 *   {"params": <the params as given>, "token_length": N, "token_fnv1a": "xxxxxxxx"}
 *
 * token_fnv1a is the 32-bit FNV-1a hash of the token: proof that the right
 * token arrived without showing it. Without REPORT_TOKEN the skill fails:
 * a message on standard error and exit status 1.
 *
 * Built by `make wasm` with Debian's clang, lld and wasi-libc:
 *   clang --target=wasm32-wasi --sysroot=/usr -O2 -Wl,--strip-all \
 *     -o execute.wasm env-report.c
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((import_module("bulkhead_v1"), import_name("call")))
uint32_t bh_call(const char *method, uint32_t method_len, const char *payload,
                 uint32_t payload_len, uint32_t *result_len);
__attribute__((import_module("bulkhead_v1"), import_name("take")))
int32_t bh_take(char *buf, uint32_t buf_len);

/* host_log sends one info line to the host's log; failures are ignored. */
static void host_log(const char *message) {
    char payload[256];
    int n = snprintf(payload, sizeof payload, "{\"level\":\"info\",\"message\":\"%s\"}", message);
    if (n < 0 || (size_t)n >= sizeof payload) return;
    uint32_t len = 0;
    bh_call("log", 3, payload, (uint32_t)n, &len);
    char answer[64];
    bh_take(answer, len < sizeof answer ? len : sizeof answer);
}

/* read_all reads standard input into a NUL-terminated buffer. */
static char *read_all(size_t *size) {
    size_t cap = 4096, n = 0;
    char *buf = malloc(cap + 1);
    size_t got;
    while (buf && (got = fread(buf + n, 1, cap - n, stdin)) > 0) {
        n += got;
        if (n == cap) {
            cap *= 2;
            buf = realloc(buf, cap + 1);
        }
    }
    if (!buf) return NULL;
    buf[n] = 0;
    *size = n;
    return buf;
}

int main(void) {
    size_t n = 0;
    char *params = read_all(&n);
    if (!params) {
        fputs("error: out of memory reading params\n", stderr);
        return 1;
    }
    const char *token = getenv("REPORT_TOKEN");
    if (!token || !*token) {
        fputs("error: REPORT_TOKEN is not set: declare the credential entry that holds it in SKILL.md\n", stderr);
        return 1;
    }
    uint32_t hash = 2166136261u; /* FNV-1a, 32 bits */
    for (const unsigned char *p = (const unsigned char *)token; *p; p++) {
        hash ^= *p;
        hash *= 16777619u;
    }
    char line[64];
    snprintf(line, sizeof line, "env-report: %zu bytes of params", n);
    host_log(line);
    printf("{\"params\": %s, \"token_length\": %zu, \"token_fnv1a\": \"%08x\"}\n",
           n ? params : "{}", strlen(token), hash);
    free(params);
    return 0;
}
