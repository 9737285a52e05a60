package resolvers

import (
	"context"
	"slices"

	"github.com/99designs/gqlgen/graphql"

	"custgraph/graph/model"
	"custgraph/loaders"
	"custgraph/upstream"
	"custgraph/upstream/sales"
)

// includeOfField maps each expandable Customer field to the sales include[] name that carries it.
// Every other Customer field comes with the record itself (or, for category and groups, from
// another upstream by customer number).
var includeOfField = map[string]string{
	"creditLimit":             sales.IncludeCreditLimit,
	"contactInfo":             sales.IncludeContactInfo,
	"freightPreferences":      sales.IncludeFreightPreferences,
	"defaults":                sales.IncludeDefaults,
	"notificationPreferences": sales.IncludeNotificationPreferences,
	"billToAddress":           sales.IncludeBillToAddress,
	"shipToAddress":           sales.IncludeShipToAddress,
	"type":                    sales.IncludeType,
	"priceGroups":             sales.IncludePriceGroups,
	"parentAccount":           sales.IncludeParentAccount,
	"childAccounts":           sales.IncludeChildAccounts,
}

// includesOf returns the include[] set a Customer selection needs: a query for names fetches no
// addresses.
func includesOf(fields []graphql.CollectedField) model.IncludeSet {
	var inc []string
	for _, f := range fields {
		if name, ok := includeOfField[f.Name]; ok {
			inc = append(inc, name)
		}
	}
	return model.NewIncludeSet(inc...)
}

// customerIncludes is the include set for the Customer(s) the current field returns, found
// under each of paths (none = directly under the field).
func customerIncludes(ctx context.Context, paths ...[]string) model.IncludeSet {
	if len(paths) == 0 {
		return includesOf(selectedUnder(ctx, customerTypes))
	}
	var all []graphql.CollectedField
	for _, p := range paths {
		all = append(all, selectedUnder(ctx, customerTypes, p...)...)
	}
	return includesOf(all)
}

// Paths to the Customer objects of a CustomerConnection.
var connectionPaths = [][]string{{"nodes"}, {"edges", "node"}}

// connectionFields is the merged Customer selection of the connection the current field returns.
func connectionFields(ctx context.Context) []graphql.CollectedField {
	var all []graphql.CollectedField
	for _, p := range connectionPaths {
		all = append(all, selectedUnder(ctx, customerTypes, p...)...)
	}
	return all
}

// loadCustomer reads one customer by sales id with includes; nil, nil when there is none.
func loadCustomer(ctx context.Context, id string, inc model.IncludeSet) (*model.Customer, error) {
	c, err := loaders.Load(ctx, loaders.For(ctx).CustomerByID(inc), id)
	if upstream.IsNotFound(err) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return customerModel(c, inc), nil
}

// mustLoadCustomer is loadCustomer for a mutation's target: absence is an error.
func mustLoadCustomer(ctx context.Context, gid string, field string) (*sales.Customer, error) {
	id, err := idOf(field, typeCustomer, gid)
	if err != nil {
		return nil, err
	}
	c, err := loaders.Load(ctx, loaders.For(ctx).CustomerByID(nil), id)
	if upstream.IsNotFound(err) {
		return nil, &notFoundError{msg: "no customer " + gid}
	}
	return c, err
}

// expanded returns obj's sales record carrying include: obj's own when it was fetched with it,
// otherwise a fetch of this customer with the include, batched with its siblings.
func expanded(ctx context.Context, obj *model.Customer, include string) (*sales.Customer, error) {
	if obj.Raw != nil && obj.Includes.Has(include) {
		return obj.Raw, nil
	}
	return loaders.Load(ctx, loaders.For(ctx).CustomerByID([]string{include}), obj.SalesID)
}

// relatedCustomers turns the inline customers of a parent/child edge (which come with every
// sub-object null) into models. When the selection under them needs includes, they are
// fetched again with those includes, all in one batch.
func relatedCustomers(ctx context.Context, inline []sales.Customer, inc model.IncludeSet) ([]*model.Customer, error) {
	out := make([]*model.Customer, 0, len(inline))
	if len(inc) == 0 {
		for i := range inline {
			out = append(out, customerModel(&inline[i], nil))
		}
		return out, nil
	}
	ids := make([]string, len(inline))
	for i, c := range inline {
		ids[i] = c.ID
	}
	found, errs := loaders.LoadMany(ctx, loaders.For(ctx).CustomerByID(inc), ids)
	for i, c := range found {
		if errs[i] != nil {
			if upstream.IsNotFound(errs[i]) {
				continue // deleted between the two reads
			}
			return nil, errs[i]
		}
		out = append(out, customerModel(c, inc))
	}
	return out, nil
}

// customerConnection builds a connection from one page of customers. Each edge's cursor resumes
// right after it; see cursor.
func customerConnection(nodes []*model.Customer, page cursor, next string, hasNext, hasPrev bool) *model.CustomerConnection {
	conn := &model.CustomerConnection{Nodes: nodes, Edges: make([]*model.CustomerEdge, len(nodes))}
	for i, n := range nodes {
		conn.Edges[i] = &model.CustomerEdge{Node: n, Cursor: cursor{Upstream: page.Upstream, Skip: page.Skip + i + 1}.String()}
	}
	start, end := "", ""
	if len(nodes) > 0 {
		start = conn.Edges[0].Cursor
		end = conn.Edges[len(nodes)-1].Cursor
		if next != "" {
			// The page was used up: the next one starts at the upstream's own cursor.
			end = cursor{Upstream: next}.String()
			conn.Edges[len(nodes)-1].Cursor = end
		}
	}
	conn.PageInfo = pageInfo(start, end, hasNext, hasPrev || page.Skip > 0 || page.Upstream != "")
	return conn
}

// offsetPage slices ids for an offset cursor and page size.
func offsetPage(ids []string, c cursor, first int) (page []string, hasNext bool) {
	if c.Skip >= len(ids) {
		return nil, false
	}
	end := min(c.Skip+first, len(ids))
	return ids[c.Skip:end], end < len(ids)
}

// customersByNumbers loads customers by number in one batch, skipping ones the sales platform
// does not have (a number NetSuite or commercetools knows but sales does not).
func customersByNumbers(ctx context.Context, numbers []string, inc model.IncludeSet) ([]*model.Customer, error) {
	found, errs := loaders.LoadMany(ctx, loaders.For(ctx).CustomerByNumber(inc), numbers)
	out := make([]*model.Customer, 0, len(numbers))
	for i, c := range found {
		if errs[i] != nil {
			if upstream.IsNotFound(errs[i]) {
				continue
			}
			return nil, errs[i]
		}
		out = append(out, customerModel(c, inc))
	}
	return out, nil
}

func sortedCopy(s []string) []string {
	out := slices.Clone(s)
	slices.Sort(out)
	return out
}

// priceGroupPage is one page of the price groups that came with c (include price_groups).
func priceGroupPage(c *sales.Customer, first *int, after *string) (*model.AccountGroupConnection, error) {
	n, page, err := pageArgs(first, after, 20, 100)
	if err != nil {
		return nil, err
	}
	var all []sales.AccountGroup
	if c.PriceGroups != nil {
		all = c.PriceGroups.Data
	}
	start := min(page.Skip, len(all))
	end := min(start+n, len(all))
	conn := &model.AccountGroupConnection{Nodes: mapSlice(all[start:end], accountGroupModel)}
	conn.Edges, conn.PageInfo = offsetEdges(conn.Nodes, cursor{Skip: start}, end < len(all), func(g *model.AccountGroup, cur string) *model.AccountGroupEdge {
		return &model.AccountGroupEdge{Node: g, Cursor: cur}
	})
	return conn, nil
}
