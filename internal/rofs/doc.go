// Package rofs gives tests a file system they can make read-only: a tmpfs
// mounted at a temporary directory. Mounting needs root (CAP_SYS_ADMIN);
// without it the test is skipped, so the tests that use it run in CI,
// which runs as root.
package rofs
