package cache

import (
	"context"
	"testing"

	"github.com/graph-gophers/dataloader/v7"
)

func TestPrimeMakesTheNextReadAHit(t *testing.T) {
	t.Parallel()
	c, err := New(NewMemory(100), Options{Namespace: "prime"})
	if err != nil {
		t.Fatal(err)
	}
	typ := Type{Name: "thing", TTL: 60e9}
	Prime(t.Context(), c, typ, func(k string) string { return k }, map[string]*string{"a": new("A")})
	calls := 0
	next := func(_ context.Context, keys []string) []*dataloader.Result[*string] {
		calls++
		out := make([]*dataloader.Result[*string], len(keys))
		for i := range keys {
			out[i] = &dataloader.Result[*string]{Data: new("fetched")}
		}
		return out
	}
	res := Batch(c, typ, func(k string) string { return k }, nil, nil, next)(t.Context(), []string{"a"})
	if calls != 0 || res[0].Error != nil || *res[0].Data != "A" {
		t.Fatalf("after Prime: %d upstream calls, result %+v", calls, res[0])
	}
	if s := c.Stats()["thing"]; s.Hits != 1 {
		t.Errorf("stats %+v, want one hit", s)
	}
	// A type that is not cached is not primed.
	Prime(t.Context(), c, Type{Name: "off"}, func(k string) string { return k }, map[string]*string{"b": new("B")})
	res = Batch(c, Type{Name: "off", TTL: 60e9}, func(k string) string { return k }, nil, nil, next)(t.Context(), []string{"b"})
	if calls != 1 || *res[0].Data != "fetched" {
		t.Errorf("a TTL-less prime was stored")
	}
}
