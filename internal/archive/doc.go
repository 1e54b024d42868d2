// Package archive writes and reads bulkhead's workspace archives: one tar
// stream (POSIX.1-2001 pax interchange format,
// https://pubs.opengroup.org/onlinepubs/9799919799/utilities/pax.html)
// compressed with Zstandard (RFC 8878, github.com/klauspost/compress/zstd),
// whose first entry is a manifest listing every other entry.
//
// # Format (version 1)
//
// The stream is two or more Zstandard frames, which decode as one: the
// first holds the tar entry MANIFEST.json, the others every other entry
// and the end-of-archive marker. MANIFEST.json is a JSON object:
//
//	{
//	  "format": "bulkhead-workspace-archive",
//	  "version": 1,
//	  "workspace": "acme",
//	  "bulkhead": "v0.3.0, commit a1b2c3d4e5f6, go1.26.8",
//	  "created": "2025-01-02T03:04:05Z",
//	  "files": 2, "bytes": 912,
//	  "meta": {…},
//	  "entries": [
//	    {"path": "workspace", "type": "dir", "mode": 448},
//	    {"path": "workspace/config.json", "type": "file", "mode": 384, "size": 120, "sha256": "…"},
//	    {"path": "workspace/files/link", "type": "symlink", "target": "src/main.go"}
//	  ]
//	}
//
// files and bytes count the file entries and their sizes; meta is the
// caller's (the runtime records the enabled skills there). The tar stream
// holds exactly the entries listed, in the order listed, each with the
// listed type, permission bits, size and link target; a file's content
// has the listed SHA-256 (FIPS 180-4, hex). Directory entries end in "/"
// in the tar stream, as tar(5) does.
//
// # What a Reader refuses
//
// A Reader checks the manifest first and every entry as it streams, and
// fails with an error naming the entry at the first of: a name that is
// absolute, not clean, holds "." or ".." or a NUL, is not UTF-8, or is
// longer than PATH_MAX; a parent that is not a directory listed before; a
// name listed twice; a type other than directory, regular file and
// symbolic link (hard links, devices, FIFOs, sparse files); permission
// bits beyond 0777; a symbolic link outside the link roots the caller
// allows, or whose target is absolute or leaves its root (see CheckLink);
// an entry that differs from the manifest or comes out of order; content
// whose size or SHA-256 differs; more entries or bytes than Limits allow,
// or a decompression ratio above Limits.MaxRatio once past
// RatioAllowance bytes (a Zstandard bomb); a stream that ends before every
// listed entry, or has anything but zeros after the end of the archive.
// ErrUnsafe, ErrLimit and ErrCorrupt tell these apart.
//
// # Writing
//
// The manifest comes first, but holds the SHA-256 of every file: a
// Writer compresses the entries into a spool file as it hashes them, and
// Finish writes the manifest's frame and then the spool to the output.
// The spool takes the compressed size of the archive on disk, not its
// size in memory.
package archive
