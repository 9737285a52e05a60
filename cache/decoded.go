package cache

import (
	"bytes"
	"sync"

	"github.com/hashicorp/golang-lru/v2/simplelru"
)

// DefaultDecodedBytes is how many bytes of stored values the decoded-value memo keeps when
// Options.DecodedBytes is 0.
const DefaultDecodedBytes = 32 << 20

// decodedMemo remembers, per cache key, the value most recently decoded and the bytes it was
// decoded from. A read that returns the very same bytes reuses the value instead of decoding
// the JSON again: on a warm cache, decoding the same entities on every request was the largest
// single CPU cost of a read (BENCHMARKS.md). The bytes are compared in full, so a changed entry
// (another replica's write, a new TTL period) is always decoded afresh; no hash can collide.
// Reused values are shared between requests, as single-flight results already are, which is
// why loaded values must be treated as immutable.
//
// It is bounded by the total length of the remembered bytes; with the memory store those bytes
// are the store's own slices, so it costs only the decoded values.
type decodedMemo struct {
	mu       sync.Mutex
	lru      *simplelru.LRU[string, decodedEntry]
	size     int // total len(raw) held
	maxBytes int
}

type decodedEntry struct {
	raw []byte
	v   any
}

// newDecodedMemo returns a memo of at most maxBytes of stored bytes; nil (no memo) when
// maxBytes < 0.
func newDecodedMemo(maxBytes int) *decodedMemo {
	if maxBytes < 0 {
		return nil
	}
	if maxBytes == 0 {
		maxBytes = DefaultDecodedBytes
	}
	m := &decodedMemo{maxBytes: maxBytes}
	// The entry bound only backs up the byte bound (a million one-byte values).
	l, err := simplelru.NewLRU(1<<20, func(_ string, e decodedEntry) { m.size -= len(e.raw) })
	if err != nil {
		panic("cache: simplelru.NewLRU: " + err.Error()) // only for a non-positive size
	}
	m.lru = l
	return m
}

// get returns the value decoded from exactly raw under key, if it is remembered.
func (m *decodedMemo) get(key string, raw []byte) (any, bool) {
	if m == nil {
		return nil, false
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.lru.Get(key)
	if !ok || !bytes.Equal(e.raw, raw) {
		return nil, false
	}
	return e.v, true
}

// put remembers v as the decoding of raw under key. Values larger than a sixteenth of the
// budget are not remembered: they would push out everything else.
func (m *decodedMemo) put(key string, raw []byte, v any) {
	if m == nil || len(raw) > m.maxBytes/16 {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lru.Remove(key) // the callback subtracts the old bytes
	m.lru.Add(key, decodedEntry{raw: raw, v: v})
	m.size += len(raw)
	for m.size > m.maxBytes {
		if _, _, ok := m.lru.RemoveOldest(); !ok {
			break
		}
	}
}

// forget drops keys, so an invalidated entry's value is not kept alive until it is evicted.
func (m *decodedMemo) forget(keys []string) {
	if m == nil {
		return
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, k := range keys {
		m.lru.Remove(k)
	}
}
