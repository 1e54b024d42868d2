// Package memory is a workspace's long-term memory: facts an agent or a user
// stored, chunks of the workspace's MEMORY.md and memory/*.md files, and the
// turns of earlier sessions, searchable by keywords and, with an embedding
// provider, by meaning.
//
// Each workspace has its own SQLite database, at the path its owner gives
// Open (bulkhead's runtime, which owns the state layout, uses
// <stateDir>/workspaces/<id>/memory/memory.db): tenants are separated by
// file, not by a WHERE clause. The database uses
// github.com/ncruces/go-sqlite3 (pure Go) with its FTS5 extension, in WAL
// mode with synchronous=FULL: a memory is durable when Store returns. The
// schema is versioned (PRAGMA user_version) and migrated by Open. The
// database's directory is the store's own, mode 0700, and its files are
// mode 0600; no symbolic link is followed from that directory down to
// them, nor a file with a second hard link used (ErrUnsafePath); a
// damaged file fails with ErrDamaged naming it, and is never repaired or
// removed by the store (internal/dbfile). The package's errors are in
// errors.go.
//
// # Search pipeline
//
// Each stage is a small file whose comment cites its source:
//
//  1. Query expansion (internal/textindex: expand.go, lang.go,
//     stopwords/): the query's language is detected by script and stopword
//     evidence (English, Spanish, Portuguese, Chinese, Japanese, Korean,
//     Arabic); stopwords, particles and filler are removed so a
//     conversational question searches for its content words, and a query
//     of stopwords only searches for nothing (PlanQuery shows the
//     expansion).
//  2. Keyword (keyword.go): FTS5 BM25 over the unicode61 tokenizer with
//     diacritics removal, fed text analysed in Go (internal/textindex:
//     analyze.go, stem.go, arabic.go): words Snowball-stemmed in the
//     memory's language (English, Spanish, Portuguese, Arabic), CJK text as
//     overlapping bigrams plus Han unigrams, emoji as words. Queries are
//     analysed the same way, with prefix terms for Spanish and Portuguese
//     verb forms and Katakana loanwords searched as phrases.
//  3. Vector (vector.go, vecindex.go): cosine similarity against the
//     memories embedded by the same model as the query, kept in memory;
//     exhaustive up to Options.ExactVectorLimit vectors, above it a binary
//     sign-bit prefilter and exact rescoring.
//  4. Fusion (fuse.go): weighted sum of normalised scores, or reciprocal rank
//     fusion.
//  5. Temporal decay (decay.go): exponential with a half-life, except for
//     evergreen memories.
//  6. Diversity (mmr.go): Maximal Marginal Relevance re-ranking.
//
// Without an embedding provider the pipeline is keyword-only; that is the
// default. With one (package embedding), memories are embedded when stored
// (through an embedding cache keyed by model and content hash), a failing
// provider leaves them to a background backfill and degrades search to
// keyword-only with a warning, and memories embedded by another model are
// re-embedded rather than compared.
//
// # Agent and user surfaces
//
// ToolSpecs and Store.CallTool serve the agent's memory_store and
// memory_search tools. IndexFiles and IndexSessions (and Watch, which runs
// them on file changes) index a workspace's memory files and the finished
// turns of its transcripts. The bulkhead CLI's memory command opens the
// store through the runtime (runtime.Workspace.OpenMemory), as runs do,
// and prints with the Format functions.
package memory
