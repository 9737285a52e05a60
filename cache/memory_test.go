package cache

import (
	"context"
	"fmt"
	"testing"
	"time"
)

func TestMemoryStoreEvictsLeastRecentlyUsed(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := NewMemory(3)
	set := func(keys ...string) {
		t.Helper()
		for _, k := range keys {
			if err := s.SetMany(ctx, []Entry{{Key: k, Value: []byte(k), TTL: time.Minute}}); err != nil {
				t.Fatal(err)
			}
		}
	}
	set("a", "b", "c")
	if _, err := s.GetMany(ctx, []string{"a"}); err != nil { // a is now the most recently used
		t.Fatal(err)
	}
	set("d", "e")
	got, err := s.GetMany(ctx, []string{"a", "b", "c", "d", "e"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]bool{"a": true, "d": true, "e": true}
	if len(got) != len(want) {
		t.Errorf("after 5 sets into 3 slots: %d entries %q, want %v", len(got), got, want)
	}
	for k := range want {
		if string(got[k]) != k {
			t.Errorf("entry %q = %q, want it kept", k, got[k])
		}
	}
}

func TestMemoryStoreExpiry(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := NewMemory(10)
	if err := s.SetMany(ctx, []Entry{
		{Key: "short", Value: []byte("1"), TTL: 30 * time.Millisecond},
		{Key: "long", Value: []byte("2"), TTL: time.Minute},
		{Key: "none", Value: []byte("3"), TTL: 0},
		{Key: "negative", Value: []byte("4"), TTL: -time.Second},
	}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetMany(ctx, []string{"short", "long", "none", "negative"})
	if len(got) != 2 || got["short"] == nil || got["long"] == nil {
		t.Fatalf("right after SetMany: %q, want short and long only (TTL <= 0 is not stored)", got)
	}
	time.Sleep(60 * time.Millisecond)
	got, _ = s.GetMany(ctx, []string{"short", "long"})
	if len(got) != 1 || got["long"] == nil {
		t.Errorf("after the short TTL: %q, want long only", got)
	}
}

func TestMemoryStoreCopiesValues(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := NewMemory(10)
	buf := []byte("original")
	if err := s.SetMany(ctx, []Entry{{Key: "k", Value: buf, TTL: time.Minute}}); err != nil {
		t.Fatal(err)
	}
	copy(buf, "OVERWRIT")
	got, _ := s.GetMany(ctx, []string{"k"})
	if string(got["k"]) != "original" {
		t.Errorf("stored value changed with the caller's buffer: %q", got["k"])
	}
}

func TestMemoryStoreDeleteAndContext(t *testing.T) {
	t.Parallel()
	s := NewMemory(0) // default size
	ctx := t.Context()
	entries := make([]Entry, 100)
	for i := range entries {
		entries[i] = Entry{Key: fmt.Sprint(i), Value: []byte{byte(i)}, TTL: time.Minute}
	}
	if err := s.SetMany(ctx, entries); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "1", "2", "nope"); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetMany(ctx, []string{"1", "2", "3"})
	if len(got) != 1 || got["3"] == nil {
		t.Errorf("after Delete: %q, want only 3", got)
	}
	done, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.GetMany(done, []string{"3"}); err == nil {
		t.Error("GetMany with a cancelled context succeeded")
	}
	if err := s.Delete(done, "3"); err == nil {
		t.Error("Delete with a cancelled context succeeded")
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
}

func TestMemoryCacheIsBounded(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newCache(t, NewMemory(5), Options{Namespace: "bounded"})
	u := &fakeUpstream{}
	load := loader(c, Type{Name: "customer", TTL: time.Minute}, u)
	ids := []string{"1", "2", "3", "4", "5", "6", "7", "8"}
	load(ctx, ids)
	checkResults(t, ids, load(ctx, ids))
	// Only 5 of the 8 fit, so the second batch refetches the evicted 3.
	calls := u.Calls()
	if len(calls) != 2 || len(calls[1]) != 3 {
		t.Errorf("calls = %q, want the second to fetch the 3 evicted keys", calls)
	}
}
