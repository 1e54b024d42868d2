// Package confined is the file system a WebAssembly guest sees as its
// /workspace preopen: a wazero experimental sys.FS
// (github.com/tetratelabs/wazero/experimental/sys) over one host directory
// that no guest path can leave.
//
// wazero's stock sysfs.DirFS joins guest paths onto the host directory and
// lets the kernel follow symlinks wherever they point. This package instead
// resolves every path with os.Root (https://pkg.go.dev/os#Root), which walks
// each component with openat(2) and O_NOFOLLOW beneath a directory file
// descriptor and refuses any step outside it. Mount it with
//
//	fsys, err := confined.New(dir)
//	cfg := wazero.NewFSConfig().(sysfs.FSConfig).WithSysFSMount(fsys, "/workspace")
//
// # Confinement rules
//
//  1. Names. A name is relative to the root, with or without leading
//     slashes: wazero itself forms "/x" for "x" opened beneath a directory
//     descriptor whose name is empty (its sys.FS contract: every name is
//     relative to the mount), so "/etc/passwd" names root/etc/passwd, never
//     the host's file. A name whose ".." components climb above the root
//     fails with EPERM. An empty name fails with ENOENT.
//  2. Symlinks. Symlinks are followed only while every step stays beneath the
//     root: a relative symlink that resolves inside keeps working, at the end
//     of a path or in the middle ("linkdir/file"). A symlink whose target is
//     absolute, or relative and climbing out, fails with EPERM, wherever it
//     sits in a chain. More than 8 symlinks in one resolution (os.Root's
//     limit), including loops, fail with ELOOP.
//  3. Special files. Only regular files and directories can be opened.
//     Devices, FIFOs and sockets fail with EACCES. The file is checked with
//     stat before it is opened, opened with O_NONBLOCK and O_NOCTTY so that a
//     FIFO swapped in meanwhile cannot block the host, and checked again with
//     fstat on the opened descriptor; only then is O_NONBLOCK cleared (unless
//     the guest asked for it).
//  4. Hard links. A regular file whose link count (st_nlink) is above one may
//     be a second name of a host file outside the root, and os.Root cannot
//     tell. Such a file cannot be opened, nor have its mode or times changed
//     (Chmod, Utimens): EACCES. The link count is read from the opened
//     descriptor, and O_TRUNC is applied only after that check, so nothing
//     of such a file is read or modified. Stat and Lstat still report it, so
//     directory listings work, and Rename and Unlink of the name are allowed.
//  5. Link (creating hard links) always fails with EPERM: the new file would
//     have two links and become unreadable under rule 4, and a guest has no
//     need for it.
//  6. Symlink creation. Symlink(target, name) fails with EPERM when target is
//     absolute or when target, joined lexically with the directory of name,
//     climbs above the root. The check is lexical; rule 2 is what guarantees
//     that no link, however made, is followed outside the root.
//  7. Races. Every resolution starts again from the root's descriptor and
//     never passes a path with a slash to a system call that would follow
//     symlinks, so a concurrent swap of a directory for a symlink leads to
//     an error, never to a host file.
//
// errno choice: EPERM means the name itself is refused (rules 1, 2, 5, 6);
// EACCES means the name resolves inside the root but its contents are off
// limits (rules 3, 4).
//
// # Read-only and size-limited mounts
//
// ReadOnly wraps a file system for a preopen the guest may only read (a
// WASM skill's own folder, a workspace the skill may only read): every
// change fails with EROFS, as on a read-only mount. Quota wraps one whose
// files may hold at most a given number of bytes (a guest's scratch
// directory), so that a guest cannot fill the host's disk.
//
// # Other behaviour
//
//   - OpenFile resolves the parent directory through os.Root, checks the last
//     component with fstatat(2) without following it and opens it with
//     openat(2) and O_NOFOLLOW: one walk of the path. Only when the last
//     component is a symlink does os.Root resolve the whole name again,
//     following the link. With O_NOFOLLOW such a symlink fails with ELOOP,
//     except in a name ending in "/", which Linux resolves as the directory
//     the link points to.
//   - An entry of the root itself needs no walk: New keeps an O_PATH
//     descriptor of the root for the *at system calls on its entries. Opening
//     such a file takes fstatat, openat, fstat and two fcntl(2) calls
//     (clearing O_NONBLOCK, and os.NewFile reading the flags back). The new
//     descriptor is checked and made blocking before it is wrapped in an
//     *os.File, so Go's poller never tries to register it.
//   - O_TRUNC without write access fails with EINVAL (POSIX leaves it
//     undefined); O_DIRECTORY with write access fails with EISDIR.
//   - Creation modes keep only the permission bits (0o777): a guest cannot
//     create set-user-ID, set-group-ID or sticky files, and Chmod likewise.
//   - Rename, Unlink and Rmdir act on the last component with renameat(2)
//     and unlinkat(2) in its resolved parent, with POSIX semantics (an empty
//     target directory is replaced; Rmdir of a file is ENOTDIR; Unlink of a
//     directory is EISDIR). Rename or Rmdir of the root fails with EINVAL,
//     Unlink of it with EISDIR.
//   - Chmod and Utimens open the file read-only (following symlinks, with
//     rules 3 and 4) and act on the descriptor, so they need read permission
//     on the file for the host user.
//   - Pwrite on a file in append mode appends, as pwrite(2) does on Linux.
//   - Files are not pollable (experimentalsys.PollableFile): they are regular
//     files and directories, which do not block.
//   - System errors without a wazero Errno (EXDEV, ENOSPC, EMLINK, ...)
//     become EIO, as in experimentalsys.UnwrapOSError.
//   - os.Root crosses mount points beneath the root; only the host operator
//     can create those, so /proc or a device directory is reachable only if
//     the operator mounts it inside the workspace.
//
// The package builds for Linux only, the platform bulkhead targets.
package confined
