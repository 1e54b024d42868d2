package memory

import (
	"container/list"
	"sync"
)

// queryCache is a small in-memory LRU of query vectors, keyed by model and
// query text. Queries are not cached in the database: a lookup there would
// need a write (to mark the entry used) on every search.
type queryCache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *queryEntry, most recently used first
	byKey map[string]*list.Element
}

type queryEntry struct {
	key string
	vec []float32
}

func newQueryCache(max int) *queryCache {
	return &queryCache{max: max, order: list.New(), byKey: map[string]*list.Element{}}
}

func (c *queryCache) get(key string) ([]float32, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.byKey[key]
	if !ok {
		return nil, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*queryEntry).vec, true
}

func (c *queryCache) put(key string, vec []float32) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.byKey[key]; ok {
		el.Value.(*queryEntry).vec = vec
		c.order.MoveToFront(el)
		return
	}
	c.byKey[key] = c.order.PushFront(&queryEntry{key: key, vec: vec})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.byKey, last.Value.(*queryEntry).key)
	}
}
