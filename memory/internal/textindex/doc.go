// Package textindex is the text analysis of package memory's full-text
// index: it turns a memory into the words SQLite's FTS5 unicode61
// tokenizer indexes (Index), and a conversational query into the terms
// that find them (Expand), the same way for both, in seven languages.
//
// It is pure Go with no state but caches: no database, no I/O. Package
// memory stores Index's output in its FTS5 table and renders a Query's
// Terms as FTS5 query syntax.
//
// # Notes
//
//   - Index is a function of the text alone, and Version names its output
//     format: deleting a row from an FTS5 index names the row's terms, so
//     a change of the analysis must change Version, which makes the store
//     rebuild its index (FuzzIndexReproducible checks the first half).
//   - Languages (DetectLanguage): English, Spanish, Portuguese, Chinese,
//     Japanese, Korean and Arabic; words of other scripts are indexed as
//     they are, lower-cased (Greek also without accents).
//   - Words are stemmed with Snowball (stem.go), CJK runs become
//     overlapping bigrams (analyze.go), Arabic words are normalised and
//     stemmed (arabic.go), emoji become words; stopword lists are embedded
//     (stopwords/). docs/RATIONALE.md, "Keyword stage" and "Query
//     expansion", gives the measurements behind each choice.
package textindex
