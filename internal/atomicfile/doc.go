// Package atomicfile writes files so that a crash at any point leaves either
// the old content or the new one, never a mix: write a temporary file in the
// same directory, fsync it, rename it over the target, fsync the directory
// (see rename(2) and fsync(2)). It also offers an fsync'd append for
// line-oriented logs.
package atomicfile
