package memory

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/bulkhead-dev/bulkhead/internal/clip"
)

// Default and largest page sizes of List.
const (
	DefaultListLimit = 100
	MaxListLimit     = 1000
)

// memoryColumns selects a Memory, joined with its embedding's model.
const memoryColumns = `m.id, m.text, m.source, m.tags, m.evergreen, m.created_at, m.updated_at, coalesce(e.model, '')
	FROM memories m LEFT JOIN embeddings e ON e.memory_id = m.id`

// scanMemory reads one row selected with memoryColumns.
func scanMemory(row interface{ Scan(...any) error }) (Memory, error) {
	var (
		m                Memory
		tags             string
		created, updated int64
	)
	if err := row.Scan(&m.ID, &m.Text, &m.Source, &tags, &m.Evergreen, &created, &updated, &m.Model); err != nil {
		return Memory{}, err
	}
	if err := json.Unmarshal([]byte(tags), &m.Tags); err != nil {
		return Memory{}, fmt.Errorf("memory %d: bad tags: %w", m.ID, err)
	}
	if len(m.Tags) == 0 {
		m.Tags = nil
	}
	m.Created, m.Updated = fromMillis(created), fromMillis(updated)
	return m, nil
}

// Get returns memory id. Errors: ErrNotFound, database errors.
func (s *Store) Get(ctx context.Context, id int64) (_ Memory, err error) {
	if err := s.begin(); err != nil {
		return Memory{}, err
	}
	defer s.end(&err)
	m, err := scanMemory(s.db.QueryRowContext(ctx, `SELECT `+memoryColumns+` WHERE m.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Memory{}, fmt.Errorf("%w: id %d", ErrNotFound, id)
	}
	if err != nil {
		return Memory{}, fmt.Errorf("get memory %d: %w", id, err)
	}
	return m, nil
}

// ListOptions selects a page of memories.
type ListOptions struct {
	// Source keeps memories with this exact source, of a form listed at
	// SourceAgent, or, when it ends with ':' ("file:", "session:"), with
	// this source prefix. Empty: all.
	Source string
	// Tag keeps memories with this tag among their Tags. Empty: all.
	Tag string
	// BeforeID keeps memories with smaller ids, for paging: 0 (from the
	// newest) or more.
	BeforeID int64
	// Limit is the page size: 1 to MaxListLimit, or 0 for
	// DefaultListLimit.
	Limit int
}

// List returns memories newest first (by id). Errors: ErrInvalid for a
// Source of no form listed at SourceAgent nor a prefix "file:" or
// "session:", a Limit or BeforeID out of the ranges given at ListOptions
// (naming the field and its value); database errors.
func (s *Store) List(ctx context.Context, o ListOptions) (_ []Memory, err error) {
	if err := s.begin(); err != nil {
		return nil, err
	}
	defer s.end(&err)
	if err := validListSource(o.Source); err != nil {
		return nil, err
	}
	if err := checkFields("ListOptions", []fieldCheck{
		{"Limit", o.Limit, 0 <= o.Limit && o.Limit <= MaxListLimit,
			fmt.Sprintf("1 to %d (0 for the default, %d)", MaxListLimit, DefaultListLimit)},
		{"BeforeID", o.BeforeID, o.BeforeID >= 0, "an id >= 1 (0 for the newest)"},
	}); err != nil {
		return nil, err
	}
	limit := o.Limit
	if limit == 0 {
		limit = DefaultListLimit
	}
	var where []string
	var args []any
	switch {
	case strings.HasSuffix(o.Source, ":"):
		where = append(where, `substr(m.source, 1, ?) = ?`)
		args = append(args, len(o.Source), o.Source)
	case o.Source != "":
		where = append(where, `m.source = ?`)
		args = append(args, o.Source)
	}
	if o.Tag != "" {
		where = append(where, hasTag)
		args = append(args, o.Tag)
	}
	if o.BeforeID > 0 {
		where = append(where, `m.id < ?`)
		args = append(args, o.BeforeID)
	}
	q := `SELECT ` + memoryColumns
	if len(where) > 0 {
		q += ` WHERE ` + strings.Join(where, " AND ")
	}
	q += ` ORDER BY m.id DESC LIMIT ?`
	args = append(args, limit)
	rows, err := s.db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("list memories: %w", err)
	}
	defer rows.Close()
	var out []Memory
	for rows.Next() {
		m, err := scanMemory(rows)
		if err != nil {
			return nil, fmt.Errorf("list memories: %w", err)
		}
		out = append(out, m)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list memories: %w", err)
	}
	return out, nil
}

// validListSource checks ListOptions.Source: empty, a source prefix, or a
// source validSource accepts.
func validListSource(src string) error {
	switch {
	case src == "" || src == SourceFilePrefix || src == SourceSessionPrefix:
		return nil
	case src == SourceAgent || src == SourceAPI || strings.HasPrefix(src, SourceFilePrefix) || strings.HasPrefix(src, SourceSessionPrefix):
		return validSource(src)
	}
	return fmt.Errorf("%w: source %q: want %s, %s, %s<path> or %s<id>, or the prefix %s or %s",
		ErrInvalid, clip.Runes(src, maxEcho), SourceAgent, SourceAPI, SourceFilePrefix, SourceSessionPrefix, SourceFilePrefix, SourceSessionPrefix)
}
