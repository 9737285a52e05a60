package cache

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/graph-gophers/dataloader/v7"
)

func TestSingleFlightAcrossBatches(t *testing.T) {
	t.Parallel()
	for _, sf := range storeFactories() {
		t.Run(sf.name, func(t *testing.T) {
			t.Parallel()
			ctx := t.Context()
			c := newCache(t, sf.make(t), Options{Namespace: testNamespace(t)})
			typ := Type{Name: "customer", TTL: time.Minute, NegativeTTL: time.Minute}

			aFetching := make(chan struct{}) // A is inside next
			bFetched := make(chan struct{})  // B called next for its own key, so it now waits for A
			release := make(chan struct{})   // the barrier A's fetch waits at
			u := &fakeUpstream{hook: func(_ context.Context, call int, _ []string) {
				switch call {
				case 1:
					close(aFetching)
					<-release
				case 2:
					close(bFetched)
				}
			}}
			load := loader(c, typ, u)

			var wg sync.WaitGroup
			var resA, resB, resC []*dataloader.Result[entity]
			keysA := []string{"1", "2", "missing-3"}
			keysB := []string{"2", "missing-3", "4"}
			keysC := []string{"1", "2"} // entirely in flight: must not call next at all
			wg.Go(func() { resA = load(ctx, keysA) })
			<-aFetching
			wg.Go(func() { resB = load(ctx, keysB) })
			<-bFetched
			wg.Go(func() { resC = load(ctx, keysC) })
			// C has no key of its own to fetch, so nothing signals that it is waiting; give it a
			// moment. If it is late it still must not call next: the flights stay registered
			// until A's write is done and later it hits the cache.
			time.Sleep(20 * time.Millisecond)
			close(release)
			wg.Wait()

			checkResults(t, keysA, resA)
			checkResults(t, keysB, resB)
			checkResults(t, keysC, resC)
			want := [][]string{{"1", "2", "missing-3"}, {"4"}}
			if got := u.Calls(); !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("calls of next = %q, want %q", got, want)
			}
			st := c.Stats()["customer"]
			if st.Coalesced+st.Hits+st.NegativeHits != 4 { // B: 2 and missing-3; C: 1 and 2
				t.Errorf("stats = %+v, want the 4 keys of B and C answered by A's fetch or the cache", st)
			}
			if st.Coalesced < 2 {
				t.Errorf("Coalesced = %d, want at least B's 2", st.Coalesced)
			}
		})
	}
}

func TestSingleFlightOwnerCancelled(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newCache(t, NewMemory(100), Options{Namespace: "abandon"})
	typ := Type{Name: "customer", TTL: time.Minute}

	aFetching := make(chan struct{})
	bFetched := make(chan struct{})
	release := make(chan struct{})
	var aResults []*dataloader.Result[entity]
	next := func(ctx context.Context, keys []string) []*dataloader.Result[entity] {
		return (&fakeUpstream{}).next(ctx, keys)
	}
	var mu sync.Mutex
	var calls [][]string
	wrapped := func(ctx context.Context, keys []string) []*dataloader.Result[entity] {
		mu.Lock()
		calls = append(calls, slices.Clone(keys))
		n := len(calls)
		mu.Unlock()
		switch n {
		case 1: // A: blocks until its caller gives up, then fails like a cancelled HTTP call
			close(aFetching)
			<-release
			out := make([]*dataloader.Result[entity], len(keys))
			for i := range out {
				out[i] = &dataloader.Result[entity]{Error: ctx.Err()}
			}
			return out
		case 2:
			close(bFetched)
		}
		return next(ctx, keys)
	}
	load := Batch(c, typ, identity, notFound, isNotFound, wrapped)

	ctxA, cancelA := context.WithCancel(ctx)
	var wg sync.WaitGroup
	var resB []*dataloader.Result[entity]
	wg.Go(func() { aResults = load(ctxA, []string{"1"}) })
	<-aFetching
	wg.Go(func() { resB = load(ctx, []string{"1", "9"}) })
	<-bFetched
	cancelA()
	close(release)
	wg.Wait()

	if aResults[0].Error == nil {
		t.Error("A's result has no error although its fetch failed")
	}
	// B must not inherit A's cancellation: it fetches key 1 itself.
	checkResults(t, []string{"1", "9"}, resB)
	want := [][]string{{"1"}, {"9"}, {"1"}}
	mu.Lock()
	defer mu.Unlock()
	if !slices.EqualFunc(calls, want, slices.Equal) {
		t.Errorf("calls = %q, want %q", calls, want)
	}
}

func TestSingleFlightWaiterContextEnds(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newCache(t, NewMemory(100), Options{Namespace: "waiter"})
	typ := Type{Name: "customer", TTL: time.Minute}
	aFetching := make(chan struct{})
	bFetched := make(chan struct{})
	release := make(chan struct{})
	u := &fakeUpstream{hook: func(_ context.Context, call int, _ []string) {
		switch call {
		case 1:
			close(aFetching)
			<-release
		case 2:
			close(bFetched)
		}
	}}
	load := loader(c, typ, u)
	var wg sync.WaitGroup
	wg.Go(func() { load(ctx, []string{"1"}) })
	<-aFetching
	ctxB, cancelB := context.WithCancel(ctx)
	var resB []*dataloader.Result[entity]
	wg.Go(func() { resB = load(ctxB, []string{"1", "2"}) })
	<-bFetched
	cancelB() // B stops waiting for A's slow fetch of 1
	time.Sleep(10 * time.Millisecond)
	close(release)
	wg.Wait()
	if resB[0].Error != context.Canceled {
		t.Errorf("B's result for the key it waited on = %+v, want context.Canceled", resB[0])
	}
	checkResults(t, []string{"2"}, resB[1:])
}

func TestSingleFlightNextPanics(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newCache(t, NewMemory(100), Options{Namespace: "panic"})
	typ := Type{Name: "customer", TTL: time.Minute}
	panicking := Batch(c, typ, identity, notFound, isNotFound,
		func(context.Context, []string) []*dataloader.Result[entity] { panic("boom") })
	func() {
		defer func() {
			if recover() == nil {
				t.Error("the batch function's panic did not reach the caller (dataloader recovers it)")
			}
		}()
		panicking(ctx, []string{"1"})
	}()
	// The panicked fetch must not leave a flight behind that later batches wait on forever.
	u := &fakeUpstream{}
	checkResults(t, []string{"1"}, loader(c, typ, u)(ctx, []string{"1"}))
	if len(u.Calls()) != 1 {
		t.Errorf("calls = %q, want one fetch", u.Calls())
	}
}

func TestInvalidateDuringFetchDoesNotWriteStale(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	c := newCache(t, NewMemory(100), Options{Namespace: "stale"})
	typ := Type{Name: "customer", TTL: time.Minute}
	fetching := make(chan struct{})
	release := make(chan struct{})
	u := &fakeUpstream{hook: func(_ context.Context, call int, _ []string) {
		if call == 1 {
			close(fetching)
			<-release
		}
	}}
	load := loader(c, typ, u)
	var wg sync.WaitGroup
	wg.Go(func() { load(ctx, []string{"1"}) })
	<-fetching
	// A mutation lands while the (pre-mutation) read is in flight.
	if err := c.Invalidate(ctx, typ, "1"); err != nil {
		t.Fatal(err)
	}
	close(release)
	wg.Wait()
	load(ctx, []string{"1"})
	if n := len(u.Calls()); n != 2 {
		t.Errorf("next called %d times, want 2: the fetch that raced the invalidation must not be cached", n)
	}
}
