// Package tmpfs gives tests a file system of their own: a tmpfs mounted
// at a temporary directory, which a test can make read-only or give a size
// limit to run it out of space. Mounting needs root (CAP_SYS_ADMIN);
// without it the test is skipped, so the tests that use it run in CI,
// which runs as root.
package tmpfs
