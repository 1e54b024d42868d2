package memory

import (
	"bytes"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"sort"
	"strings"
	"syscall"
	"unicode/utf8"
)

// The memory files of a workspace, relative to its files directory.
const (
	MemoryFileName = "MEMORY.md"
	MemoryDirName  = "memory"
)

// DefaultMaxMemoryFiles bounds the memory/*.md files indexed.
const DefaultMaxMemoryFiles = 1000

// FileIndexStats reports what IndexFiles did.
type FileIndexStats struct {
	Files      int        `json:"files"`      // memory files found
	Indexed    int        `json:"indexed"`    // files (re)indexed because they were new or changed
	Removed    int        `json:"removed"`    // files gone since the last run, their memories deleted
	Skipped    int        `json:"skipped"`    // files left out: too large, not regular, not UTF-8 (text or name), unreadable, over the count limit
	Chunks     int        `json:"chunks"`     // memories written
	Embeddings EmbedStats `json:"embeddings"` // of the memories written
}

// IndexFiles brings the memories of a workspace's memory files (MEMORY.md
// and memory/*.md under filesDir) up to date: a new or changed file is split
// into chunks (see chunkMarkdown) that replace its earlier memories, with
// source "file:<path>" and marked evergreen, and the memories of a file that
// is gone are deleted. A missing filesDir counts as no files.
//
// # Notes
//
//   - A file is recognised as unchanged by its SHA-256 recorded in the
//     database; unchanged chunks of a changed file reuse their cached
//     embeddings.
//   - The files directory belongs to the tenant, so it is read through
//     os.Root: a symbolic link leading outside it is not followed.
//   - Files that are not regular, larger than Limits.MaxFileBytes, not valid
//     UTF-8, named other than a file source allows (see validSource), or
//     beyond the first Limits.MaxFiles (by name) are skipped with a warning
//     and keep no memories.
func (s *Store) IndexFiles(ctx context.Context, filesDir string) (_ FileIndexStats, err error) {
	if err := s.begin(); err != nil {
		return FileIndexStats{}, err
	}
	defer s.end(&err)
	var st FileIndexStats
	found := map[string][]byte{} // source → content of the files read
	root, err := os.OpenRoot(filesDir)
	switch {
	case errors.Is(err, fs.ErrNotExist):
	case err != nil:
		return st, fmt.Errorf("index memory files: %w", err)
	default:
		defer root.Close()
		names := memoryFileNames(root)
		st.Files = len(names)
		if len(names) > s.opts.Limits.MaxFiles {
			st.Skipped += len(names) - s.opts.Limits.MaxFiles
			s.opts.Logger.Warn().Int("files", len(names)).Int("limit", s.opts.Limits.MaxFiles).Msg("memory: too many memory files; indexing the first by name")
			names = names[:s.opts.Limits.MaxFiles]
		}
		for _, name := range names {
			data, err := readRegular(root, name, s.opts.Limits.MaxFileBytes)
			if err == nil && !utf8.Valid(data) {
				err = errors.New("not valid UTF-8")
			}
			if err == nil {
				err = validSource(SourceFilePrefix + name) // a name not UTF-8 or with control characters
			}
			if err != nil {
				st.Skipped++
				s.opts.Logger.Warn().Err(err).Str("file", name).Msg("memory: memory file skipped")
				continue
			}
			found[SourceFilePrefix+name] = data
		}
	}
	known, err := s.indexStates(ctx, SourceFilePrefix)
	if err != nil {
		return st, err
	}
	for src, data := range found {
		hash := contentHash(string(data))
		if old, ok := known[src]; ok && bytes.Equal(old, hash) {
			continue
		}
		n, e, err := s.replaceSource(ctx, src, chunkMarkdown(string(data), DefaultChunkChars), hash, int64(len(data)))
		if err != nil {
			return st, err
		}
		st.Indexed++
		st.Chunks += n
		st.Embeddings = st.Embeddings.Add(e)
	}
	for src := range known {
		if _, ok := found[src]; ok {
			continue
		}
		if err := s.inTx(ctx, func(tx *sql.Tx) error { return s.forgetSource(ctx, tx, src) }); err != nil {
			return st, fmt.Errorf("remove memories of %s: %w", src, err)
		}
		st.Removed++
	}
	return st, nil
}

// memoryFileNames lists MEMORY.md and memory/*.md under root, sorted.
func memoryFileNames(root *os.Root) []string {
	var names []string
	if _, err := root.Lstat(MemoryFileName); err == nil {
		names = append(names, MemoryFileName)
	}
	if d, err := root.Open(MemoryDirName); err == nil {
		entries, _ := d.ReadDir(-1)
		d.Close()
		for _, e := range entries {
			if strings.HasSuffix(e.Name(), ".md") {
				names = append(names, path.Join(MemoryDirName, e.Name()))
			}
		}
	}
	sort.Strings(names)
	return names
}

// readRegular reads name under root if it is a regular file with one link
// and at most max bytes. It opens without blocking, so a FIFO planted in place of a file
// cannot stall the indexer.
func readRegular(root *os.Root, name string, max int64) ([]byte, error) {
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Errorf("not a regular file (%s)", fi.Mode().Type())
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && st.Nlink > 1 {
		// A second name for a file that may live outside the workspace,
		// such as another tenant's; the guest's file tools refuse these too.
		return nil, fmt.Errorf("the file has %d hard links", st.Nlink)
	}
	if fi.Size() > max {
		return nil, fmt.Errorf("%d bytes exceed the %d-byte limit", fi.Size(), max)
	}
	data, err := io.ReadAll(io.LimitReader(f, max+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > max {
		return nil, fmt.Errorf("more than %d bytes", max)
	}
	return data, nil
}

// replaceSource replaces the memories of src by chunks (evergreen) and
// records hash and position as its index state, in one transaction. It
// returns the number of memories written.
func (s *Store) replaceSource(ctx context.Context, src string, chunks []string, hash []byte, position int64) (int, EmbedStats, error) {
	ms := make([]NewMemory, 0, len(chunks))
	texts := make([]string, 0, len(chunks))
	for _, c := range chunks {
		m := NewMemory{Text: c, Source: src, Evergreen: true}
		if err := m.normalize(s.opts.Limits); err != nil {
			continue
		}
		ms = append(ms, m)
		texts = append(texts, m.Text)
	}
	e := s.embedDocuments(ctx, texts)
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.deleteSource(ctx, tx, src); err != nil {
			return err
		}
		if _, err := s.insert(ctx, tx, ms, e, nil); err != nil {
			return err
		}
		return setIndexState(ctx, tx, src, position, hash)
	})
	if err != nil {
		return 0, EmbedStats{}, fmt.Errorf("index %s: %w", src, err)
	}
	return len(ms), e.stats, nil
}

// indexStates returns the recorded hash of every indexed source with the
// given prefix.
func (s *Store) indexStates(ctx context.Context, prefix string) (map[string][]byte, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT source, hash FROM index_state WHERE substr(source, 1, ?) = ?`, len(prefix), prefix)
	if err != nil {
		return nil, fmt.Errorf("read index state: %w", err)
	}
	defer rows.Close()
	out := map[string][]byte{}
	for rows.Next() {
		var (
			src  string
			hash []byte
		)
		if err := rows.Scan(&src, &hash); err != nil {
			return nil, fmt.Errorf("read index state: %w", err)
		}
		out[src] = hash
	}
	return out, rows.Err()
}

// setIndexState records how far source has been indexed.
func setIndexState(ctx context.Context, tx *sql.Tx, src string, position int64, hash []byte) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO index_state(source, position, hash) VALUES (?, ?, ?)
		ON CONFLICT(source) DO UPDATE SET position = excluded.position, hash = excluded.hash`, src, position, hash)
	return err
}

// forgetSource deletes the memories and index state of src.
func (s *Store) forgetSource(ctx context.Context, tx *sql.Tx, src string) error {
	if err := s.deleteSource(ctx, tx, src); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `DELETE FROM index_state WHERE source = ?`, src)
	return err
}
