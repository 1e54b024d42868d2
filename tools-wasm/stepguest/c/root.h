/*
 * root.h: file operations confined beneath a directory descriptor, a port
 * of Go's os.Root (os/root_openat.go, os/root_unix.go) to WASI preview 1.
 *
 * A name is resolved one component at a time, each opened relative to the
 * descriptor of the one before with path_open and without following
 * symbolic links. A symbolic link met on the way is read (path_readlink)
 * and its target spliced into the name, and ".." restarts the resolution
 * from the root; a name whose ".." components or link targets climb above
 * the root, or a link to an absolute path, fails with ERR_ESCAPES. More
 * than 8 links in one resolution fail with ELOOP. The host's file system
 * (wasmhost/confined) confines the guest as well; resolving here, as the Go
 * guest's os.Root did, gives the model the same clear errors.
 */
#ifndef STEP_ROOT_H
#define STEP_ROOT_H

#include <stdbool.h>
#include <stdint.h>

#include "buf.h"
#include "tools.h"
#include "wasi.h"

/* Open flags (Go's os.O_* as the tools use them). */
enum {
	RO_RDONLY = 0,
	RO_WRONLY = 1,
	RO_CREATE = 2,
	RO_TRUNC = 4,
	RO_DIRECTORY = 8,
};

/* wstat_t is what the tools need of a file's status. */
typedef struct {
	uint8_t type; /* __WASI_FILETYPE_* */
	uint64_t nlink, size;
} wstat_t;

/* wstat_regular is Go's FileMode.IsRegular under wasip1: a regular file or
 * an unknown type (which Go shows as regular). */
static inline bool wstat_regular(const wstat_t *st) {
	return st->type == __WASI_FILETYPE_REGULAR_FILE || st->type == __WASI_FILETYPE_UNKNOWN;
}
static inline bool wstat_dir(const wstat_t *st) { return st->type == __WASI_FILETYPE_DIRECTORY; }

/* not_regular writes the error for an operation on a file that is neither
 * a regular file nor a directory, naming its type (builtin.notRegular). */
void not_regular(buf_t *out, const char *op, const char *name, const wstat_t *st);

/* root_open opens name beneath root (Root.OpenFile). */
err_t root_open(int32_t root, const char *name, int flags, int32_t *fd);

/* root_open_root opens the directory name beneath root (Root.OpenRoot). */
err_t root_open_root(int32_t root, const char *name, int32_t *fd);

/* open_subdir opens the directory name (one component, not followed if a
 * symbolic link) in dir: a walk's step down. */
err_t open_subdir(int32_t dir, const char *name, size_t n, int32_t *fd);

/* root_stat returns the status of name, following a final symbolic link
 * unless lstat (Root.Stat, Root.Lstat). */
err_t root_stat(int32_t root, const char *name, bool lstat, wstat_t *st);

/* root_mkdir_all creates the directory name and its missing parents
 * (Root.MkdirAll). */
err_t root_mkdir_all(int32_t root, const char *name);

/* root_read_file appends the contents of name to out (Root.ReadFile). */
err_t root_read_file(int32_t root, const char *name, buf_t *out);

/* lstat_at returns the status of the entry name[0:n] of dir, not
 * following a symbolic link; read_file_at appends its contents to out.
 * They serve a walk, which meets each entry by its single name. */
err_t lstat_at(int32_t dir, const char *name, size_t n, wstat_t *st);
err_t read_file_at(int32_t dir, const char *name, size_t n, buf_t *out);

/* fd_stat returns the status of an open file. */
err_t fd_stat(int32_t fd, wstat_t *st);

/* fd_read_some reads up to n bytes; it returns the count (0 at the end of
 * the file) in *got. */
err_t fd_read_some(int32_t fd, void *p, size_t n, size_t *got);

/* fd_write_sync_close writes p[0:n] and fsyncs, then closes fd (the write half of
 * builtin.call.replace). */
err_t fd_write_sync_close(int32_t fd, const void *p, size_t n);

static inline void fd_close(int32_t fd) { (void)wasi_fd_close(fd); }

/* dirent_t is one directory entry: its name and WASI file type. */
typedef struct {
	char *name;
	uint32_t len;
	uint8_t type;
} dirent_t;

/* dirents_t is a list of directory entries. */
typedef struct {
	dirent_t *v;
	size_t n, cap;
} dirents_t;

void dirents_free(dirents_t *d);

/* read_dir reads the entries of the open directory fd (without "." and
 * ".."), in batches of 256 as the Go guest's File.ReadDir did, while it
 * holds at most max entries (so it may read up to 255 more), checking the
 * call's time budget before each batch (ERR_BUDGET), and sorts them by
 * name (builtin.call.readDir). */
err_t read_dir(call_t *c, int32_t fd, int64_t max, dirents_t *out);

#endif
