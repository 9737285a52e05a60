package cache

import (
	"context"
	"testing"
	"time"
)

// buildResponse reads keys through a Batch of typ with a fresh Deps, as a resolver tree would
// for one response, and stores data as that response. It returns the Deps for inspection.
func buildResponse(t *testing.T, c *Cache, typ Type, u *fakeUpstream, key string, data string, keys ...string) {
	t.Helper()
	d := NewDeps()
	ctx := WithDeps(t.Context(), d)
	for _, r := range Batch(c, typ, identity, notFound, isNotFound, u.next)(ctx, keys) {
		if r.Error != nil && !isNotFound(r.Error) {
			t.Fatalf("batch: %v", r.Error)
		}
	}
	c.StoreResponse(ctx, key, []byte(data), d)
}

func responseStats(c *Cache) TypeStats { return c.Stats()["response"] }

// TestResponseServedUntilAnEntryChanges: a stored response is served while its entries are
// unchanged, and never after one of them is invalidated, on this replica or another one
// sharing the store.
func TestResponseServedUntilAnEntryChanges(t *testing.T) {
	t.Parallel()
	typ := Type{Name: "customer", TTL: time.Minute, NegativeTTL: time.Minute}
	for _, sf := range storeFactories() {
		t.Run(sf.name, func(t *testing.T) {
			t.Parallel()
			store := sf.make(t)
			ns := "resp"
			if sf.name == "redis" {
				ns = testNamespace(t)
			}
			a := newCache(t, store, Options{Namespace: ns})
			b := newCache(t, store, Options{Namespace: ns}) // a second replica
			u := &fakeUpstream{}
			buildResponse(t, a, typ, u, "q1", `{"x":1}`, "1", "2", "missing-3")
			if got, ok := b.Response(t.Context(), "q1"); !ok || string(got) != `{"x":1}` {
				t.Fatalf("Response on the other replica = %q, %v; want the stored data", got, ok)
			}
			if _, ok := a.Response(t.Context(), "q2"); ok {
				t.Fatal("a key never stored was served")
			}
			// A write through the first replica ends the response on both.
			if err := a.Invalidate(t.Context(), typ, "2"); err != nil {
				t.Fatal(err)
			}
			for name, c := range map[string]*Cache{"a": a, "b": b} {
				if got, ok := c.Response(t.Context(), "q1"); ok {
					t.Errorf("replica %s served %q after an entry it holds was invalidated", name, got)
				}
			}
			// Invalidating an entry the response does not hold leaves it alone.
			buildResponse(t, a, typ, u, "q1", `{"x":2}`, "1", "2")
			if err := a.Invalidate(t.Context(), typ, "9"); err != nil {
				t.Fatal(err)
			}
			if got, ok := b.Response(t.Context(), "q1"); !ok || string(got) != `{"x":2}` {
				t.Errorf("Response after an unrelated invalidation = %q, %v; want the new data", got, ok)
			}
			// A not-found is part of what a response shows: its appearance ends the response too.
			buildResponse(t, a, typ, u, "q3", `{"x":3}`, "missing-3")
			if err := a.Invalidate(t.Context(), typ, "missing-3"); err != nil {
				t.Fatal(err)
			}
			if _, ok := a.Response(t.Context(), "q3"); ok {
				t.Error("a response showing a not-found survived that key's invalidation")
			}
			if sa, sb := responseStats(a), responseStats(b); sb.Hits != 2 || sa.Misses != 3 {
				t.Errorf("response stats %+v (a), %+v (b): want 3 misses on a, 2 hits on b", sa, sb)
			}
		})
	}
}

// TestResponseChangedMidRequestIsNotServed: an invalidation that lands between a response's
// reads and its write leaves a response that is never served.
func TestResponseChangedMidRequestIsNotServed(t *testing.T) {
	t.Parallel()
	typ := Type{Name: "customer", TTL: time.Minute}
	for _, sf := range storeFactories() {
		t.Run(sf.name, func(t *testing.T) {
			t.Parallel()
			ns := "resp"
			if sf.name == "redis" {
				ns = testNamespace(t)
			}
			c := newCache(t, sf.make(t), Options{Namespace: ns})
			u := &fakeUpstream{}
			batch := Batch(c, typ, identity, notFound, isNotFound, u.next)
			batch(t.Context(), []string{"1"}) // the entry exists before the response's read
			d := NewDeps()
			ctx := WithDeps(t.Context(), d)
			batch(ctx, []string{"1"})
			if err := c.Invalidate(t.Context(), typ, "1"); err != nil { // a write lands meanwhile
				t.Fatal(err)
			}
			c.StoreResponse(ctx, "q", []byte(`{"stale":true}`), d)
			if got, ok := c.Response(t.Context(), "q"); ok {
				t.Errorf("served %q, built from an entry invalidated before it was stored", got)
			}
		})
	}
}

// TestResponseNotStored: what the cache cannot stand for is never stored: a value primed from
// another answer, an upstream call outside Batch, an error, a type that is not cached; nor is
// an answer over MaxStoredResponse.
func TestResponseNotStored(t *testing.T) {
	t.Parallel()
	typ := Type{Name: "customer", TTL: time.Minute}
	cases := []struct {
		name  string
		build func(ctx context.Context, c *Cache, u *fakeUpstream)
		size  int // of the data; 0 = 2 bytes
	}{
		{"primed value", func(ctx context.Context, c *Cache, u *fakeUpstream) {
			Batch(c, typ, identity, notFound, isNotFound, u.next)(ctx, []string{"1"})
			Prime(ctx, c, typ, identity, map[string]entity{"2": wantEntity("2")})
		}, 0},
		{"untracked upstream call", func(ctx context.Context, c *Cache, u *fakeUpstream) {
			Batch(c, typ, identity, notFound, isNotFound, u.next)(ctx, []string{"1"})
			Untracked(ctx)
		}, 0},
		{"failed key", func(ctx context.Context, c *Cache, u *fakeUpstream) {
			Batch(c, typ, identity, notFound, isNotFound, u.next)(ctx, []string{"1", "fail-2"})
		}, 0},
		{"type not cached", func(ctx context.Context, c *Cache, u *fakeUpstream) {
			Batch(c, Type{Name: "uncached"}, identity, notFound, isNotFound, u.next)(ctx, []string{"1"})
		}, 0},
		{"nothing read", func(ctx context.Context, c *Cache, u *fakeUpstream) {}, 0},
		{"too big", func(ctx context.Context, c *Cache, u *fakeUpstream) {
			Batch(c, typ, identity, notFound, isNotFound, u.next)(ctx, []string{"1"})
		}, MaxStoredResponse + 1},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := newCache(t, NewMemory(1000), Options{Namespace: "resp"})
			d := NewDeps()
			ctx := WithDeps(t.Context(), d)
			tc.build(ctx, c, &fakeUpstream{})
			data := []byte(`{}`)
			if tc.size > 0 {
				data = make([]byte, tc.size)
			}
			c.StoreResponse(ctx, "q", data, d)
			if _, ok := c.Response(t.Context(), "q"); ok {
				t.Error("response was stored")
			}
			if st := responseStats(c); st.Bypassed != 1 {
				t.Errorf("response stats %+v, want 1 bypassed", st)
			}
		})
	}
}

// TestResponseLivesAsLongAsItsShortestEntry: a response expires with the shortest TTL among
// its entries (the negative TTL when it shows a not-found), and a lost stamp (evicted or
// expired) is a miss, never a stale hit.
func TestResponseLivesAsLongAsItsShortestEntry(t *testing.T) {
	t.Parallel()
	long := Type{Name: "category", TTL: time.Hour, NegativeTTL: time.Hour}
	short := Type{Name: "customer", TTL: time.Hour, NegativeTTL: 150 * time.Millisecond}
	c := newCache(t, NewMemory(1000), Options{Namespace: "resp"})
	u := &fakeUpstream{}
	d := NewDeps()
	ctx := WithDeps(t.Context(), d)
	Batch(c, long, identity, notFound, isNotFound, u.next)(ctx, []string{"1"})
	Batch(c, short, identity, notFound, isNotFound, u.next)(ctx, []string{"missing-2"})
	c.StoreResponse(ctx, "q", []byte(`{}`), d)
	if _, ok := c.Response(t.Context(), "q"); !ok {
		t.Fatal("response not served right after it was stored")
	}
	time.Sleep(250 * time.Millisecond)
	if _, ok := c.Response(t.Context(), "q"); ok {
		t.Error("response outlived the negative TTL of the not-found it shows")
	}

	buildResponse(t, c, long, u, "q2", `{}`, "1")
	if err := c.store.Delete(t.Context(), c.stampKey(c.Key(long, "1"))); err != nil { // as an eviction would
		t.Fatal(err)
	}
	if _, ok := c.Response(t.Context(), "q2"); ok {
		t.Error("response served although one of its stamps is gone")
	}
}

func FuzzDecodeResponse(f *testing.F) {
	f.Add(encodeResponse(map[string][]byte{"stamp:customer:1": []byte("abc")}, []byte(`{"a":1}`)))
	f.Add([]byte("r1\n"))
	f.Add([]byte("r1\n\xff\xff\xff\xff\xff\xff\xff\xff\xff\x01"))
	f.Fuzz(func(t *testing.T, b []byte) {
		stamps, data, err := decodeResponse(b)
		if err != nil {
			return
		}
		// Whatever decodes encodes back to the same bytes.
		again, data2, err := decodeResponse(encodeResponse(stamps, data))
		if err != nil || string(data2) != string(data) || len(again) != len(stamps) {
			t.Fatalf("round trip: %v %q %q", err, data, data2)
		}
	})
}
