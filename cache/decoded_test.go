package cache

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/graph-gophers/dataloader/v7"
)

// TestDecodedValuesAreReusedOnlyForTheSameBytes: a hit whose stored bytes did not change
// returns the value decoded last time (no second decode); an entry rewritten by anyone (here
// another replica priming a new value) is decoded afresh; with the memo off every hit decodes.
func TestDecodedValuesAreReusedOnlyForTheSameBytes(t *testing.T) {
	t.Parallel()
	typ := Type{Name: "entity", TTL: time.Minute}
	next := func(_ context.Context, keys []string) []*dataloader.Result[*entity] {
		out := make([]*dataloader.Result[*entity], len(keys))
		for i, k := range keys {
			e := wantEntity(k)
			out[i] = &dataloader.Result[*entity]{Data: &e}
		}
		return out
	}
	for _, sf := range storeFactories() {
		for _, memo := range []bool{true, false} {
			t.Run(sf.name+"/memo="+strconv.FormatBool(memo), func(t *testing.T) {
				t.Parallel()
				store := sf.make(t)
				opts := Options{Namespace: testNamespace(t)}
				if !memo {
					opts.DecodedBytes = -1
				}
				c := newCache(t, store, opts)
				load := Batch(c, typ, identity, notFound, isNotFound, next)
				ctx := t.Context()
				get := func() *entity {
					t.Helper()
					r := load(ctx, []string{"1"})[0]
					if r.Error != nil {
						t.Fatal(r.Error)
					}
					return r.Data
				}
				fetched := get() // a miss: the upstream's own value, then written
				first, second := get(), get()
				if first == fetched {
					t.Fatal("a hit returned the fetched value itself; want a decoded one")
				}
				if *first != wantEntity("1") || *second != wantEntity("1") {
					t.Fatalf("hits %+v %+v", *first, *second)
				}
				if (first == second) != memo {
					t.Errorf("same value twice = %v, want %v", first == second, memo)
				}

				// Another replica rewrites the entry.
				other := newCache(t, store, Options{Namespace: opts.Namespace})
				renamed := &entity{ID: "1", Name: "Renamed", Number: "C-1"}
				Prime(ctx, other, typ, identity, map[string]*entity{"1": renamed})
				if got := get(); got.Name != "Renamed" || got == first {
					t.Errorf("after a rewrite got %+v (same pointer as before: %v)", *got, got == first)
				}
				if st := c.Stats()[typ.Name]; st.Hits != 3 || st.Misses != 1 {
					t.Errorf("stats %+v, want 3 hits and 1 miss", st)
				}
			})
		}
	}
}

// TestDecodedMemoIsBoundedByBytes: the memo never holds more stored bytes than its budget,
// drops the least recently used first, and skips values too large to share the budget.
func TestDecodedMemoIsBoundedByBytes(t *testing.T) {
	t.Parallel()
	m := newDecodedMemo(1600)
	raw := func(i int) []byte { return []byte(strconv.Itoa(100000+i) + "-" + string(make([]byte, 93))) } // 100 bytes
	for i := range 50 {
		m.put(strconv.Itoa(i), raw(i), i)
	}
	if m.size > 1600 {
		t.Fatalf("holds %d bytes, budget 1600", m.size)
	}
	if _, ok := m.get("0", raw(0)); ok {
		t.Error("the oldest entry survived")
	}
	if v, ok := m.get("49", raw(49)); !ok || v != 49 {
		t.Errorf("newest entry = %v, %v", v, ok)
	}
	if _, ok := m.get("49", raw(48)); ok {
		t.Error("different bytes under a remembered key matched")
	}
	m.put("big", make([]byte, 101), "big")
	if _, ok := m.get("big", make([]byte, 101)); ok {
		t.Error("a value over a sixteenth of the budget was remembered")
	}
	m.forget([]string{"49"})
	if _, ok := m.get("49", raw(49)); ok {
		t.Error("a forgotten key is still remembered")
	}
	if newDecodedMemo(-1) != nil {
		t.Error("a negative budget must turn the memo off")
	}
}
