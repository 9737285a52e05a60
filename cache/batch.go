package cache

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"sync/atomic"

	"github.com/graph-gophers/dataloader/v7"

	"custgraph/reqlog"
)

// negativeMarker is the stored value of a not-found entry; it is never valid JSON.
const negativeMarker = '!'

// flight is one key being fetched by some batch in this process.
type flight struct {
	done chan struct{} // closed when res and abandoned are set
	res  any           // *dataloader.Result[V] of the fetching batch
	// abandoned: the fetching batch's context ended or its batch function panicked, so its
	// result is not one a waiter should inherit.
	abandoned bool
	stale     atomic.Bool // invalidated while in flight: do not write the result
}

// Batch wraps a dataloader batch function with read-through caching of type t.
//
// Per call: one GetMany for all keys; ONE call of next with only the misses that no concurrent
// batch is already fetching (none when all hit); one SetMany of what next returned (found values
// JSON-encoded with t.TTL; errors for which isNotFound is true as negative entries with
// t.NegativeTTL; other errors not cached); results in key order. A negative hit returns
// notFound(key). If notFound or isNotFound is nil, nothing is negatively cached. keyOf gives the
// id part of the cache key.
//
// Keys missing here but being fetched by another batch are waited for (bounded by ctx) instead of
// fetched again. When the store fails or the breaker is open, next is called for all keys and the
// batch succeeds: the cache never fails a request.
func Batch[K comparable, V any](c *Cache, t Type, keyOf func(K) string, notFound func(K) error,
	isNotFound func(error) bool, next dataloader.BatchFunc[K, V]) dataloader.BatchFunc[K, V] {
	b := &batcher[K, V]{
		c: c, t: t, keyOf: keyOf, notFound: notFound, isNotFound: isNotFound, next: next,
		negative: notFound != nil && isNotFound != nil && t.NegativeTTL > 0,
	}
	return b.load
}

type batcher[K comparable, V any] struct {
	c          *Cache
	t          Type
	keyOf      func(K) string
	notFound   func(K) error
	isNotFound func(error) bool
	next       dataloader.BatchFunc[K, V]
	negative   bool // write negative entries
}

func (b *batcher[K, V]) load(ctx context.Context, keys []K) []*dataloader.Result[V] {
	out := make([]*dataloader.Result[V], len(keys))
	if len(keys) == 0 {
		return out
	}
	st := b.c.stats(b.t.Name)

	// Distinct cache keys, each with the first K that produced it; slot maps positions to them.
	ck := make([]string, 0, len(keys))
	rep := make([]K, 0, len(keys))
	slot := make([]int, len(keys))
	seen := make(map[string]int, len(keys))
	for i, k := range keys {
		key := b.c.Key(b.t, b.keyOf(k))
		j, ok := seen[key]
		if !ok {
			j = len(ck)
			seen[key] = j
			ck = append(ck, key)
			rep = append(rep, k)
		}
		slot[i] = j
	}

	res := make([]*dataloader.Result[V], len(ck))
	var got map[string][]byte
	readOK := false
	deps := depsFrom(ctx)
	if b.t.TTL > 0 {
		read := ck
		var stamps []string
		if deps != nil { // a response is being built for the response cache: read the stamps too
			stamps = make([]string, len(ck))
			for j, k := range ck {
				stamps[j] = b.c.stampKey(k)
			}
			read = append(slices.Clip(ck), stamps...)
		}
		got, readOK = b.c.read(ctx, st, read)
		if deps != nil && readOK {
			b.c.readStamps(ctx, deps, st, stamps, got, b.t.TTL)
		}
	} else {
		st.bypassed.Add(uint64(len(ck)))
	}
	if deps != nil && !readOK {
		Untracked(ctx) // the stamps could not be read
	}
	var miss []int
	for j, key := range ck {
		if raw, ok := got[key]; ok {
			if r := b.decode(ctx, rep[j], key, raw, st); r != nil {
				res[j] = r
				continue
			}
		}
		if readOK {
			st.misses.Add(1)
		}
		miss = append(miss, j)
	}
	reqlog.From(ctx).CacheLookups(len(ck)-len(miss), len(miss))
	if len(miss) > 0 {
		// Write only after a successful read: a failed read means the store is unwell, and a
		// write would only add latency.
		b.fill(ctx, st, ck, rep, res, miss, readOK)
	}
	for i := range keys {
		out[i] = res[slot[i]]
	}
	if deps != nil {
		b.recordMissing(ctx, deps, res)
	}
	return out
}

// recordMissing shortens the response's lifetime to the negative TTL when some key was not
// found (a response must not outlive the "not found" it shows), and marks it untracked when a
// key failed otherwise.
func (b *batcher[K, V]) recordMissing(ctx context.Context, deps *Deps, res []*dataloader.Result[V]) {
	notFound := false
	for _, r := range res {
		if r == nil || r.Error == nil {
			continue
		}
		if !b.negative || !b.isNotFound(r.Error) {
			Untracked(ctx)
			return
		}
		notFound = true
	}
	if notFound {
		deps.seen(nil, b.t.NegativeTTL)
	}
}

// decode turns a stored value into a result, or nil when it must be treated as a miss. The same
// bytes read again under the same key reuse the value decoded last time (decoded.go).
func (b *batcher[K, V]) decode(ctx context.Context, k K, key string, raw []byte, st *typeCounters) *dataloader.Result[V] {
	if len(raw) == 1 && raw[0] == negativeMarker {
		if b.notFound == nil {
			return nil // cannot rebuild the error: fetch instead
		}
		st.negativeHits.Add(1)
		return &dataloader.Result[V]{Error: b.notFound(k)}
	}
	if m, ok := b.c.decoded.get(key, raw); ok {
		if v, ok := m.(V); ok {
			st.hits.Add(1)
			return &dataloader.Result[V]{Data: v}
		}
	}
	var v V
	if err := json.Unmarshal(raw, &v); err != nil {
		st.errors.Add(1)
		b.c.log.DebugContext(ctx, "cache entry does not decode; refetching", "type", b.t.Name, "error", err)
		return nil
	}
	b.c.decoded.put(key, raw, v)
	st.hits.Add(1)
	return &dataloader.Result[V]{Data: v}
}

// fill resolves the missing positions: it claims keys nobody is fetching, calls next once for
// them, then waits for the keys other batches are fetching.
func (b *batcher[K, V]) fill(ctx context.Context, st *typeCounters, ck []string, rep []K,
	res []*dataloader.Result[V], miss []int, write bool) {
	c := b.c
	var own, wait []int
	var ownF, waitF []*flight
	c.mu.Lock()
	for _, j := range miss {
		if f, ok := c.flights[ck[j]]; ok {
			wait = append(wait, j)
			waitF = append(waitF, f)
			continue
		}
		f := &flight{done: make(chan struct{})}
		c.flights[ck[j]] = f
		own = append(own, j)
		ownF = append(ownF, f)
	}
	c.mu.Unlock()

	// Fetch our own keys before waiting, so two batches waiting on each other's keys cannot
	// deadlock: every flight is completed before its owner waits for anything.
	if len(own) > 0 {
		b.fetchOwn(ctx, st, ck, rep, res, own, ownF, write)
	}

	var retry []int
	for x, j := range wait {
		f := waitF[x]
		select {
		case <-f.done:
		default:
			select {
			case <-f.done:
			case <-ctx.Done():
				res[j] = &dataloader.Result[V]{Error: ctx.Err()}
				continue
			}
		}
		if r, ok := f.res.(*dataloader.Result[V]); ok && !f.abandoned {
			res[j] = r
			st.coalesced.Add(1)
			continue
		}
		retry = append(retry, j)
	}
	if len(retry) > 0 {
		// Rare: the batch we waited for was cancelled or panicked. Fetch with our own context;
		// not cached, the next miss will be.
		r := b.callNext(ctx, pick(rep, retry))
		for x, j := range retry {
			res[j] = r[x]
		}
	}
}

func (b *batcher[K, V]) fetchOwn(ctx context.Context, st *typeCounters, ck []string, rep []K,
	res []*dataloader.Result[V], own []int, ownF []*flight, write bool) {
	c := b.c
	defer func() {
		c.mu.Lock()
		for x, j := range own {
			if c.flights[ck[j]] == ownF[x] { // Invalidate may have replaced it
				delete(c.flights, ck[j])
			}
		}
		c.mu.Unlock()
	}()
	published := false
	defer func() {
		if !published { // next panicked: release the waiters to fetch for themselves
			for _, f := range ownF {
				f.abandoned = true
				close(f.done)
			}
		}
	}()

	r := b.callNext(ctx, pick(rep, own))
	abandoned := ctx.Err() != nil
	for x, j := range own {
		res[j] = r[x]
		ownF[x].res = r[x]
		ownF[x].abandoned = abandoned
		close(ownF[x].done)
	}
	published = true

	if !write {
		return
	}
	// Waiters already have their results; the flights stay registered until the write is done
	// so a batch arriving meanwhile joins them instead of missing and refetching.
	entries := make([]Entry, 0, len(own))
	for x, j := range own {
		if ownF[x].stale.Load() {
			continue
		}
		switch rr := r[x]; {
		case rr.Error == nil:
			v, err := json.Marshal(rr.Data)
			if err != nil {
				st.errors.Add(1)
				c.log.DebugContext(ctx, "cache value does not encode; not cached", "type", b.t.Name, "error", err)
				continue
			}
			entries = append(entries, Entry{Key: ck[j], Value: v, TTL: b.t.expiry(b.t.TTL)})
		case b.negative && b.isNotFound(rr.Error):
			entries = append(entries, Entry{Key: ck[j], Value: []byte{negativeMarker}, TTL: b.t.expiry(b.t.NegativeTTL)})
		}
	}
	c.write(ctx, st, entries)
}

// callNext calls next and enforces the dataloader contract (one non-nil result per key), so a
// faulty batch function yields per-key errors instead of a panic or a short slice.
func (b *batcher[K, V]) callNext(ctx context.Context, keys []K) []*dataloader.Result[V] {
	r := b.next(ctx, keys)
	if len(r) != len(keys) {
		err := fmt.Errorf("cache: %s batch function returned %d results for %d keys", b.t.Name, len(r), len(keys))
		r = make([]*dataloader.Result[V], len(keys))
		for i := range r {
			r[i] = &dataloader.Result[V]{Error: err}
		}
		return r
	}
	for i, x := range r {
		if x == nil {
			r[i] = &dataloader.Result[V]{Error: fmt.Errorf("cache: %s batch function returned no result for a key", b.t.Name)}
		}
	}
	return r
}

func pick[K any](all []K, idx []int) []K {
	out := make([]K, len(idx))
	for x, j := range idx {
		out[x] = all[j]
	}
	return out
}
