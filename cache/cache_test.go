package cache

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/graph-gophers/dataloader/v7"
)

func TestNewValidates(t *testing.T) {
	t.Parallel()
	mem := NewMemory(10)
	tests := []struct {
		name    string
		store   Store
		opts    Options
		wantErr string // substring; "" means success
	}{
		{"valid", mem, Options{Namespace: "prod-eu.1_a", FormatVersion: 3}, ""},
		{"nil store", nil, Options{Namespace: "prod"}, "nil Store"},
		{"empty namespace", mem, Options{}, "Namespace is required"},
		{"colon in namespace", mem, Options{Namespace: "prod:v9"}, "only letters"},
		{"hash tag in namespace", mem, Options{Namespace: "{prod}"}, "only letters"},
		{"space in namespace", mem, Options{Namespace: "pr od"}, "only letters"},
		{"leading dash", mem, Options{Namespace: "-prod"}, "starting with a letter"},
		{"too long", mem, Options{Namespace: strings.Repeat("a", 65)}, "longer than 64"},
		{"negative format", mem, Options{Namespace: "prod", FormatVersion: -1}, "FormatVersion"},
		{"negative open duration", mem, Options{Namespace: "prod", Breaker: BreakerSettings{OpenDuration: -time.Second}}, "OpenDuration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(tt.store, tt.opts)
			if tt.wantErr == "" {
				if err != nil || c == nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("New error = %v, want it to mention %q", err, tt.wantErr)
			}
		})
	}
}

func TestKey(t *testing.T) {
	t.Parallel()
	c := newCache(t, NewMemory(10), Options{Namespace: "prod", FormatVersion: 2})
	tests := []struct {
		typ, id, want string
	}{
		{"category", "42", "prod:v2:category:42"},
		{"customer", "C-1001", "prod:v2:customer:C-1001"},
		{"group", "a:b", "prod:v2:group:a%3Ab"},
		{"group", "a%3Ab", "prod:v2:group:a%253Ab"},
		{"group", "{tag}x", "prod:v2:group:%7Btag%7Dx"},
		{"group", "", "prod:v2:group:"},
		{"a:b", "c", "prod:v2:a%3Ab:c"},
		{"apq", "ü/ß é", "prod:v2:apq:ü/ß é"},
	}
	for _, tt := range tests {
		if got := c.Key(Type{Name: tt.typ}, tt.id); got != tt.want {
			t.Errorf("Key(%q, %q) = %q, want %q", tt.typ, tt.id, got, tt.want)
		}
	}
	// The collision escaping exists for: type "a", id "b:c" versus type "a:b", id "c".
	if c.Key(Type{Name: "a"}, "b:c") == c.Key(Type{Name: "a:b"}, "c") {
		t.Error("keys of different (type, id) pairs collide")
	}
}

func TestBatch(t *testing.T) {
	t.Parallel()
	typ := Type{Name: "customer", TTL: time.Minute, NegativeTTL: time.Minute, Jitter: 0.1}
	tests := []struct {
		name      string
		typ       Type
		first     []string
		second    []string
		wantCalls [][]string // calls of next over both batches
		wantStats TypeStats
	}{
		{
			name:      "second batch all hits",
			typ:       typ,
			first:     []string{"1", "2", "3"},
			second:    []string{"3", "1", "2"},
			wantCalls: [][]string{{"1", "2", "3"}},
			wantStats: TypeStats{Hits: 3, Misses: 3},
		},
		{
			name:      "only misses are fetched",
			typ:       typ,
			first:     []string{"1", "2"},
			second:    []string{"2", "3", "1", "4"},
			wantCalls: [][]string{{"1", "2"}, {"3", "4"}},
			wantStats: TypeStats{Hits: 2, Misses: 4},
		},
		{
			name:      "not found is cached negatively",
			typ:       typ,
			first:     []string{"missing-1", "5"},
			second:    []string{"missing-1", "5"},
			wantCalls: [][]string{{"missing-1", "5"}},
			wantStats: TypeStats{Hits: 1, NegativeHits: 1, Misses: 2},
		},
		{
			name:      "other errors are not cached",
			typ:       typ,
			first:     []string{"fail-1", "6"},
			second:    []string{"fail-1", "6"},
			wantCalls: [][]string{{"fail-1", "6"}, {"fail-1"}},
			wantStats: TypeStats{Hits: 1, Misses: 3},
		},
		{
			name:      "no negative caching without NegativeTTL",
			typ:       Type{Name: "customer", TTL: time.Minute},
			first:     []string{"missing-2"},
			second:    []string{"missing-2"},
			wantCalls: [][]string{{"missing-2"}, {"missing-2"}},
			wantStats: TypeStats{Misses: 2},
		},
		{
			name:      "duplicate keys are fetched once",
			typ:       typ,
			first:     []string{"7", "7", "8", "7"},
			second:    []string{"8", "8"},
			wantCalls: [][]string{{"7", "8"}},
			wantStats: TypeStats{Hits: 1, Misses: 2},
		},
		{
			name:      "TTL zero bypasses the store",
			typ:       Type{Name: "customer"},
			first:     []string{"1", "2"},
			second:    []string{"1"},
			wantCalls: [][]string{{"1", "2"}, {"1"}},
			wantStats: TypeStats{Bypassed: 3},
		},
		{
			name:      "empty batch",
			typ:       typ,
			first:     []string{},
			second:    nil,
			wantCalls: nil,
			wantStats: TypeStats{},
		},
	}
	for _, sf := range storeFactories() {
		t.Run(sf.name, func(t *testing.T) {
			t.Parallel()
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					c := newCache(t, sf.make(t), Options{Namespace: testNamespace(t)})
					u := &fakeUpstream{}
					load := loader(c, tt.typ, u)
					checkResults(t, tt.first, load(t.Context(), tt.first))
					checkResults(t, tt.second, load(t.Context(), tt.second))
					if got := u.Calls(); !slices.EqualFunc(got, tt.wantCalls, slices.Equal) {
						t.Errorf("calls of next = %q, want %q", got, tt.wantCalls)
					}
					if got := c.Stats()[tt.typ.Name]; got != tt.wantStats {
						t.Errorf("stats = %+v, want %+v", got, tt.wantStats)
					}
				})
			}
		})
	}
}

func TestBatchFaultyNext(t *testing.T) {
	t.Parallel()
	c := newCache(t, NewMemory(10), Options{Namespace: "faulty"})
	typ := Type{Name: "thing", TTL: time.Minute}
	tests := []struct {
		name string
		next dataloader.BatchFunc[string, int]
	}{
		{"too few results", func(context.Context, []string) []*dataloader.Result[int] { return nil }},
		{"nil result", func(_ context.Context, keys []string) []*dataloader.Result[int] {
			return make([]*dataloader.Result[int], len(keys))
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			keys := []string{tt.name + "-a", tt.name + "-b"}
			res := Batch(c, typ, identity, nil, nil, tt.next)(t.Context(), keys)
			if len(res) != len(keys) {
				t.Fatalf("got %d results for %d keys", len(res), len(keys))
			}
			for i, r := range res {
				if r == nil || r.Error == nil {
					t.Errorf("result %d = %+v, want an error", i, r)
				}
			}
		})
	}
}

func TestNegativeHitWithoutNotFoundFuncRefetches(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := NewMemory(10)
	c := newCache(t, store, Options{Namespace: "neg"})
	typ := Type{Name: "customer", TTL: time.Minute, NegativeTTL: time.Minute}
	u := &fakeUpstream{}
	loader(c, typ, u)(ctx, []string{"missing-1"})
	// A loader that cannot rebuild the not-found error must fetch rather than invent one.
	res := Batch(c, typ, identity, nil, nil, u.next)(ctx, []string{"missing-1"})
	checkResults(t, []string{"missing-1"}, res)
	if n := len(u.Calls()); n != 2 {
		t.Errorf("next called %d times, want 2", n)
	}
}

func TestCorruptEntryIsRefetched(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	store := NewMemory(10)
	c := newCache(t, store, Options{Namespace: "corrupt"})
	typ := Type{Name: "customer", TTL: time.Minute}
	if err := store.SetMany(ctx, []Entry{{Key: c.Key(typ, "1"), Value: []byte("{not json"), TTL: time.Minute}}); err != nil {
		t.Fatal(err)
	}
	u := &fakeUpstream{}
	checkResults(t, []string{"1"}, loader(c, typ, u)(ctx, []string{"1"}))
	checkResults(t, []string{"1"}, loader(c, typ, u)(ctx, []string{"1"}))
	if n := len(u.Calls()); n != 1 {
		t.Errorf("next called %d times, want 1 (the refetch overwrites the corrupt entry)", n)
	}
	if got := c.Stats()["customer"]; got.Errors != 1 || got.Hits != 1 {
		t.Errorf("stats = %+v, want 1 error and 1 hit", got)
	}
}

func TestNamespacesAreIsolated(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	client := newRedisClient(t)
	typ := Type{Name: "customer", TTL: time.Minute}
	a := newCache(t, NewRedis(client, RedisOptions{OpTimeout: testOpTimeout}), Options{Namespace: testNamespace(t)})
	b := newCache(t, NewRedis(client, RedisOptions{OpTimeout: testOpTimeout}), Options{Namespace: testNamespace(t)})
	ua, ub := &fakeUpstream{}, &fakeUpstream{}
	keys := []string{"1", "2"}
	loader(a, typ, ua)(ctx, keys)
	checkResults(t, keys, loader(b, typ, ub)(ctx, keys))
	if got := ub.Calls(); len(got) != 1 {
		t.Errorf("cache b made %d upstream calls, want 1: it read cache a's entries", len(got))
	}
	if got := b.Stats()["customer"]; got.Hits != 0 || got.Misses != 2 {
		t.Errorf("cache b stats = %+v, want 2 misses and no hits", got)
	}
}

func TestFormatVersionBumpMisses(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	client := newRedisClient(t)
	ns := testNamespace(t)
	typ := Type{Name: "customer", TTL: time.Minute}
	v1 := newCache(t, NewRedis(client, RedisOptions{OpTimeout: testOpTimeout}), Options{Namespace: ns, FormatVersion: 1})
	v2 := newCache(t, NewRedis(client, RedisOptions{OpTimeout: testOpTimeout}), Options{Namespace: ns, FormatVersion: 2})
	u := &fakeUpstream{}
	keys := []string{"1"}
	loader(v1, typ, u)(ctx, keys)
	loader(v1, typ, u)(ctx, keys)
	checkResults(t, keys, loader(v2, typ, u)(ctx, keys))
	if got := len(u.Calls()); got != 2 {
		t.Errorf("upstream calls = %d, want 2 (v1 fill, v2 miss)", got)
	}
	if got := v2.Stats()["customer"]; got.Misses != 1 || got.Hits != 0 {
		t.Errorf("v2 stats = %+v, want a miss", got)
	}
}

func TestInvalidateReachesOtherReplicas(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ns := testNamespace(t)
	typ := Type{Name: "customer", TTL: time.Minute, NegativeTTL: time.Minute}
	// Two replicas: separate clients, same namespace.
	r1 := newCache(t, NewRedis(newRedisClient(t), RedisOptions{OpTimeout: testOpTimeout}), Options{Namespace: ns})
	r2 := newCache(t, NewRedis(newRedisClient(t), RedisOptions{OpTimeout: testOpTimeout}), Options{Namespace: ns})
	u1, u2 := &fakeUpstream{}, &fakeUpstream{}
	keys := []string{"1", "2", "missing-3"}
	loader(r1, typ, u1)(ctx, keys)
	loader(r2, typ, u2)(ctx, keys)
	if got := len(u2.Calls()); got != 0 {
		t.Fatalf("replica 2 called the upstream %d times before the invalidation, want 0", got)
	}
	if err := r1.Invalidate(ctx, typ, "1", "missing-3"); err != nil {
		t.Fatalf("Invalidate: %v", err)
	}
	checkResults(t, keys, loader(r2, typ, u2)(ctx, keys))
	if got, want := u2.Calls(), [][]string{{"1", "missing-3"}}; !slices.EqualFunc(got, want, slices.Equal) {
		t.Errorf("replica 2 upstream calls after invalidation = %q, want %q", got, want)
	}
}

func TestInvalidateReportsStoreFailure(t *testing.T) {
	t.Parallel()
	srv := startRedisServer(t)
	client, err := RedisClientFromURL(srv.url())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c := newCache(t, NewRedis(client, RedisOptions{OpTimeout: testOpTimeout}), Options{Namespace: "inv"})
	typ := Type{Name: "customer", TTL: time.Minute}
	if err := c.Invalidate(t.Context(), typ, "1"); err != nil {
		t.Fatalf("Invalidate with Redis up: %v", err)
	}
	srv.stop()
	err = c.Invalidate(t.Context(), typ, "1")
	if err == nil {
		t.Fatal("Invalidate with Redis down returned nil; a mutation must learn that stale data may remain")
	}
	if got := c.Stats()["customer"].Errors; got != 1 {
		t.Errorf("Errors = %d, want 1", got)
	}
}

func TestAPQSharedAcrossReplicas(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	ns := testNamespace(t)
	r1 := newCache(t, NewRedis(newRedisClient(t), RedisOptions{OpTimeout: testOpTimeout}), Options{Namespace: ns})
	r2 := newCache(t, NewRedis(newRedisClient(t), RedisOptions{OpTimeout: testOpTimeout}), Options{Namespace: ns})
	const hash = "ecf4edb46db40b5132295c0291d62fb65d6759a9eedfa4d5d612dd5ec54a6b38"
	const query = "{ customer(number: \"C-1001\") { name } }"
	if _, ok := r2.APQ(time.Hour).Get(ctx, hash); ok {
		t.Fatal("Get before Add found something")
	}
	r1.APQ(time.Hour).Add(ctx, hash, query)
	got, ok := r2.APQ(time.Hour).Get(ctx, hash)
	if !ok || got != query {
		t.Fatalf("Get on the other replica = (%q, %v), want (%q, true)", got, ok, query)
	}
	if st := r2.Stats()[APQName]; st.Hits != 1 || st.Misses != 1 {
		t.Errorf("apq stats = %+v, want 1 hit and 1 miss", st)
	}
	ttl, err := newRedisClient(t).PTTL(ctx, r1.Key(Type{Name: APQName}, hash)).Result()
	if err != nil || ttl <= 59*time.Minute || ttl > time.Hour {
		t.Errorf("PTTL of the apq entry = %v (%v), want about an hour", ttl, err)
	}
}

func TestHealthy(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	if err := newCache(t, NewMemory(1), Options{Namespace: "h"}).Healthy(ctx); err != nil {
		t.Errorf("memory store: %v", err)
	}
	srv := startRedisServer(t)
	client, err := RedisClientFromURL(srv.url())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c := newCache(t, NewRedis(client, RedisOptions{OpTimeout: testOpTimeout}), Options{Namespace: "h",
		Breaker: BreakerSettings{ConsecutiveFailures: 2, OpenDuration: time.Hour}})
	if err := c.Healthy(ctx); err != nil {
		t.Fatalf("Redis up: %v", err)
	}
	srv.stop()
	for range 2 {
		if err := c.Healthy(ctx); err == nil || !strings.Contains(err.Error(), "ping") {
			t.Fatalf("Redis down: Healthy = %v, want a ping error", err)
		}
	}
	if err := c.Healthy(ctx); err == nil || !strings.Contains(err.Error(), "open") {
		t.Fatalf("after 2 failures: Healthy = %v, want the breaker open", err)
	}
}

func TestCallerCancellationDoesNotTripBreaker(t *testing.T) {
	t.Parallel()
	srv := startRedisServer(t)
	client, err := RedisClientFromURL(srv.url())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	c := newCache(t, NewRedis(client, RedisOptions{OpTimeout: testOpTimeout}), Options{Namespace: "cancel",
		Breaker: BreakerSettings{ConsecutiveFailures: 1, OpenDuration: time.Hour}})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	u := &fakeUpstream{}
	for range 3 {
		loader(c, Type{Name: "customer", TTL: time.Minute}, u)(ctx, []string{"1"})
	}
	if err := c.Healthy(t.Context()); err != nil {
		t.Fatalf("after cancelled callers: Healthy = %v, want the breaker still closed", err)
	}
}
