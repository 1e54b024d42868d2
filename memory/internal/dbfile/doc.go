// Package dbfile keeps package memory's SQLite database files safe on
// disk: it refuses links and foreign files where the store expects its
// own, creates and tightens them to owner-only modes, opens them on a
// read-only file system, pins the file a store's connections must share,
// and names a damaged file or a full disk as such.
//
// # Notes
//
//   - Tenants are separated by file, so one symbolic or hard link could
//     join two tenants' memories: no check here follows a link.
//   - The package knows files, not memories: the store's schema, its
//     purge of deleted text from the write-ahead log, and its life cycle
//     stay in package memory.
package dbfile
