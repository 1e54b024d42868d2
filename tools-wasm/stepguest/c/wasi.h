/*
 * wasi.h: the WASI preview 1 functions the tools call, imported directly
 * from wasi_snapshot_preview1 with (pointer, length) paths, so that names
 * need no NUL and no strlen, and every call is visible here. Constants and
 * record layouts come from <wasi/api.h>.
 */
#ifndef STEP_WASI_H
#define STEP_WASI_H

#include <stddef.h>
#include <stdint.h>
#include <wasi/api.h>

#define WASI_IMPORT(name) __attribute__((import_module("wasi_snapshot_preview1"), import_name(#name)))

WASI_IMPORT(path_open)
int32_t wasi_path_open(int32_t fd, int32_t dirflags, const char *path, size_t path_len, int32_t oflags,
		       uint64_t rights_base, uint64_t rights_inheriting, int32_t fdflags, int32_t *opened);
WASI_IMPORT(path_filestat_get)
int32_t wasi_path_filestat_get(int32_t fd, int32_t flags, const char *path, size_t path_len, __wasi_filestat_t *st);
WASI_IMPORT(path_readlink)
int32_t wasi_path_readlink(int32_t fd, const char *path, size_t path_len, char *buf, size_t buf_len, size_t *used);
WASI_IMPORT(path_create_directory)
int32_t wasi_path_create_directory(int32_t fd, const char *path, size_t path_len);
WASI_IMPORT(fd_readdir)
int32_t wasi_fd_readdir(int32_t fd, uint8_t *buf, size_t buf_len, uint64_t cookie, size_t *used);
WASI_IMPORT(fd_read)
int32_t wasi_fd_read(int32_t fd, const __wasi_iovec_t *iovs, size_t iovs_len, size_t *nread);
WASI_IMPORT(fd_write)
int32_t wasi_fd_write(int32_t fd, const __wasi_ciovec_t *iovs, size_t iovs_len, size_t *nwritten);
WASI_IMPORT(fd_close)
int32_t wasi_fd_close(int32_t fd);
WASI_IMPORT(fd_sync)
int32_t wasi_fd_sync(int32_t fd);
WASI_IMPORT(fd_filestat_get)
int32_t wasi_fd_filestat_get(int32_t fd, __wasi_filestat_t *st);
WASI_IMPORT(fd_prestat_get)
int32_t wasi_fd_prestat_get(int32_t fd, __wasi_prestat_t *st);
WASI_IMPORT(fd_prestat_dir_name)
int32_t wasi_fd_prestat_dir_name(int32_t fd, char *path, size_t path_len);
WASI_IMPORT(clock_time_get)
int32_t wasi_clock_time_get(int32_t id, uint64_t precision, uint64_t *time);

/* monotonic_ns returns the monotonic clock in nanoseconds. */
static inline uint64_t monotonic_ns(void) {
	uint64_t t = 0;
	(void)wasi_clock_time_get(__WASI_CLOCKID_MONOTONIC, 1, &t);
	return t;
}

#endif
