package cache

import (
	"context"
	"sync"
	"time"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// DefaultMemoryEntries is the size NewMemory uses when given a size <= 0.
const DefaultMemoryEntries = 10_000

// MemoryMaxBytes bounds the values a memory store holds, whatever their number: entities are a
// few KiB, but a stored response can be hundreds, and 10,000 of those would not fit a replica.
// Least recently used entries go first.
const MemoryMaxBytes = 256 << 20

type memoryEntry struct {
	value   []byte
	expires time.Time // carries a monotonic reading, so wall-clock jumps do not matter
}

type memoryStore struct {
	mu       sync.Mutex
	lru      *simplelru.LRU[string, memoryEntry]
	bytes    int // length of every value held
	maxBytes int
}

// NewMemory returns a per-process Store holding at most maxEntries entries (least recently used
// evicted first; DefaultMemoryEntries when maxEntries <= 0), each expiring after its own TTL.
// It starts no goroutines.
func NewMemory(maxEntries int) Store {
	if maxEntries <= 0 {
		maxEntries = DefaultMemoryEntries
	}
	return newMemory(maxEntries, MemoryMaxBytes)
}

func newMemory(maxEntries, maxBytes int) *memoryStore {
	m := &memoryStore{maxBytes: maxBytes}
	// Called with m.mu held: by Add when it evicts, by Remove and RemoveOldest.
	l, err := simplelru.NewLRU[string, memoryEntry](maxEntries, func(_ string, e memoryEntry) { m.bytes -= len(e.value) })
	if err != nil {
		// Only a non-positive size fails, and that was replaced above.
		panic("cache: simplelru.NewLRU: " + err.Error())
	}
	m.lru = l
	return m
}

// put stores e under k and evicts the least recently used entries while the values are over
// maxBytes. m.mu must be held.
func (m *memoryStore) put(k string, e memoryEntry) {
	m.lru.Remove(k) // a replaced value's bytes are released through the eviction callback
	m.lru.Add(k, e)
	m.bytes += len(e.value)
	for m.bytes > m.maxBytes && m.lru.Len() > 1 {
		m.lru.RemoveOldest()
	}
}

func (m *memoryStore) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	out := make(map[string][]byte, len(keys))
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		e, ok := m.lru.Get(k)
		if !ok {
			continue
		}
		if !now.Before(e.expires) {
			m.lru.Remove(k) // free the slot now rather than waiting for eviction
			continue
		}
		out[k] = e.value
	}
	return out, nil
}

func (m *memoryStore) SetMany(ctx context.Context, entries []Entry) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, e := range entries {
		if e.TTL <= 0 {
			continue
		}
		// Copy: readers get this slice back and the caller may reuse its buffer.
		v := append([]byte(nil), e.Value...)
		m.put(e.Key, memoryEntry{value: v, expires: now.Add(e.TTL)})
	}
	return nil
}

func (m *memoryStore) AddMany(ctx context.Context, entries []Entry) ([]bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	added := make([]bool, len(entries))
	now := time.Now()
	m.mu.Lock()
	defer m.mu.Unlock()
	for i, e := range entries {
		if e.TTL <= 0 {
			continue
		}
		if old, ok := m.lru.Get(e.Key); ok && now.Before(old.expires) {
			continue
		}
		m.put(e.Key, memoryEntry{value: append([]byte(nil), e.Value...), expires: now.Add(e.TTL)})
		added[i] = true
	}
	return added, nil
}

func (m *memoryStore) Delete(ctx context.Context, keys ...string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		m.lru.Remove(k)
	}
	return nil
}

func (m *memoryStore) Ping(ctx context.Context) error { return ctx.Err() }
