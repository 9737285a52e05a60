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
