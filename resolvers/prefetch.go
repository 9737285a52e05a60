package resolvers

import (
	"context"
	"runtime"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"custgraph/graph/model"
	"custgraph/loaders"
	"custgraph/upstream/sales"
)

// prefetchEdges starts the NetSuite and commercetools batches for every customer a list field
// returns, including the parent and child accounts that came inline and whose category or groups
// the query selects. Each upstream then gets one batch for the whole tree, however the items'
// resolvers are scheduled.
func prefetchEdges(ctx context.Context, customers []sales.Customer, fields []graphql.CollectedField) {
	var cats, groups []string
	collectEdgeKeys(graphql.GetOperationContext(ctx), customers, fields, &cats, &groups)
	if len(cats) == 0 && len(groups) == 0 {
		return
	}
	l := loaders.For(ctx)
	if len(cats) > 0 {
		loaders.Prefetch(ctx, l.CategoryOfCustomer, dedupe(cats))
	}
	if len(groups) > 0 {
		loaders.Prefetch(ctx, l.GroupsOfCustomer, dedupe(groups))
	}
	// Let the batches just started send their requests before this goroutine hands gqlgen the
	// list: its items' work (one goroutine per item) would otherwise queue ahead of them on a
	// busy process, and the second upstream's request left up to a millisecond later
	// (cold list-50, BENCHMARKS.md).
	runtime.Gosched()
}

// prefetchOne is prefetchEdges for a root field returning one customer (customer,
// customerByNumber): its own category and groups and those of its inline parent and children
// are one batch per upstream at once, instead of depending on the items' resolvers all
// reaching their loaders within one dataloader window (which a busy process overruns).
func prefetchOne(ctx context.Context, c *model.Customer) {
	if c == nil || c.Raw == nil {
		return
	}
	prefetchEdges(ctx, []sales.Customer{*c.Raw}, selectedUnder(ctx, customerTypes))
}

func collectEdgeKeys(op *graphql.OperationContext, customers []sales.Customer, fields []graphql.CollectedField, cats, groups *[]string) {
	names := fieldNames(fields)
	for _, c := range customers {
		if names["category"] {
			*cats = append(*cats, c.Number)
		}
		if names["groups"] {
			*groups = append(*groups, c.Number)
		}
	}
	for _, f := range fields {
		switch f.Name {
		case "parentAccount":
			var parents []sales.Customer
			for _, c := range customers {
				if c.ParentAccount != nil {
					parents = append(parents, *c.ParentAccount)
				}
			}
			collectEdgeKeys(op, parents, graphql.CollectFields(op, f.Selections, customerTypes), cats, groups)
		case "childAccounts":
			var children []sales.Customer
			for _, c := range customers {
				if c.ChildAccounts != nil {
					children = append(children, c.ChildAccounts.Data...)
				}
			}
			var sub []graphql.CollectedField
			for _, p := range connectionPaths {
				sub = append(sub, collectPath(op, f.Selections, customerTypes, p)...)
			}
			collectEdgeKeys(op, children, sub, cats, groups)
		}
	}
}

func dedupe(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return slices.Compact(out)
}
