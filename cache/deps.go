package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// Stamps make whole responses cacheable (response.go) without tracking which responses hold
// which entity. Every entry key has a stamp key beside it holding a random token. Invalidate
// replaces the token after deleting the entry. A response remembers the token of every entry
// it was built from, read in the same GetMany as the entry itself; it is served again only
// while every one of those stamps still holds the token remembered. An invalidation between
// the read and the response's write changes a stamp, so that response is never served. A
// missing stamp never validates: a stamp evicted or expired costs a miss, never a stale answer.

// stampTTL is how long a stamp lives without being invalidated; a response whose stamp
// expired is a miss, so this only bounds memory.
const stampTTL = time.Hour

// stampKey returns the stamp key of an entry key of c.
func (c *Cache) stampKey(entryKey string) string {
	return c.prefix + "stamp:" + entryKey[len(c.prefix):]
}

// newStamp returns a fresh random token.
func newStamp() []byte {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return []byte(hex.EncodeToString(b))
}

// Deps records what one response is built from: the stamp of every cache entry read for it and
// the shortest lifetime among them. A response that used anything else (an upstream answer not
// read back from an entry, an entry the store could not give) is marked untracked and is not
// cached. Safe for concurrent use by one request's resolvers.
type Deps struct {
	mu        sync.Mutex
	stamps    map[string][]byte // stamp key without the cache prefix -> token seen
	ttl       time.Duration     // shortest lifetime of the entries read; 0 = none read
	untracked bool
}

// NewDeps returns an empty record.
func NewDeps() *Deps { return &Deps{stamps: map[string][]byte{}} }

type depsKey struct{}

// WithDeps makes every cache read under ctx record into d.
func WithDeps(ctx context.Context, d *Deps) context.Context {
	return context.WithValue(ctx, depsKey{}, d)
}

func depsFrom(ctx context.Context) *Deps {
	d, _ := ctx.Value(depsKey{}).(*Deps)
	return d
}

// Untracked marks the response being built under ctx, if any, as holding data that no cache
// entry stands for (an upstream call made outside Batch), so it is not cached.
func Untracked(ctx context.Context) {
	if d := depsFrom(ctx); d != nil {
		d.mu.Lock()
		d.untracked = true
		d.mu.Unlock()
	}
}

// seen records stamps read with entries of a type whose entries live ttl.
func (d *Deps) seen(stamps map[string][]byte, ttl time.Duration) {
	d.mu.Lock()
	defer d.mu.Unlock()
	for k, v := range stamps {
		if old, ok := d.stamps[k]; ok && string(old) != string(v) {
			d.untracked = true // changed during the request: the parts may disagree
		}
		d.stamps[k] = v
	}
	if d.ttl == 0 || ttl < d.ttl {
		d.ttl = ttl
	}
}

// snapshot returns the stamps and lifetime, or ok false when the response must not be cached.
func (d *Deps) snapshot() (stamps map[string][]byte, ttl time.Duration, ok bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.untracked || d.ttl <= 0 || len(d.stamps) == 0 {
		return nil, 0, false
	}
	return d.stamps, d.ttl, true
}

// readStamps is the part of a Batch read that records into d: got holds what one GetMany of the
// entries and their stamp keys returned. Stamps that do not exist yet are created (only where
// absent, so an invalidation racing this read wins); any the store refuses, or that another
// writer created first, mark the response untracked.
func (c *Cache) readStamps(ctx context.Context, d *Deps, st *typeCounters, stampKeys []string, got map[string][]byte, ttl time.Duration) {
	seen := make(map[string][]byte, len(stampKeys))
	var create []Entry
	for _, sk := range stampKeys {
		if v, ok := got[sk]; ok {
			seen[sk[len(c.prefix):]] = v
			continue
		}
		create = append(create, Entry{Key: sk, Value: newStamp(), TTL: stampTTL})
	}
	if len(create) > 0 {
		added, err := c.store.AddMany(ctx, create)
		if err != nil {
			st.errors.Add(1)
			Untracked(ctx)
			return
		}
		for i, e := range create {
			if !added[i] {
				Untracked(ctx)
				return
			}
			seen[e.Key[len(c.prefix):]] = e.Value
		}
	}
	d.seen(seen, ttl)
}
