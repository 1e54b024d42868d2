/*
 * write.c: the write tool (builtin/write.go): create or overwrite a file,
 * creating missing parent directories, in place (truncate, write, fsync)
 * so that an existing file keeps its mode; content over WriteBytes is
 * refused.
 */
#include "args.h"
#include "paths.h"
#include "root.h"

/* replace_file sets the content of name, creating it if missing
 * (builtin.call.replace). */
err_t replace_file(call_t *c, const char *name, const char *data, size_t n) {
	int32_t fd;
	err_t e = root_open(c->root, name, RO_WRONLY | RO_CREATE | RO_TRUNC, &fd);
	if (e)
		return e;
	return fd_write_sync_close(fd, data, n);
}

bool tool_write(call_t *c, const jdoc *d, uint32_t input, buf_t *out) {
	buf_t path = {0}, content = {0}, name = {0}, why = {0}, dir = {0};
	bool has_content = false, is_err = true;
	const arg_t args[] = {
		{"path", A_STR, &path, NULL},
		{"content", A_OPTSTR, &content, &has_content},
	};
	if (!args_decode(d, input, "writeInput", args, 2, &why)) {
		buf_put(out, why.p, why.n);
		goto done;
	}
	if (path.n == 0) {
		buf_puts(out, "write: path is required");
		goto done;
	}
	if (!has_content) {
		buf_puts(out, "write: content is required (use \"\" for an empty file)");
		goto done;
	}
	if (!resolve(path.p, path.n, &name, &why)) {
		buf_puts(out, "write: ");
		buf_put(out, why.p, why.n);
		goto done;
	}
	const char *nm = buf_cstr(&name);
	if ((int64_t)content.n > c->lim.write_bytes) {
		buf_puts(out, "write ");
		put_shown(out, nm);
		buf_puts(out, ": content is ");
		buf_i64(out, (int64_t)content.n);
		buf_puts(out, " bytes, over the limit of ");
		buf_size(out, c->lim.write_bytes);
		buf_puts(out, "; write a smaller file");
		goto done;
	}
	wstat_t st;
	err_t e = root_stat(c->root, nm, false, &st);
	bool existed = e == 0;
	if (existed && wstat_dir(&st)) {
		buf_puts(out, "write ");
		put_shown(out, nm);
		buf_puts(out, ": is a directory");
		goto done;
	}
	if (existed && !wstat_regular(&st)) {
		not_regular(out, "write", nm, &st);
		goto done;
	}
	if (e && e != __WASI_ERRNO_NOENT) {
		fs_error(c, out, "write", nm, e);
		goto done;
	}
	path_dir(&dir, name.p, name.n);
	if (!existed && !(dir.n == 1 && dir.p[0] == '.')) {
		e = root_mkdir_all(c->root, buf_cstr(&dir));
		if (e) {
			fs_error(c, out, "write: create parent directories of", nm, e);
			goto done;
		}
	}
	e = replace_file(c, nm, content.p, content.n);
	if (e) {
		fs_error(c, out, "write", nm, e);
		goto done;
	}
	buf_puts(out, "wrote ");
	buf_i64(out, (int64_t)content.n);
	buf_puts(out, " bytes to ");
	put_shown(out, nm);
	buf_puts(out, existed ? " (replaced its content)" : " (new file)");
	is_err = false;
done:
	buf_free(&path);
	buf_free(&content);
	buf_free(&name);
	buf_free(&why);
	buf_free(&dir);
	return is_err;
}
