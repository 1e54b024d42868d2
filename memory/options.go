package memory

import (
	"cmp"
	"fmt"
	"time"

	"github.com/rs/zerolog"

	"github.com/bulkhead-dev/bulkhead/memory/embedding"
)

// Default limits and settings; see Limits and Options.
const (
	DefaultMaxMemoryBytes    = 1 << 20 // 1 MiB of UTF-8 per memory
	DefaultMaxQueryChars     = 10_000  // characters (runes) per query
	DefaultMaxTags           = 32
	DefaultMaxTagBytes       = 64
	DefaultMaxResults        = 100    // results one search may return
	DefaultMaxBatch          = 10_000 // memories per StoreBatch
	DefaultKeywordBudget     = 500    // matching rows one query scores with BM25
	DefaultMaxFileBytes      = 4 << 20
	DefaultEmbedConcurrency  = 2
	DefaultEmbedCacheEntries = 10_000
	DefaultBusyTimeout       = 10 * time.Second
	DefaultMaxConns          = 4
	DefaultExactVectorLimit  = 4_096 // vectors scanned exactly before the binary prefilter is used
	DefaultMaxQueryTerms     = 32    // full-text terms one query expands to
)

// Limits bounds what a Store accepts and how much work a search may do. A
// zero field takes its Default* value; Open refuses a negative one with
// ErrInvalid.
type Limits struct {
	MaxMemoryBytes int // bytes of text per memory
	MaxQueryChars  int // characters per query
	MaxTags        int // tags per memory
	MaxTagBytes    int // bytes per tag
	MaxResults     int // results per search
	MaxBatch       int // memories per StoreBatch
	MaxQueryTerms  int // full-text terms per query (DefaultMaxQueryTerms)
	// KeywordBudget bounds the rows the keyword stage scores. BM25 costs a
	// few microseconds per matching row in this SQLite build, so a query
	// whose terms match more rows drops its most common terms (which add
	// least to BM25) and, if one term alone matches more, scores its newest
	// KeywordBudget rows (see keywordSearch).
	KeywordBudget int
	MaxFileBytes  int64 // bytes per file the file indexer reads
	MaxFiles      int   // memory files the file indexer reads (DefaultMaxMemoryFiles)
}

func (l Limits) withDefaults() Limits {
	l.MaxMemoryBytes = cmp.Or(l.MaxMemoryBytes, DefaultMaxMemoryBytes)
	l.MaxQueryChars = cmp.Or(l.MaxQueryChars, DefaultMaxQueryChars)
	l.MaxTags = cmp.Or(l.MaxTags, DefaultMaxTags)
	l.MaxTagBytes = cmp.Or(l.MaxTagBytes, DefaultMaxTagBytes)
	l.MaxResults = cmp.Or(l.MaxResults, DefaultMaxResults)
	l.MaxBatch = cmp.Or(l.MaxBatch, DefaultMaxBatch)
	l.MaxQueryTerms = cmp.Or(l.MaxQueryTerms, DefaultMaxQueryTerms)
	l.KeywordBudget = cmp.Or(l.KeywordBudget, DefaultKeywordBudget)
	l.MaxFiles = cmp.Or(l.MaxFiles, DefaultMaxMemoryFiles)
	l.MaxFileBytes = cmp.Or(l.MaxFileBytes, DefaultMaxFileBytes)
	return l
}

// Options configures a Store. The zero value is a keyword-only store with
// the default limits. A zero number takes its default; Open refuses a
// negative one, and a Search out of the ranges given at SearchOptions, with
// ErrInvalid.
type Options struct {
	// Embedder, when set, embeds every memory and query and enables the
	// vector stage. Without it search is keyword-only.
	Embedder embedding.Embedder
	// EmbedBatchSize is the number of texts per embedding request (default
	// and cap: Embedder.MaxBatch()); EmbedConcurrency the number of
	// requests in flight (default DefaultEmbedConcurrency).
	EmbedBatchSize   int
	EmbedConcurrency int // see EmbedBatchSize
	// EmbedCacheEntries bounds the embedding cache, which keeps the vectors
	// of deleted and changed memories, evicting the least recently used
	// entries (default DefaultEmbedCacheEntries). Stored memories' vectors
	// are reused without it.
	EmbedCacheEntries int
	// DisableBackfill stops Open from embedding, in the background, the
	// memories that have no vector of the Embedder's model (stored while the
	// provider failed, or under another model). EmbedPending does the same
	// on demand.
	DisableBackfill bool
	// ExactVectorLimit is the number of vectors of one model up to which the
	// vector stage compares the query with every vector; above it, a binary
	// (sign-bit) prefilter picks candidates that are then scored exactly
	// (default DefaultExactVectorLimit).
	ExactVectorLimit int

	Limits Limits // input and work limits
	// Search holds the defaults for SearchOptions fields left zero.
	Search SearchOptions

	BusyTimeout time.Duration // SQLite busy timeout (default DefaultBusyTimeout)
	MaxConns    int           // open SQLite connections (default DefaultMaxConns)

	// Logger receives warnings (a failing embedding provider, a skipped
	// file). The zero Logger discards them.
	Logger zerolog.Logger
	// Now is the clock (default time.Now), for tests of temporal decay.
	Now func() time.Time
}

// validate returns an ErrInvalid error naming the first field of o that is
// negative or, in o.Search, out of the ranges given at SearchOptions.
func (o Options) validate() error {
	l := o.Limits
	err := checkFields("Options", []fieldCheck{
		{"Limits.MaxMemoryBytes", l.MaxMemoryBytes, l.MaxMemoryBytes >= 0, nonNegative},
		{"Limits.MaxQueryChars", l.MaxQueryChars, l.MaxQueryChars >= 0, nonNegative},
		{"Limits.MaxTags", l.MaxTags, l.MaxTags >= 0, nonNegative},
		{"Limits.MaxTagBytes", l.MaxTagBytes, l.MaxTagBytes >= 0, nonNegative},
		{"Limits.MaxResults", l.MaxResults, l.MaxResults >= 0, nonNegative},
		{"Limits.MaxBatch", l.MaxBatch, l.MaxBatch >= 0, nonNegative},
		{"Limits.MaxQueryTerms", l.MaxQueryTerms, l.MaxQueryTerms >= 0, nonNegative},
		{"Limits.KeywordBudget", l.KeywordBudget, l.KeywordBudget >= 0, nonNegative},
		{"Limits.MaxFileBytes", l.MaxFileBytes, l.MaxFileBytes >= 0, nonNegative},
		{"Limits.MaxFiles", l.MaxFiles, l.MaxFiles >= 0, nonNegative},
		{"EmbedBatchSize", o.EmbedBatchSize, o.EmbedBatchSize >= 0, nonNegative},
		{"EmbedConcurrency", o.EmbedConcurrency, o.EmbedConcurrency >= 0, nonNegative},
		{"EmbedCacheEntries", o.EmbedCacheEntries, o.EmbedCacheEntries >= 0, nonNegative},
		{"ExactVectorLimit", o.ExactVectorLimit, o.ExactVectorLimit >= 0, nonNegative},
		{"BusyTimeout", o.BusyTimeout, o.BusyTimeout >= 0, "a duration >= 0 (0 for the default)"},
		{"MaxConns", o.MaxConns, o.MaxConns >= 0, nonNegative},
	})
	if err != nil {
		return err
	}
	return o.Search.validate("Options.Search")
}

// nonNegative is what an option that is a count wants.
const nonNegative = "a number >= 0 (0 for the default)"

// fieldCheck is the check of one field of an options struct: its name, its
// value as shown in an error, whether the value is valid and, if not, what
// is wanted.
type fieldCheck struct {
	name  string
	value any
	ok    bool
	want  string
}

// checkFields returns an ErrInvalid error for the first check that failed,
// naming the field as structName.name.
func checkFields(structName string, checks []fieldCheck) error {
	for _, c := range checks {
		if !c.ok {
			return fmt.Errorf("%w: %s.%s %v: want %s", ErrInvalid, structName, c.name, c.value, c.want)
		}
	}
	return nil
}

func (o Options) withDefaults() Options {
	o.Limits = o.Limits.withDefaults()
	o.EmbedConcurrency = cmp.Or(o.EmbedConcurrency, DefaultEmbedConcurrency)
	if o.Embedder != nil && (o.EmbedBatchSize <= 0 || o.EmbedBatchSize > o.Embedder.MaxBatch()) {
		o.EmbedBatchSize = o.Embedder.MaxBatch()
	}
	o.EmbedCacheEntries = cmp.Or(o.EmbedCacheEntries, DefaultEmbedCacheEntries)
	o.ExactVectorLimit = cmp.Or(o.ExactVectorLimit, DefaultExactVectorLimit)
	o.BusyTimeout = cmp.Or(o.BusyTimeout, DefaultBusyTimeout)
	o.MaxConns = cmp.Or(o.MaxConns, DefaultMaxConns)
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}
