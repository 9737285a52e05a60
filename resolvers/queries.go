package resolvers

import (
	"context"
	"sync"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"custgraph/graph/model"
	"custgraph/loaders"
	"custgraph/upstream"
)

// loadNode resolves one global id through the loaders; nil, nil when nothing has that id.
func loadNode(ctx context.Context, gid string) (model.Node, error) {
	typ, id, err := parseGlobalID(gid)
	if err != nil {
		return nil, badInput("id", err.Error())
	}
	l := loaders.For(ctx)
	switch typ {
	case typeCustomer:
		c, err := loadCustomer(ctx, id, includesOf(selectedUnder(ctx, []string{"Customer", "Node"})))
		if c == nil || err != nil {
			return nil, err
		}
		return c, nil
	case typeCustomerCategory:
		c, err := loaders.Load(ctx, l.CategoryByID, id)
		return nodeOrNil(categoryModel(c), err)
	case typeCustomerGroup:
		g, err := loaders.Load(ctx, l.GroupByID, id)
		return nodeOrNil(groupModel(g), err)
	case typeAddress:
		a, err := loaders.Load(ctx, l.AddressByID, id)
		return nodeOrNil(addressModel(a), err)
	case typeAccountGroup:
		g, err := loaders.Load(ctx, l.AccountGroupByID, id)
		return nodeOrNil(accountGroupModel(g), err)
	}
	return nil, badInputf("id", "%q names an unknown type %q", gid, typ)
}

func nodeOrNil[T model.Node](n T, err error) (model.Node, error) {
	if upstream.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return n, nil
}

// loadNodes resolves ids concurrently so that the loaders batch them: one upstream call per
// type, not one per id. A failed id is null with its own error; the others are returned.
func loadNodes(ctx context.Context, ids []string) []model.Node {
	out := make([]model.Node, len(ids))
	var wg sync.WaitGroup
	for i, gid := range ids {
		wg.Go(func() {
			n, err := loadNode(ctx, gid)
			if err != nil {
				graphql.AddError(ctx, withPathIndex(ctx, i, err))
				return
			}
			out[i] = n
		})
	}
	wg.Wait()
	return out
}

// withPathIndex points an error of one element of nodes(ids) at that element.
func withPathIndex(ctx context.Context, i int, err error) error {
	path := append(graphql.GetPath(ctx), ast.PathIndex(i))
	return &gqlerror.Error{Err: err, Message: err.Error(), Path: path}
}
