package resolvers

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/graphql"

	"custgraph/graph/model"
	"custgraph/loaders"
	"custgraph/upstream"
	"custgraph/upstream/sales"
)

// Apollo Federation entity resolution (_entities). gqlgen hands each entity type's
// representations to one multi resolver; every representation becomes a key of the same
// per-request loaders the rest of the schema uses, so a router asking for 100 customers costs
// one sales request (the API's page limit is 100) and, for the fields below them, one NetSuite
// and one commercetools request. Errors are per representation (a graphql.BatchErrorList): a
// missing customer is null with its own error at _entities.i while the others resolve.

// entityTypes are the type names a selection under _entities can be spread on for a Customer.
var entityTypes = []string{typeCustomer, "Node", "_Entity"}

// findCustomers resolves Customer representations by global id or by customer number, in
// representation order.
func findCustomers(ctx context.Context, reps []*model.CustomerRepresentation) ([]*model.Customer, error) {
	fields := selectedUnder(ctx, entityTypes)
	inc := includesOf(fields)
	l := loaders.For(ctx)
	errs := make(graphql.BatchErrorList, len(reps))
	var byID, byNumber entityKeys
	for i, rep := range reps {
		switch rep.MatchedKey {
		case model.CustomerMatchedKeyID:
			gid := deref(rep.ID.Value())
			id, err := idOf("id", typeCustomer, gid)
			if err != nil {
				errs[i] = err
				continue
			}
			byID.add(i, id, gid)
		case model.CustomerMatchedKeyNumber:
			n := deref(rep.Number.Value())
			if n == "" {
				errs[i] = badInput("number", "a Customer representation needs a non-empty number")
				continue
			}
			byNumber.add(i, n, n)
		default:
			errs[i] = badInput("", "a Customer representation must carry id or number")
		}
	}
	// Queue both key sets before waiting on either: a batch mixing ids and numbers then costs
	// one loader window (two sales requests: the API looks customers up by one or the other).
	loaders.Prefetch(ctx, l.CustomerByID(inc), byID.keys)
	loaders.Prefetch(ctx, l.CustomerByNumber(inc), byNumber.keys)

	out := make([]*model.Customer, len(reps))
	var records []sales.Customer
	collect := func(k entityKeys, vals []*sales.Customer, lerrs []error, key string) {
		for j, v := range vals {
			i := k.pos[j]
			if lerrs[j] != nil {
				errs[i] = entityError(lerrs[j], fmt.Sprintf("no customer with %s %q", key, k.asked[j]))
				continue
			}
			out[i] = customerModel(v, inc)
			records = append(records, *v)
		}
	}
	vals, lerrs := loaders.LoadMany(ctx, l.CustomerByID(inc), byID.keys)
	collect(byID, vals, lerrs, "id")
	vals, lerrs = loaders.LoadMany(ctx, l.CustomerByNumber(inc), byNumber.keys)
	collect(byNumber, vals, lerrs, "number")

	// Start the NetSuite and commercetools batches for every customer at once, as the list
	// resolvers do, rather than relying on the items' field resolvers meeting in one window.
	prefetchEdges(ctx, records, fields)
	return out, batchErrors(errs)
}

// findByGlobalIDs resolves representations keyed by a global id of type typ: load reads the
// upstream ids in one batch, conv maps a record to its model.
func findByGlobalIDs[V any, M any](ctx context.Context, typ, what string, gids []string,
	load func(ids []string) ([]V, []error), conv func(V) M) ([]M, error) {
	errs := make(graphql.BatchErrorList, len(gids))
	var keys entityKeys
	for i, gid := range gids {
		id, err := idOf("id", typ, gid)
		if err != nil {
			errs[i] = err
			continue
		}
		keys.add(i, id, gid)
	}
	out := make([]M, len(gids))
	vals, lerrs := load(keys.keys)
	for j, v := range vals {
		i := keys.pos[j]
		if lerrs[j] != nil {
			errs[i] = entityError(lerrs[j], fmt.Sprintf("no %s with id %q", what, keys.asked[j]))
			continue
		}
		out[i] = conv(v)
	}
	return out, batchErrors(errs)
}

// representationIDs is the id of each representation ("" when the router sent null).
func representationIDs[R any](reps []R, id func(R) graphql.Omittable[*string]) []string {
	out := make([]string, len(reps))
	for i, r := range reps {
		out[i] = deref(id(r).Value())
	}
	return out
}

// entityKeys are the loader keys of some representations, with each one's position in the
// batch and the key as the router sent it (for the error message).
type entityKeys struct {
	keys  []string
	pos   []int
	asked []string
}

func (k *entityKeys) add(pos int, key, asked string) {
	k.keys = append(k.keys, key)
	k.pos = append(k.pos, pos)
	k.asked = append(k.asked, asked)
}

// entityError is the error of one representation: absence becomes NOT_FOUND naming what the
// router asked for; anything else (an upstream failure) passes through to the presenter.
func entityError(err error, notFoundMsg string) error {
	if upstream.IsNotFound(err) {
		return &notFoundError{msg: notFoundMsg}
	}
	return err
}

// batchErrors returns errs when any representation failed, nil otherwise.
func batchErrors(errs graphql.BatchErrorList) error {
	for _, err := range errs {
		if err != nil {
			return errs
		}
	}
	return nil
}

func deref(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
