// Package sharedfile opens a file once per process and shares the open
// file among all its users, counting them: the first user opens it, the
// last one closes it. A thousand users of one lock file then cost one
// descriptor, not a thousand.
//
// Files are told apart by device and inode (stat(2)), not by path, so two
// paths naming the same file share one open file, and a file replaced at
// its path is a new file. Since an open file keeps its inode allocated,
// the device and inode of a file open in a Table name no other file
// meanwhile.
//
// It exists for locks that belong to the open file description rather
// than to the process: flock(2) locks and open file description locks
// (fcntl(2), F_OFD_SETLK). Such locks taken through one shared open file
// do not exclude each other, so a Table's users need their own exclusion
// within the process (the per-file state of Table).
package sharedfile
