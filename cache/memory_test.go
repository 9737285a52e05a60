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

// TestMemoryStoreBoundsBytes: whatever the number of entries, the values held stay within the
// byte bound, the least recently used going first; replacing a value releases the old bytes.
func TestMemoryStoreBoundsBytes(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	s := newMemory(100, 1000)
	big := make([]byte, 300)
	for _, k := range []string{"a", "b", "c"} {
		if err := s.SetMany(ctx, []Entry{{Key: k, Value: big, TTL: time.Minute}}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.GetMany(ctx, []string{"a"}); err != nil { // a is now the most recently used
		t.Fatal(err)
	}
	if err := s.SetMany(ctx, []Entry{{Key: "d", Value: big, TTL: time.Minute}}); err != nil {
		t.Fatal(err)
	}
	got, _ := s.GetMany(ctx, []string{"a", "b", "c", "d"})
	if _, ok := got["b"]; ok || len(got) != 3 || s.bytes != 900 {
		t.Errorf("after 4 values of 300 bytes under a 1000-byte bound: kept %d (b kept: %v), %d bytes; want a, c, d and 900", len(got), got["b"] != nil, s.bytes)
	}
	// Replacing a value counts only the new one.
	if err := s.SetMany(ctx, []Entry{{Key: "d", Value: []byte("x"), TTL: time.Minute}}); err != nil {
		t.Fatal(err)
	}
	if s.bytes != 601 {
		t.Errorf("after replacing d with 1 byte: %d bytes held, want 601", s.bytes)
	}
	if _, err := s.AddMany(ctx, []Entry{{Key: "e", Value: big, TTL: time.Minute}}); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "a", "c", "d", "e"); err != nil {
		t.Fatal(err)
	}
	if s.bytes != 0 {
		t.Errorf("after deleting everything: %d bytes held, want 0", s.bytes)
	}
}
