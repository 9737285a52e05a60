package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"custgraph/upstream"
	"custgraph/upstream/commercetools"
)

// CodeCacheStale marks a successful write whose shared-cache entry could not be removed: the
// data returned is right, but other replicas may serve the old value until its TTL ends.
const CodeCacheStale = "CACHE_STALE"

// invalidate runs fn against the cache invalidator, when there is one. A failure does not undo
// the upstream write (it happened); it is reported as an error beside the data.
func (r *Resolver) invalidate(ctx context.Context, fn func(context.Context, Invalidator) error) {
	if r.Invalidate == nil {
		return
	}
	if err := fn(ctx, r.Invalidate); err != nil {
		r.Logger.WarnContext(ctx, "cache invalidation failed", "error", err.Error())
		graphql.AddError(ctx, &gqlerror.Error{
			Path:       graphql.GetPath(ctx),
			Message:    "the change was saved, but cached copies could not be removed; other replicas may serve the old value briefly",
			Extensions: map[string]any{"code": CodeCacheStale},
		})
	}
}

// setGroupsWithFreshVersion replaces a commercetools customer's groups. The caller gives no
// version (the customer is not theirs to version), so the gateway reads the current one and, if
// another writer got in between, reads it again once.
func setGroupsWithFreshVersion(ctx context.Context, ct *commercetools.Client, number string, groupIDs []string) (*commercetools.Customer, error) {
	var lastErr error
	for range 2 {
		found, err := ct.CustomersByNumber(ctx, []string{number})
		if err != nil {
			return nil, err
		}
		cust, ok := found[number]
		if !ok {
			return nil, &notFoundError{msg: "customer " + number + " has no commercetools record"}
		}
		updated, err := ct.SetCustomerGroups(ctx, cust.ID, cust.Version, groupIDs)
		if err == nil {
			return updated, nil
		}
		if upstream.KindOf(err) != upstream.KindConflict {
			return nil, err
		}
		lastErr = err
	}
	return nil, lastErr
}
