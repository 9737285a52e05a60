package loaders_test

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"testing"
	"time"

	"custgraph/cache"
	"custgraph/loaders"
	"custgraph/simstack"
	"custgraph/simstack/simstacktest"
	"custgraph/upstream/sales"
	"custgraph/upstream/seed"
)

// BenchmarkCustomerBatch is one loader batch of 50 customers by id, through a fresh per-request
// loader set each time (as one GraphQL request sees it): without a cache (one sales call to the
// simulator over a real socket, no added latency) and with a warm cache (in memory, and in the
// shared Redis: no upstream call, one MGET and 50 decoded entities). Categories is the NetSuite
// batch of the same 50 customers (one SuiteQL call, or cached references plus categories).
//
//	go test -run '^$' -bench CustomerBatch -benchmem ./loaders/
func BenchmarkCustomerBatch(b *testing.B) {
	stack, up, customers := sandbox(b, 50, 50)
	ids := make([]string, len(customers))
	numbers := make([]string, len(customers))
	for i, c := range customers {
		ids[i], numbers[i] = c.ID, c.Number
	}

	caches := []struct {
		name string
		make func(b *testing.B) *cache.Cache
	}{
		{"no-cache", func(*testing.B) *cache.Cache { return nil }},
		{"warm-memory", func(b *testing.B) *cache.Cache {
			c, _ := newCache(b, cache.NewMemory(10000))
			return c
		}},
		{"warm-redis", func(b *testing.B) *cache.Cache {
			rc, err := cache.RedisClientFromURL("redis://127.0.0.1:6379/0")
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = rc.Close() })
			if err := rc.Ping(b.Context()).Err(); err != nil {
				b.Skipf("no Redis at 127.0.0.1:6379: %v", err)
			}
			c, ns := newCache(b, cache.NewRedis(rc, cache.RedisOptions{}))
			b.Cleanup(func() { // the benchmark's keys, out of the shared Redis
				ctx := context.Background()
				for iter := rc.Scan(ctx, 0, ns+":*", 1000).Iterator(); iter.Next(ctx); {
					rc.Unlink(ctx, iter.Val())
				}
			})
			return c
		}},
	}
	kinds := []struct {
		name string
		load func(ctx context.Context, l *loaders.Loaders) []error
	}{
		{"customers-50", func(ctx context.Context, l *loaders.Loaders) []error {
			_, errs := loaders.LoadMany(ctx, l.CustomerByID(sales.AllIncludes()), ids)
			return errs
		}},
		{"categories-50", func(ctx context.Context, l *loaders.Loaders) []error {
			_, errs := loaders.LoadMany(ctx, l.CategoryOfCustomer, numbers)
			return errs
		}},
	}
	for _, kind := range kinds {
		for _, cc := range caches {
			b.Run(kind.name+"/"+cc.name, func(b *testing.B) {
				c := cc.make(b)
				opts := loaders.Options{}
				if c != nil {
					opts.Wrap = loaders.NewCacheWrapper(c, loaders.CacheTTLs{})
				}
				f := loaders.NewFactory(up, opts)
				ctx := b.Context()
				run := func() {
					l := f.New()
					for i, err := range kind.load(loaders.With(ctx, l), l) {
						if err != nil {
							b.Fatalf("key %d: %v", i, err)
						}
					}
				}
				run() // tokens, connections, and the cache when there is one
				stack.Sales.Server().ResetStats()
				stack.NetSuite.Server().ResetStats()
				b.ReportAllocs()
				for b.Loop() {
					run()
				}
				calls := stack.Sales.Server().Stats().Requests + stack.NetSuite.Server().Stats().Requests
				b.ReportMetric(float64(calls)/float64(b.N), "upstream-req/op")
			})
		}
	}
}

// sandbox starts the simulators with n customers, returns clients of them over real sockets
// and the first listed customers as the sales API lists them.
func sandbox(tb testing.TB, n, listed int) (*simstack.Stack, loaders.Upstreams, []sales.Customer) {
	tb.Helper()
	stack := simstacktest.Start(tb, simstack.Options{Seed: seed.Options{Customers: n}})
	hc := &http.Client{Timeout: 10 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	tb.Cleanup(hc.CloseIdleConnections)
	up := simstacktest.Upstreams(tb, stack, hc)
	page, err := up.Sales.ListCustomers(tb.Context(), sales.ListCustomersOptions{Limit: listed})
	if err != nil {
		tb.Fatal(err)
	}
	return stack, up, page.Customers
}

// newCache is a cache under a namespace no other run shares, so a warm run starts empty.
func newCache(b *testing.B, store cache.Store) (*cache.Cache, string) {
	ns := "bench-loaders-" + strconv.FormatInt(time.Now().UnixNano(), 36)
	c, err := cache.New(store, cache.Options{Namespace: ns, FormatVersion: 1})
	if err != nil {
		b.Fatal(fmt.Errorf("cache: %w", err))
	}
	return c, ns
}
