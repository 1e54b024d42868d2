/*
 * paths.c: path.Clean and friends, and the tools' view of paths under
 * /workspace (builtin/paths.go): resolving a tool's path argument, showing
 * names in messages and listings, describing file system errors.
 */
#include "paths.h"

#include "tools.h"
#include "utf8.h"
#include "scan.h"
#include "wasi.h"

/* is_clean reports whether p is already what path_clean makes of it:
 * not empty, no leading or trailing '/', no "//", no "." or ".."
 * component. It looks only at the '/' and '.' bytes, which are few. */
static bool is_clean(const char *p, size_t n) {
	if (n == 0 || p[0] == '/' || p[n - 1] == '/')
		return false;
	for (const char *s = memchr(p, '/', n); s; s = memchr(s + 1, '/', n - (size_t)(s + 1 - p)))
		if (s[1] == '/')
			return false;
	for (const char *d = memchr(p, '.', n); d; d = memchr(d + 1, '.', n - (size_t)(d + 1 - p))) {
		bool starts = d == p || d[-1] == '/';
		size_t rest = n - (size_t)(d - p);
		if (starts && (rest == 1 || d[1] == '/' || (d[1] == '.' && (rest == 2 || d[2] == '/'))))
			return false;
	}
	return true;
}

void path_clean(buf_t *out, const char *p, size_t n) {
	if (is_clean(p, n)) {
		buf_put(out, p, n);
		return;
	}
	if (n == 0) {
		buf_putc(out, '.');
		return;
	}
	size_t base = out->n;
	buf_grow(out, n + 1);
	bool rooted = p[0] == '/';
	size_t r = 0, dotdot = 0, w = 0; /* w: bytes written after base */
	char *o = out->p + base;
	if (rooted) {
		o[w++] = '/';
		r = dotdot = 1;
	}
	while (r < n) {
		if (p[r] == '/') {
			r++;
		} else if (p[r] == '.' && (r + 1 == n || p[r + 1] == '/')) {
			r++;
		} else if (p[r] == '.' && p[r + 1] == '.' && (r + 2 == n || p[r + 2] == '/')) {
			r += 2;
			if (w > dotdot) {
				w--;
				while (w > dotdot && o[w] != '/')
					w--;
			} else if (!rooted) {
				if (w > 0)
					o[w++] = '/';
				o[w++] = '.';
				o[w++] = '.';
				dotdot = w;
			}
		} else {
			if ((rooted && w != 1) || (!rooted && w != 0))
				o[w++] = '/';
			for (; r < n && p[r] != '/'; r++)
				o[w++] = p[r];
		}
	}
	if (w == 0)
		o[w++] = '.';
	out->n = base + w;
}

void path_dir(buf_t *out, const char *p, size_t n) {
	size_t i = n;
	while (i > 0 && p[i - 1] != '/')
		i--;
	path_clean(out, p, i);
}

static void escape_error(buf_t *why, const char *p, size_t n) {
	buf_quote(why, p, n);
	buf_puts(why, ": path escapes the workspace; use a path relative to " MOUNT " or under " MOUNT "/");
}

bool resolve(const char *p, size_t n, buf_t *name, buf_t *why) {
	name->n = 0;
	if (memchr(p, 0, n)) {
		buf_puts(why, "path ");
		buf_quote(why, p, n);
		buf_puts(why, " contains a NUL byte");
		return false;
	}
	if (n == 0) {
		buf_putc(name, '.');
		return true;
	}
	path_clean(name, p, n);
	const char *c = name->p;
	size_t cn = name->n;
	if (p[0] == '/') {
		const size_t mn = sizeof MOUNT - 1;
		if (cn == mn && memcmp(c, MOUNT, mn) == 0) {
			name->n = 0;
			buf_putc(name, '.');
			return true;
		}
		if (cn > mn + 1 && memcmp(c, MOUNT "/", mn + 1) == 0) {
			memmove(name->p, c + mn + 1, cn - mn - 1);
			name->n = cn - mn - 1;
			return true;
		}
		escape_error(why, p, n);
		return false;
	}
	if ((cn == 2 && c[0] == '.' && c[1] == '.') || (cn >= 3 && c[0] == '.' && c[1] == '.' && c[2] == '/')) {
		escape_error(why, p, n);
		return false;
	}
	return true;
}

void put_shown(buf_t *b, const char *name) {
	if (name[0] == 0 || (name[0] == '.' && name[1] == 0))
		buf_puts(b, MOUNT);
	else
		buf_puts(b, name);
}

void put_display(buf_t *b, const char *name, size_t n) {
	const uint8_t *p = (const uint8_t *)name;
	for (size_t i = scan_printable(p, n); i < n;) {
		int32_t r;
		int w = utf8_decode(p + i, n - i, &r);
		if (uni_is_control(r) || (r >= 0x202A && r <= 0x202E) || (r >= 0x2066 && r <= 0x2069)) {
			buf_quote_ascii(b, name, n);
			return;
		}
		i += (size_t)w;
	}
	buf_put(b, name, n);
}

/* errno_text is Go's wasip1 syscall.Errno text (syscall/tables_wasip1.go),
 * indexed by WASI errno. */
static const char *const errno_text[] = {
	[1] = "Argument list too long", [2] = "Permission denied", [3] = "Address already in use",
	[4] = "Address not available", [5] = "Address family not supported by protocol family", [6] = "Try again",
	[7] = "Socket already connected", [8] = "Bad file number", [9] = "Trying to read unreadable message",
	[10] = "Device or resource busy", [11] = "Operation canceled.", [12] = "No child processes",
	[13] = "Connection aborted", [14] = "Connection refused", [15] = "Connection reset by peer",
	[16] = "Deadlock condition", [17] = "Destination address required", [18] = "Math arg out of domain of func",
	[19] = "Quota exceeded", [20] = "File exists", [21] = "Bad address", [22] = "File too large",
	[23] = "Host is unreachable", [24] = "Identifier removed", [25] = "EILSEQ",
	[26] = "Connection already in progress", [27] = "Interrupted system call", [28] = "Invalid argument",
	[29] = "I/O error", [30] = "Socket is already connected", [31] = "Is a directory",
	[32] = "Too many symbolic links", [33] = "Too many open files", [34] = "Too many links",
	[35] = "Message too long", [36] = "Multihop attempted", [37] = "File name too long",
	[38] = "Network interface is not configured", [39] = "Network dropped connection on reset",
	[40] = "Network is unreachable", [41] = "File table overflow", [42] = "No buffer space available",
	[43] = "No such device", [44] = "No such file or directory", [45] = "Exec format error",
	[46] = "No record locks available", [47] = "The link has been severed", [48] = "Out of memory",
	[49] = "No message of desired type", [50] = "Protocol not available", [51] = "No space left on device",
	[52] = "Not implemented on wasip1", [53] = "Socket is not connected", [54] = "Not a directory",
	[55] = "Directory not empty", [56] = "State not recoverable", [57] = "Socket operation on non-socket",
	[58] = "Not supported", [59] = "Not a typewriter", [60] = "No such device or address",
	[61] = "Value too large for defined data type", [62] = "Owner died", [63] = "Operation not permitted",
	[64] = "Broken pipe", [65] = "Protocol error", [66] = "Unknown protocol", [67] = "Protocol wrong type for socket",
	[68] = "Math result not representable", [69] = "Read-only file system", [70] = "Illegal seek",
	[71] = "No such process", [72] = "Stale file handle", [73] = "Connection timed out", [74] = "Text file busy",
	[75] = "Cross-device link", [76] = "Capabilities insufficient", [77] = "file descriptor in bad state",
};

void put_describe(buf_t *b, err_t err) {
	switch (err) {
	case __WASI_ERRNO_NOENT:
		buf_puts(b, "no such file or directory");
		return;
	case __WASI_ERRNO_ACCES:
	case __WASI_ERRNO_PERM:
		buf_puts(b, "permission denied");
		return;
	case ERR_ESCAPES:
		buf_puts(b, "path escapes the workspace through a symbolic link");
		return;
	case ERR_EMPTY_PATH:
		buf_puts(b, "empty path");
		return;
	case ERR_NOT_DIR:
		buf_puts(b, "not a directory");
		return;
	}
	if (err > 0 && (size_t)err < sizeof errno_text / sizeof *errno_text && errno_text[err]) {
		const char *t = errno_text[err];
		char c = t[0];
		buf_putc(b, (c >= 'A' && c <= 'Z') ? (char)(c + 'a' - 'A') : c);
		buf_puts(b, t + 1);
		return;
	}
	buf_puts(b, "errno ");
	buf_i64(b, err);
}
