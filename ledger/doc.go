// Package ledger keeps a workspace's usage ledger: one Record per run
// (tokens, model and tool calls, jail CPU time and memory, bytes written,
// wall time), appended durably and read back by time range.
//
// # Layout
//
// A Ledger owns one directory, which the caller chooses (the runtime uses
// <stateDir>/workspaces/<id>/usage/):
//
//	<dir>/                 mode 0700, created by the first Append
//	<dir>/.lock            flock(2) taken by Append (exclusive) and Records (shared)
//	<dir>/YYYY-MM.jsonl    the records whose End falls in that UTC month, mode 0600
//
// # Format
//
// A segment is JSON Lines (https://jsonlines.org/): one Record per line in
// the encoding of Record.MarshalJSON, in the order the Appends happened:
//
//	{"v":1,"start":"2025-01-02T03:04:05.123456789Z","end":"2025-01-02T03:04:09.5Z","run_id":"r1","session_id":"s1",
//	 "provider":"anthropic","model":"claude-sonnet-4-5","input_tokens":1200,"output_tokens":300,"cache_read_tokens":0,
//	 "cache_write_tokens":0,"model_calls":2,"tool_calls":{"bash":1},"jail_cpu_us":81234,"jail_memory_peak":10485760,
//	 "jail_runs":1,"write_bytes":4096,"wall_ms":4377,"reason":"end_turn"}
//
// (one line in the file). Readers accept unknown keys in a version 1 line,
// so keys can be added without a version change; a line of a higher
// version stops Records with ErrNewerVersion rather than being skipped,
// so an older binary never under-reports a newer ledger.
//
// # Crashes
//
// Append writes a line with one write(2) and fsyncs it before returning,
// so an acknowledged record survives a crash. A crash during the write can
// leave a torn final line: Records skips it (and any other line that is no
// valid record, or longer than Limits.MaxLineBytes) and reports the count
// of skipped lines, never an error; the next Append writes a newline
// before its line, so the fragment stays one skipped line and the new
// record is whole. Nothing is ever rewritten or truncated, except the
// bytes of an Append that reported an error.
//
// # Concurrency
//
// Appends from goroutines and processes are serialised by an exclusive
// flock(2) on <dir>/.lock (github.com/gofrs/flock), so lines never
// interleave. Records takes the shared lock only to measure the segments,
// then reads without it (see Ledger.Records).
//
// # Limits
//
// Limits bounds the line length (default 64 KiB; longer records are
// refused by Append and skipped by Records) and the lock wait (default
// 10 s).
//
// docs/RATIONALE.md, "The usage ledger is JSON lines per month", says why
// the ledger is not a database.
package ledger
