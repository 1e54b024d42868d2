// Package sessions stores a workspace's conversation transcripts and the
// index that lists them.
//
// # Layout
//
// A Store owns these paths inside a workspace directory (the "State
// directory" contract of the architecture document):
//
//	<workspaceDir>/sessions.json            index: one entry per session
//	<workspaceDir>/sessions.json.lock       flock(2) guarding sessions.json
//	<workspaceDir>/sessions.lock            the session locks (Store.Lock), mode 0600, empty
//	<workspaceDir>/sessions/                directory, mode 0700
//	<workspaceDir>/sessions/<id>.jsonl      transcript, mode 0600
//
// Earlier versions kept each session lock in its own sessions/<id>.lock;
// such files are harmless leftovers, which nothing reads or removes.
//
// Session ids follow internal/ids: ^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$
// without "..". Every method rejects other ids before touching the disk.
//
// # Transcript format
//
// A transcript is JSON Lines (https://jsonlines.org/): one chat.Message per
// line, wrapped in a record that carries the format version, the time the
// message was appended (RFC 3339 with nanoseconds, UTC) and the model the
// caller named when appending it:
//
//	{"v":1,"time":"2025-01-02T03:04:05.123456789Z","model":"m","message":{"role":"user","content":[...]}}
//
// The lines of a subagent's session (AppendFrom) also carry "parent", the
// id of the session whose run started it; the index keeps it as
// Info.Parent.
//
// A compaction record (AppendCompaction) stands for the session's first
// "replaced" messages with a summary, so that a long session fits its
// model's context window; the messages stay on disk. It is a record of
// version 2, holding "compaction" instead of "message":
//
//	{"v":2,"time":"…","compaction":{"replaced":40,"summary":{"role":"user","content":[...]},"tokens_before":170000,"tokens_after":21000,"provider":"anthropic","model":"m","usage":{...}}}
//
// Load applies the latest compaction record: its summary, then the
// messages after the replaced ones. Session indexes count messages only.
// Scan passes compaction records over.
//
// Readers accept unknown fields in a record, so fields can be added
// without a version change. This build reads versions 1 and 2 and writes
// messages as version 1, so a session that was never compacted stays
// readable by builds that predate compaction; such a build sees a
// compaction record as a newer version, which it refuses rather than
// misreads (a history without its summary, or with the replaced messages
// twice). A record with a version higher than the reader's is never
// skipped or truncated: Load reports it as corruption and Append refuses
// to write after it, so an older binary cannot damage a newer transcript.
//
// # Crashes and recovery
//
// Append writes all lines of a call with one write(2) and fsyncs the file
// before it returns (fsync(2)). A crash during that write can leave a torn
// final line. The final line is torn when it has no trailing newline, exceeds
// the line limit, or is not a valid record. Load skips a torn final line and
// reports it as a Warning; the next Append truncates it before writing, so
// new lines are never glued to a fragment. An invalid line anywhere before
// the final one is corruption: Load fails with a *CorruptError naming the
// line. Scan, for readers that follow a transcript as it grows (the
// memory's session indexer), passes over invalid lines instead and stops at
// a torn tail or a newer record, to read on later from where it stopped.
//
// The index is rewritten atomically (internal/atomicfile.WriteFile) after
// every Append and Delete. Each entry records how many bytes of the
// transcript it accounts for; when that does not match the transcript (a
// crash between the transcript write and the index update, a truncated torn
// tail, a transcript without an entry), Append recounts the transcript. When
// sessions.json is missing or is not valid JSON, List, Get, Append and Delete
// rebuild it from the transcripts: created and updated come from the first
// and last valid line, the model from the last line that names one, and the
// count from the valid lines. A transcript without valid lines is listed with
// its modification time. An index with a higher version is an error, never
// overwritten.
//
// # Concurrency
//
// Different sessions of one workspace may be written by different
// processes at once. Three locks keep the files consistent, always taken
// in this order:
//
//  1. The session lock, taken by Store.Lock for the whole of a run so that
//     two runs on one session never interleave. Delete refuses a session
//     whose lock is held. It is an open file description lock (fcntl(2),
//     F_OFD_SETLK) on one byte of sessions.lock, chosen by a hash of the
//     id; a process opens sessions.lock once, however many sessions it
//     locks, and excludes its own holders of a byte itself (Store.Lock).
//  2. The transcript itself, locked with flock(2) (via
//     github.com/gofrs/flock) by Append and Delete while they change it,
//     so appends to one session are serialised even without the session
//     lock.
//  3. sessions.json.lock, flock(2)ed while the index is read, rebuilt or
//     replaced.
//
// A flock(2) lock is taken on an open file; after acquiring it the Store
// checks that the path still names that file, and retries otherwise, so
// removing a locked file (as Delete removes a transcript) is safe.
//
// Load reads without locks: run it while holding the session lock to get a
// history no other writer is extending.
//
// # Limits
//
// Limits bounds the length of a line Load accepts (default 16 MiB), the
// encoded size of a message Append accepts (default 8 MiB) and how long
// Append, Delete, List and Get wait for a transcript or index lock
// (default 30 s). Store.Lock waits as long as its context allows.
package sessions
