package cache

import (
	"context"
	"encoding/json"
)

// Prime writes values the caller already holds (objects that came embedded in another
// upstream answer) as entries of type t, in one SetMany through the breaker, so the next read
// of them is a hit instead of an upstream call. Like every write it never fails a request: a
// failure is counted and logged. Values that do not encode are skipped.
func Prime[K comparable, V any](ctx context.Context, c *Cache, t Type, keyOf func(K) string, values map[K]V) {
	if t.TTL <= 0 || len(values) == 0 {
		return
	}
	// The caller holds values no entry stood for when it got them: a response built from them is
	// not cached (deps.go); the next one, read from these entries, is.
	Untracked(ctx)
	st := c.stats(t.Name)
	entries := make([]Entry, 0, len(values))
	for k, v := range values {
		b, err := json.Marshal(v)
		if err != nil {
			st.errors.Add(1)
			continue
		}
		entries = append(entries, Entry{Key: c.Key(t, keyOf(k)), Value: b, TTL: t.expiry(t.TTL)})
	}
	c.write(ctx, st, entries)
}
