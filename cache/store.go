package cache

import (
	"context"
	"time"
)

// Store is the byte-level backend of a Cache.
//
// Implementations must be safe for concurrent use. Values returned by GetMany are read-only to
// the caller; a Value passed to SetMany may be kept. An Entry with TTL <= 0 is not stored: an
// entry that never expires would never be refreshed.
type Store interface {
	// GetMany returns the values of the keys that are present; absent keys are absent from the
	// map. Redis: one MGET.
	GetMany(ctx context.Context, keys []string) (map[string][]byte, error)
	// SetMany stores every entry with its own TTL. Redis: one pipeline of SET key value PX ms.
	SetMany(ctx context.Context, entries []Entry) error
	// AddMany stores each entry only where its key is absent and reports, in order, which were
	// stored. Redis: one pipeline of SET key value NX PX ms.
	AddMany(ctx context.Context, entries []Entry) ([]bool, error)
	// Delete removes the keys. Redis: one UNLINK.
	Delete(ctx context.Context, keys ...string) error
	// Ping reports whether the store answers.
	Ping(ctx context.Context) error
}

// Entry is one value to store.
type Entry struct {
	Key   string
	Value []byte
	TTL   time.Duration
}
