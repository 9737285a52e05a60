package loaders

import (
	"context"
	"fmt"

	"github.com/graph-gophers/dataloader/v7"
)

// direct lets Prefetch and LoadMany send keys they already know as one batch at once, instead
// of queueing them one Load at a time into the dataloader's window. Queued, a set of keys is one
// batch only if the loop queueing them finishes within the window (2 ms): under CPU pressure it
// does not (measured with cmd/loadtest at 40 req/s under -race: 6 to 15% of list queries made
// two NetSuite or commercetools calls instead of one), so batching broke down exactly when the
// gateway was busiest. Sent directly, known keys are one batch whatever the scheduling, and they
// no longer wait for the window either.
//
// The keys' thunks are put into the loader's own cache before the batch starts, so the items'
// resolvers that Load those keys later find them there and wait for this batch.
type direct[V any] struct {
	cache *dataloader.InMemoryCache[string, V]
	batch dataloader.BatchFunc[string, V]
}

// newTrackedLoader builds a loader whose cache and batch function l remembers, for direct.
func newTrackedLoader[V any](l *Loaders, fn dataloader.BatchFunc[string, V], capacity int) *dataloader.Loader[string, V] {
	c := dataloader.NewCache[string, V]()
	ld := dataloader.NewBatchedLoader(fn, dataloader.WithWait[string, V](l.f.opts.Wait),
		dataloader.WithBatchCapacity[string, V](capacity), dataloader.WithCache[string, V](c))
	l.directMu.Lock()
	defer l.directMu.Unlock()
	if l.direct == nil {
		l.direct = map[any]any{}
	}
	l.direct[ld] = &direct[V]{cache: c, batch: fn}
	return ld
}

// directOf returns ld's direct path, or nil when there is none (no loaders in ctx, a loader not
// built by them, or naive mode, where every key must stay its own call).
func directOf[V any](ctx context.Context, ld *dataloader.Loader[string, V]) *direct[V] {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok || l.f.opts.Naive {
		return nil
	}
	l.directMu.Lock()
	defer l.directMu.Unlock()
	d, _ := l.direct[ld].(*direct[V])
	return d
}

// start sends the keys the loader has not seen yet as one batch, in the background.
func (d *direct[V]) start(ctx context.Context, keys []string) {
	var missing []string
	seen := make(map[string]bool, len(keys))
	for _, k := range keys {
		if seen[k] {
			continue
		}
		seen[k] = true
		if _, ok := d.cache.Get(ctx, k); !ok {
			missing = append(missing, k)
		}
	}
	if len(missing) == 0 {
		return
	}
	done := make(chan struct{})
	results := make([]*dataloader.Result[V], len(missing))
	for i, k := range missing {
		d.cache.Set(ctx, k, func() (V, error) {
			<-done
			return results[i].Data, results[i].Error
		})
	}
	go func() {
		defer close(done)
		defer func() {
			if r := recover(); r != nil {
				// As dataloader does: a panicking batch fails its keys, not the process.
				err := fmt.Errorf("loaders: panic in batch function: %v", r)
				for i := range results {
					results[i] = &dataloader.Result[V]{Error: err}
				}
			}
		}()
		res := d.batch(ctx, missing)
		for i := range results {
			if i < len(res) && res[i] != nil && len(res) == len(missing) {
				results[i] = res[i]
				continue
			}
			results[i] = &dataloader.Result[V]{Error: fmt.Errorf("loaders: batch function returned %d results for %d keys", len(res), len(missing))}
		}
	}()
}
