// Package buildinfo describes the running bulkhead build, for --version,
// the init event of a run's stream-json output and the manifest of a
// workspace archive.
package buildinfo
