package cache

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/graph-gophers/dataloader/v7"
)

// BenchmarkBatch measures one Batch of 100 keys: warm (all hits) and cold (all misses, next
// answers at once, so the cost is the lookup plus the write), against the shared Redis and the
// memory store.
//
//	go test -run '^$' -bench . -benchmem ./cache/
func BenchmarkBatch(b *testing.B) {
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = strconv.Itoa(100000 + i)
	}
	typ := Type{Name: "customer", TTL: 10 * time.Minute, NegativeTTL: time.Minute, Jitter: 0.1}
	records := make(map[string]entity, len(ids))
	for _, id := range ids {
		records[id] = wantEntity(id)
	}
	// next answers at once and allocates only what any batch function must: the results.
	next := func(_ context.Context, keys []string) []*dataloader.Result[entity] {
		out := make([]*dataloader.Result[entity], len(keys))
		for i, k := range keys {
			out[i] = &dataloader.Result[entity]{Data: records[k]}
		}
		return out
	}
	for _, sf := range storeFactories() {
		b.Run(sf.name+"/warm", func(b *testing.B) {
			c := newCache(b, sf.make(b), Options{Namespace: testNamespace(b)})
			load := Batch(c, typ, identity, notFound, isNotFound, next)
			ctx := b.Context()
			load(ctx, ids)
			b.ReportAllocs()
			for b.Loop() {
				load(ctx, ids)
			}
			if st := c.Stats()[typ.Name]; st.Misses != uint64(len(ids)) {
				b.Fatalf("warm run missed: %+v", st)
			}
		})
		b.Run(sf.name+"/cold", func(b *testing.B) {
			c := newCache(b, sf.make(b), Options{Namespace: testNamespace(b)})
			load := Batch(c, typ, identity, notFound, isNotFound, next)
			ctx := b.Context()
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				if err := c.Invalidate(ctx, typ, ids...); err != nil {
					b.Fatal(err)
				}
				b.StartTimer()
				load(ctx, ids)
			}
			if st := c.Stats()[typ.Name]; st.Hits != 0 {
				b.Fatalf("cold run hit: %+v", st)
			}
		})
	}
}

// BenchmarkResponse measures serving a stored response the size of the load tool's list-50
// answer (43 KB) built from 250 entries (its page, 50 customers, their category and group
// references, 20 categories and 30 groups, with some to spare): the response read, then one read
// of its 250 stamps, against the shared Redis and the memory store.
//
//	go test -run '^$' -bench Response -benchmem ./cache/
func BenchmarkResponse(b *testing.B) {
	ids := make([]string, 250)
	for i := range ids {
		ids[i] = strconv.Itoa(100000 + i)
	}
	typ := Type{Name: "customer", TTL: 10 * time.Minute}
	next := func(_ context.Context, keys []string) []*dataloader.Result[entity] {
		out := make([]*dataloader.Result[entity], len(keys))
		for i, k := range keys {
			out[i] = &dataloader.Result[entity]{Data: wantEntity(k)}
		}
		return out
	}
	data := make([]byte, 43_000)
	for i := range data {
		data[i] = 'a' + byte(i%26)
	}
	for _, sf := range storeFactories() {
		b.Run(sf.name, func(b *testing.B) {
			c := newCache(b, sf.make(b), Options{Namespace: testNamespace(b)})
			load := Batch(c, typ, identity, notFound, isNotFound, next)
			load(b.Context(), ids) // the entries exist, as a warm cache holds them
			d := NewDeps()
			ctx := WithDeps(b.Context(), d)
			load(ctx, ids)
			c.StoreResponse(ctx, "q", data, d)
			b.ReportAllocs()
			for b.Loop() {
				if got, ok := c.Response(b.Context(), "q"); !ok || len(got) != len(data) {
					b.Fatal("stored response not served")
				}
			}
		})
	}
}
