/*
 * root.c: confined file operations beneath a directory descriptor, a port
 * of Go's os.Root (doInRoot and the functions built on it) to WASI; see
 * root.h. The WASI calls are the ones Go's wasip1 port makes for the same
 * operations (syscall/fs_wasip1.go), flags and rights included, so the host
 * sees the same requests from this guest as from the Go one.
 */
#include "root.h"

#include <stdlib.h>

/* Rights, as Go's wasip1 port requests them. */
#define R(b) ((uint64_t)1 << (b))
static const uint64_t read_rights = R(1) | R(14);
static const uint64_t write_rights = R(0) | R(6) | R(8) | R(19);
static const uint64_t file_rights = R(0) | R(1) | R(2) | R(3) | R(4) | R(5) | R(6) | R(7) | R(8) | R(9) | R(10) | R(11) |
				    R(12) | R(13) | R(14) | R(15) | R(16) | R(17) | R(18) | R(19) | R(20) | R(21) | R(22) |
				    R(23) | R(24) | R(25) | R(26) | R(27);
static const uint64_t dir_rights = R(2) | R(3) | R(4) | R(9) | R(10) | R(11) | R(12) | R(13) | R(14) | R(15) | R(16) |
				   R(17) | R(18) | R(19) | R(20) | R(21) | R(23) | R(24) | R(25) | R(26);

/* max_symlinks is os.Root's limit of links followed in one resolution. */
#define MAX_SYMLINKS 8

/* openat is syscall.Openat of Go's wasip1 port, with O_NOFOLLOW. */
static err_t openat(int32_t dir, const char *name, int flags, int32_t *fd) {
	int32_t oflags = 0;
	if (flags & RO_CREATE)
		oflags |= __WASI_OFLAGS_CREAT;
	if (flags & RO_TRUNC)
		oflags |= __WASI_OFLAGS_TRUNC;
	uint64_t rights = (flags & RO_WRONLY) ? file_rights & ~read_rights : file_rights & ~write_rights;
	if (flags & RO_DIRECTORY) {
		if (flags & RO_WRONLY)
			return __WASI_ERRNO_ISDIR;
		oflags |= __WASI_OFLAGS_DIRECTORY;
		rights &= dir_rights;
	}
	size_t n = strlen(name);
	err_t e = wasi_path_open(dir, 0, name, n, oflags, rights, file_rights, 0, fd);
	if (e == __WASI_ERRNO_ISDIR && oflags == 0 && (rights & write_rights) == 0) {
		/* Go retries a directory with fewer rights (for runtimes that
		 * refuse too many); wazero does not need it, but it is the
		 * same request. */
		e = wasi_path_open(dir, __WASI_LOOKUPFLAGS_SYMLINK_FOLLOW, name, n, oflags | __WASI_OFLAGS_DIRECTORY,
				   rights & dir_rights, file_rights, 0, fd);
	}
	return e;
}

err_t open_subdir(int32_t dir, const char *name, size_t n, int32_t *fd) {
	return wasi_path_open(dir, 0, name, n, __WASI_OFLAGS_DIRECTORY, (file_rights & ~write_rights) & dir_rights,
			      file_rights, 0, fd);
}

static err_t lstatat(int32_t dir, const char *name, wstat_t *st) {
	__wasi_filestat_t fs;
	err_t e = wasi_path_filestat_get(dir, 0, name, strlen(name), &fs);
	if (e)
		return e;
	st->type = fs.filetype;
	st->nlink = fs.nlink;
	st->size = fs.size;
	return 0;
}

err_t fd_stat(int32_t fd, wstat_t *st) {
	__wasi_filestat_t fs;
	err_t e = wasi_fd_filestat_get(fd, &fs);
	if (e)
		return e;
	st->type = fs.filetype;
	st->nlink = fs.nlink;
	st->size = fs.size;
	return 0;
}

/* readlinkat reads a symbolic link's target into link, as Go does: with a
 * buffer that doubles from 128 bytes while the target does not fit. */
static err_t readlinkat(int32_t dir, const char *name, buf_t *link) {
	for (size_t len = 128;; len *= 2) {
		link->n = 0;
		buf_grow(link, len);
		size_t used = 0;
		err_t e = wasi_path_readlink(dir, name, strlen(name), link->p, len, &used);
		if (e == __WASI_ERRNO_RANGE)
			continue;
		if (e)
			return e;
		if (used < len) {
			link->n = used;
			return 0;
		}
	}
}

/* check_symlink returns ERR_SYMLINK with the target in link when name is
 * a symbolic link, else orig (os.checkSymlink). */
static err_t check_symlink(int32_t dir, const char *name, err_t orig, buf_t *link) {
	if (readlinkat(dir, name, link))
		return orig;
	return ERR_SYMLINK;
}

static bool no_follow_err(err_t e) { return e == __WASI_ERRNO_LOOP || e == __WASI_ERRNO_MLINK; }

/* The parts of a name being resolved. */
typedef struct {
	char **v;
	size_t n, cap;
} parts_t;

static void parts_push(parts_t *p, const char *s, size_t n) {
	if (p->n == p->cap) {
		p->cap = p->cap ? p->cap * 2 : 8;
		p->v = xrealloc(p->v, p->cap * sizeof *p->v);
	}
	char *c = xmalloc(n + 1);
	memcpy(c, s, n);
	c[n] = 0;
	p->v[p->n++] = c;
}

static void parts_free(parts_t *p) {
	for (size_t i = 0; i < p->n; i++)
		free(p->v[i]);
	free(p->v);
	p->v = NULL;
	p->n = p->cap = 0;
}

/* split_path is os.splitPathInRoot: the components of s between prefix
 * (parts[0:pi]) and suffix (parts[si:]) of from, into *out. */
static err_t split_path(const char *s, size_t n, const parts_t *from, size_t pi, size_t si, parts_t *out, bool *ends_in_slash) {
	*ends_in_slash = false;
	if (n == 0)
		return ERR_EMPTY_PATH;
	if (s[0] == '/')
		return ERR_ESCAPES;
	parts_t p = {0};
	for (size_t k = 0; k < pi; k++)
		parts_push(&p, from->v[k], strlen(from->v[k]));
	size_t i = 0, j = 1;
	for (;;) {
		if (j < n && s[j] != '/') {
			j++;
			continue;
		}
		parts_push(&p, s + i, j - i);
		size_t part_end = j;
		while (j < n && s[j] == '/')
			j++;
		if (j == n) {
			if (n > part_end)
				*ends_in_slash = true;
			break;
		}
		if (strcmp(p.v[p.n - 1], ".") == 0)
			free(p.v[--p.n]);
		i = j;
	}
	size_t nsuffix = from ? from->n - si : 0;
	if (nsuffix > 0 && p.n > 0 && strcmp(p.v[p.n - 1], ".") == 0)
		free(p.v[--p.n]);
	for (size_t k = si; from && k < from->n; k++)
		parts_push(&p, from->v[k], strlen(from->v[k]));
	*out = p;
	return 0;
}

/* Flags of do_in_root. */
enum { DIR_CREATING = 1 };

/* The operation do_in_root performs: open_dir opens a directory on the
 * way (NULL: open_dir_default), last acts on the final component. Both may
 * return ERR_SYMLINK with the link's target in link. */
typedef struct op op_t;
struct op {
	err_t (*open_dir)(op_t *op, int32_t parent, const char *name, int32_t *fd, buf_t *link);
	err_t (*last)(op_t *op, int32_t parent, const char *name, bool ends_in_slash, buf_t *link);
	int32_t root;
	const char *fullname;
	int flags; /* open flags, for op_open */
	int32_t fd; /* the result of an open */
	bool lstat;
	wstat_t st;
};

/* open_dir_default is os.rootOpenDir. */
static err_t open_dir_default(op_t *op, int32_t parent, const char *name, int32_t *fd, buf_t *link) {
	(void)op;
	err_t e = openat(parent, name, RO_DIRECTORY, fd);
	if (no_follow_err(e) || e == __WASI_ERRNO_NOTDIR)
		e = check_symlink(parent, name, e, link);
	else if (e == __WASI_ERRNO_NOTSUP)
		e = __WASI_ERRNO_NOTDIR;
	return e;
}

/* do_in_root is os.doInRoot: it resolves name beneath op->root and calls
 * op->last with the directory holding the final component. */
static err_t do_in_root(op_t *op, const char *name, int flags) {
	/* A single component, the common case of the walks and of files at
	 * the top: act on it directly, unless it turns out to be a link. */
	if (!strchr(name, '/') && name[0] && strcmp(name, "..") != 0) {
		buf_t link = {0};
		err_t e = op->last(op, op->root, name, false, &link);
		buf_free(&link);
		if (e != ERR_SYMLINK)
			return e;
	}
	parts_t parts = {0};
	bool ends_in_slash;
	buf_t link = {0};
	err_t err = split_path(name, strlen(name), NULL, 0, 0, &parts, &ends_in_slash);
	if (err)
		return err;
	int32_t rootfd = op->root, dirfd = rootfd;
	int steps = 0, restarts = 0, symlinks = 0;
	size_t i = 0;
	for (;;) {
		steps++;
		if (steps > 255 && restarts > 8) {
			err = __WASI_ERRNO_NAMETOOLONG;
			goto out;
		}
		if (strcmp(parts.v[i], "..") == 0) {
			restarts++;
			size_t end = i + 1;
			while (end < parts.n && strcmp(parts.v[end], "..") == 0)
				end++;
			size_t count = end - i;
			if (count > i) {
				err = ERR_ESCAPES;
				goto out;
			}
			for (size_t k = i - count; k < end; k++)
				free(parts.v[k]);
			memmove(parts.v + (i - count), parts.v + end, (parts.n - end) * sizeof *parts.v);
			parts.n -= end - (i - count);
			if (parts.n == 0)
				parts_push(&parts, ".", 1);
			i = 0;
			if (dirfd != rootfd)
				fd_close(dirfd);
			dirfd = rootfd;
			continue;
		}
		if (i == parts.n - 1) {
			err = 0;
			if (ends_in_slash) {
				wstat_t st;
				err = lstatat(dirfd, parts.v[i], &st);
				if (err == __WASI_ERRNO_NOENT && (flags & DIR_CREATING)) {
					err = 0;
				} else if (err) {
					goto out;
				} else if (st.type == __WASI_FILETYPE_DIRECTORY) {
				} else if (st.type == __WASI_FILETYPE_SYMBOLIC_LINK) {
					err = check_symlink(dirfd, parts.v[i], __WASI_ERRNO_NOTDIR, &link);
				} else {
					err = __WASI_ERRNO_NOTDIR;
					goto out;
				}
			}
			if (err == 0) {
				err = op->last(op, dirfd, parts.v[i], ends_in_slash, &link);
				if (err == 0)
					goto out;
			}
		} else {
			int32_t fd;
			err = (op->open_dir ? op->open_dir : open_dir_default)(op, dirfd, parts.v[i], &fd, &link);
			if (err == 0) {
				if (dirfd != rootfd)
					fd_close(dirfd);
				dirfd = fd;
			}
		}
		if (err == ERR_SYMLINK) {
			if (++symlinks > MAX_SYMLINKS) {
				err = __WASI_ERRNO_LOOP;
				goto out;
			}
			bool last_part = i == parts.n - 1, new_slash;
			parts_t np;
			err = split_path(link.p, link.n, &parts, i, i + 1, &np, &new_slash);
			if (err)
				goto out;
			if (last_part && new_slash)
				ends_in_slash = true;
			bool same = np.n >= i;
			for (size_t k = 0; same && k < i; k++)
				same = strcmp(parts.v[k], np.v[k]) == 0;
			if (!same) {
				i = 0;
				if (dirfd != rootfd)
					fd_close(dirfd);
				dirfd = rootfd;
			}
			parts_free(&parts);
			parts = np;
			continue;
		}
		if (err)
			goto out;
		i++;
	}
out:
	if (dirfd != rootfd)
		fd_close(dirfd);
	parts_free(&parts);
	buf_free(&link);
	return err;
}

/* op_open is the final step of os.rootOpenFileNolog. */
static err_t op_open(op_t *op, int32_t parent, const char *name, bool ends_in_slash, buf_t *link) {
	(void)ends_in_slash;
	err_t e = openat(parent, name, op->flags, &op->fd);
	if (e && (no_follow_err(e) || e == __WASI_ERRNO_NOTDIR))
		e = check_symlink(parent, name, e, link);
	return e;
}

err_t root_open(int32_t root, const char *name, int flags, int32_t *fd) {
	op_t op = {.last = op_open, .root = root, .flags = flags, .fd = -1};
	err_t e = do_in_root(&op, name, 0);
	*fd = op.fd;
	return e;
}

/* op_open_root is the final step of os.openRootInRoot. */
static err_t op_open_root(op_t *op, int32_t parent, const char *name, bool ends_in_slash, buf_t *link) {
	(void)ends_in_slash;
	err_t e = openat(parent, name, RO_RDONLY, &op->fd);
	if (no_follow_err(e))
		e = check_symlink(parent, name, e, link);
	return e;
}

err_t root_open_root(int32_t root, const char *name, int32_t *fd) {
	op_t op = {.last = op_open_root, .root = root, .fd = -1};
	err_t e = do_in_root(&op, name, 0);
	if (e)
		return e;
	wstat_t st;
	if (fd_stat(op.fd, &st) == 0 && !wstat_dir(&st)) { /* os.newRoot */
		fd_close(op.fd);
		return ERR_NOT_DIR;
	}
	*fd = op.fd;
	return 0;
}

/* op_stat is the final step of os.rootStat. */
static err_t op_stat(op_t *op, int32_t parent, const char *name, bool ends_in_slash, buf_t *link) {
	(void)ends_in_slash;
	err_t e = lstatat(parent, name, &op->st);
	if (e)
		return e;
	if (!op->lstat && op->st.type == __WASI_FILETYPE_SYMBOLIC_LINK)
		return check_symlink(parent, name, __WASI_ERRNO_LOOP, link);
	return 0;
}

err_t root_stat(int32_t root, const char *name, bool lstat, wstat_t *st) {
	op_t op = {.last = op_stat, .root = root, .lstat = lstat};
	err_t e = do_in_root(&op, name, 0);
	if (e == 0)
		*st = op.st;
	return e;
}

/* mkdir_open_dir is os.rootMkdirAll's openDirFunc: it creates a missing
 * directory on the way. */
static err_t mkdir_open_dir(op_t *op, int32_t parent, const char *name, int32_t *fd, buf_t *link) {
	for (int try = 0; try < 2; try++) {
		err_t e = open_dir_default(op, parent, name, fd, link);
		if (e == 0 || e == ERR_SYMLINK)
			return e;
		if (try > 0 || e != __WASI_ERRNO_NOENT)
			return e;
		e = wasi_path_create_directory(parent, name, strlen(name));
		if (e && e != __WASI_ERRNO_EXIST)
			return e;
	}
	__builtin_unreachable();
}

/* mkdir_last is os.rootMkdirAll's final step. */
static err_t mkdir_last(op_t *op, int32_t parent, const char *name, bool ends_in_slash, buf_t *link) {
	(void)ends_in_slash;
	(void)link;
	err_t e = wasi_path_create_directory(parent, name, strlen(name));
	if (e == __WASI_ERRNO_EXIST) {
		wstat_t st;
		if (lstatat(parent, name, &st) == 0) {
			if (st.type == __WASI_FILETYPE_DIRECTORY) {
				e = 0;
			} else if (st.type == __WASI_FILETYPE_SYMBOLIC_LINK) {
				wstat_t fst;
				err_t se = root_stat(op->root, op->fullname, false, &fst);
				if (se == 0 && wstat_dir(&fst))
					e = 0;
				else if (se == 0)
					e = __WASI_ERRNO_NOTDIR;
				else if (se != __WASI_ERRNO_NOENT)
					e = se;
			}
		}
	}
	return e;
}

err_t root_mkdir_all(int32_t root, const char *name) {
	op_t op = {.open_dir = mkdir_open_dir, .last = mkdir_last, .root = root, .fullname = name};
	return do_in_root(&op, name, DIR_CREATING);
}

err_t fd_read_some(int32_t fd, void *p, size_t n, size_t *got) {
	__wasi_iovec_t iov = {.buf = p, .buf_len = n};
	*got = 0;
	return wasi_fd_read(fd, &iov, 1, got);
}

/* read_all appends the rest of the open file fd to out, sizing the buffer
 * by the file's size (os.readFileContents). */
static err_t read_all(int32_t fd, buf_t *out) {
	wstat_t st;
	size_t size = 512;
	if (fd_stat(fd, &st) == 0 && st.size < SIZE_MAX - 512)
		size = (size_t)st.size + 512;
	buf_grow(out, size);
	for (;;) {
		if (out->cap == out->n)
			buf_grow(out, 512);
		size_t got;
		err_t e = fd_read_some(fd, out->p + out->n, out->cap - out->n, &got);
		if (e)
			return e;
		if (got == 0)
			return 0;
		out->n += got;
	}
}

err_t root_read_file(int32_t root, const char *name, buf_t *out) {
	int32_t fd;
	err_t e = root_open(root, name, RO_RDONLY, &fd);
	if (e)
		return e;
	e = read_all(fd, out);
	fd_close(fd);
	return e;
}

err_t lstat_at(int32_t dir, const char *name, size_t n, wstat_t *st) {
	__wasi_filestat_t fs;
	err_t e = wasi_path_filestat_get(dir, 0, name, n, &fs);
	if (e)
		return e;
	st->type = fs.filetype;
	st->nlink = fs.nlink;
	st->size = fs.size;
	return 0;
}

err_t read_file_at(int32_t dir, const char *name, size_t n, buf_t *out) {
	int32_t fd;
	err_t e = wasi_path_open(dir, 0, name, n, 0, file_rights & ~write_rights, file_rights, 0, &fd);
	if (e)
		return e;
	e = read_all(fd, out);
	fd_close(fd);
	return e;
}

err_t fd_write_sync_close(int32_t fd, const void *p, size_t n) {
	const uint8_t *b = p;
	while (n > 0) {
		__wasi_ciovec_t iov = {.buf = b, .buf_len = n};
		size_t w = 0;
		err_t e = wasi_fd_write(fd, &iov, 1, &w);
		if (e) {
			fd_close(fd);
			return e;
		}
		if (w == 0) { /* io.ErrShortWrite, which Go reports as such */
			fd_close(fd);
			return __WASI_ERRNO_IO;
		}
		b += w;
		n -= w;
	}
	err_t e = wasi_fd_sync(fd);
	if (e) {
		fd_close(fd);
		return e;
	}
	return wasi_fd_close(fd);
}

void dirents_free(dirents_t *d) {
	for (size_t i = 0; i < d->n; i++)
		free(d->v[i].name);
	free(d->v);
	d->v = NULL;
	d->n = d->cap = 0;
}

static int dirent_cmp(const void *a, const void *b) {
	const dirent_t *x = a, *y = b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->name, y->name, n);
	if (c)
		return c;
	return (x->len > y->len) - (x->len < y->len);
}

/* walk_batch is how many entries the Go guest read with one ReadDir. */
#define WALK_BATCH 256
#define DIRENT_BUF 8192

err_t read_dir(call_t *c, int32_t fd, int64_t max, dirents_t *out) {
	uint8_t *buf = xmalloc(DIRENT_BUF);
	uint64_t cookie = 0;
	size_t have = 0, pos = 0; /* bytes in buf, parse position */
	bool eof = false;
	err_t err = 0;
	out->n = 0;
	while ((int64_t)out->n <= max) {
		if (over_budget(c)) {
			err = ERR_BUDGET;
			break;
		}
		/* One batch: up to WALK_BATCH entries. */
		size_t batch = 0;
		while (batch < WALK_BATCH) {
			__wasi_dirent_t de;
			if (pos + sizeof de <= have)
				memcpy(&de, buf + pos, sizeof de);
			if (pos + sizeof de > have || pos + sizeof de + de.d_namlen > have) {
				if (eof)
					break;
				size_t used = 0;
				err = wasi_fd_readdir(fd, buf, DIRENT_BUF, cookie, &used);
				if (err)
					goto done;
				have = used;
				pos = 0;
				if (used < DIRENT_BUF)
					eof = true;
				if (used == 0)
					break;
				continue;
			}
			const char *name = (const char *)buf + pos + sizeof de;
			pos += sizeof de + de.d_namlen;
			cookie = de.d_next;
			if ((de.d_namlen == 1 && name[0] == '.') || (de.d_namlen == 2 && name[0] == '.' && name[1] == '.'))
				continue;
			if (out->n == out->cap) {
				out->cap = out->cap ? out->cap * 2 : 64;
				out->v = xrealloc(out->v, out->cap * sizeof *out->v);
			}
			dirent_t *d = &out->v[out->n++];
			d->name = xmalloc(de.d_namlen + 1);
			memcpy(d->name, name, de.d_namlen);
			d->name[de.d_namlen] = 0;
			d->len = de.d_namlen;
			d->type = de.d_type;
			batch++;
		}
		if (batch == 0) /* io.EOF */
			break;
	}
done:
	free(buf);
	if (err) {
		dirents_free(out);
		return err;
	}
	qsort(out->v, out->n, sizeof *out->v, dirent_cmp);
	return 0;
}
