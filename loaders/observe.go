package loaders

import (
	"context"

	"github.com/graph-gophers/dataloader/v7"

	"custgraph/upstream"
)

// BatchObserver is told of every batch before it runs (package telemetry implements it: a span
// per batch, the batch size and duration). StartBatch returns the context the batch runs under
// (its upstream calls become children of the batch's span) and a func called when the batch
// ends with the number of keys that failed (not-found keys are answers, not failures).
type BatchObserver interface {
	StartBatch(ctx context.Context, loader string, keys int) (context.Context, func(failed int))
}

// observeAll wraps every batch function outside the cache, so a batch's span and duration
// cover its cache lookups and its upstream call. Names are the Loaders fields.
func (f *Factory) observeAll() {
	o := f.opts.Observe
	f.categories = observe(o, "CategoryByID", f.categories)
	f.customerCategories = observe(o, "CategoryOfCustomer", f.customerCategories)
	f.categoryMembers = observe(o, "CustomerNumbersInCategory", f.categoryMembers)
	f.groups = observe(o, "GroupByID", f.groups)
	f.customerGroups = observe(o, "GroupsOfCustomer", f.customerGroups)
	f.addresses = observe(o, "AddressByID", f.addresses)
	f.accountGroups = observe(o, "AccountGroupByID", f.accountGroups)
}

func customerLoaderName(byNumber bool) string {
	if byNumber {
		return "CustomerByNumber"
	}
	return "CustomerByID"
}

func observe[V any](o BatchObserver, name string, next dataloader.BatchFunc[string, V]) dataloader.BatchFunc[string, V] {
	if o == nil {
		return next
	}
	return func(ctx context.Context, keys []string) (res []*dataloader.Result[V]) {
		ctx, done := o.StartBatch(ctx, name, len(keys))
		defer func() {
			failed := 0
			for _, r := range res {
				if r != nil && r.Error != nil && !upstream.IsNotFound(r.Error) {
					failed++
				}
			}
			done(failed)
		}()
		return next(ctx, keys)
	}
}
