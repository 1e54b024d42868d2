package memory

import (
	"context"
	"fmt"

	"github.com/bulkhead-dev/bulkhead/internal/clip"
)

// hasTag is the SQL condition that memory m (the memories row) has the
// tag bound to its parameter among its tags, a JSON array
// (https://sqlite.org/json1.html#jeach).
const hasTag = `EXISTS (SELECT 1 FROM json_each(m.tags) WHERE json_each.value = ?)`

// taggedIDs returns the ids of the memories with tag.
func (s *Store) taggedIDs(ctx context.Context, tag string) (map[int64]bool, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT m.id FROM memories m WHERE `+hasTag, tag)
	if err != nil {
		return nil, fmt.Errorf("memories tagged %q: %w", clip.Runes(tag, maxEcho), err)
	}
	defer rows.Close()
	ids := map[int64]bool{}
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("memories tagged %q: %w", clip.Runes(tag, maxEcho), err)
		}
		ids[id] = true
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("memories tagged %q: %w", clip.Runes(tag, maxEcho), err)
	}
	return ids, nil
}
