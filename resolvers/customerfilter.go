package resolvers

import (
	"context"
	"slices"

	"custgraph/graph/model"
	"custgraph/loaders"
	"custgraph/upstream/sales"
)

// applyCustomerFilter puts the sales-side parts of f into opts. A category or group filter
// restricts the list to a set of customer numbers found in NetSuite or commercetools; then
// restricted is true and numbers holds that set (sorted).
func (r *Resolver) applyCustomerFilter(ctx context.Context, f *model.CustomerFilter, opts *sales.ListCustomersOptions) (numbers []string, restricted bool, err error) {
	if f == nil {
		return nil, false, nil
	}
	if v := f.Status.Value(); v != nil {
		opts.Status = wireEnum(*v)
	}
	if v := f.NameContains.Value(); v != nil {
		opts.Q = *v
	}
	if v := f.ParentAccountID.Value(); v != nil {
		if opts.ParentAccountID, err = idOf("filter.parentAccountId", typeCustomer, *v); err != nil {
			return nil, false, err
		}
	}
	if v := f.CategoryID.Value(); v != nil {
		cid, err := idOf("filter.categoryId", typeCustomerCategory, *v)
		if err != nil {
			return nil, false, err
		}
		nums, err := loaders.Load(ctx, loaders.For(ctx).CustomerNumbersInCategory, cid)
		if err != nil {
			return nil, false, err
		}
		numbers, restricted = sortedCopy(nums), true
	}
	if v := f.GroupID.Value(); v != nil {
		gid, err := idOf("filter.groupId", typeCustomerGroup, *v)
		if err != nil {
			return nil, false, err
		}
		nums, err := r.Loaders.Upstreams(ctx).Commercetools.CustomerNumbersInGroup(ctx, gid)
		if err != nil {
			return nil, false, err
		}
		nums = sortedCopy(nums)
		if restricted {
			nums = slices.DeleteFunc(nums, func(n string) bool { _, ok := slices.BinarySearch(numbers, n); return !ok })
		}
		numbers, restricted = nums, true
	}
	return numbers, restricted, nil
}

// customersAmong pages through a set of customer numbers itself (the sales API takes at most
// 100 numbers per request), applying the sales-side filters to each page. A page can then hold
// fewer than first customers while hasNextPage is true; Relay allows that.
func (r *Resolver) customersAmong(ctx context.Context, numbers []string, page cursor, n int, opts sales.ListCustomersOptions) (*model.CustomerConnection, error) {
	if page.Upstream != "" {
		return nil, badInput("after", "this cursor belongs to an unfiltered list")
	}
	chunk, hasNext := offsetPage(numbers, page, n)
	if len(chunk) == 0 {
		return customerConnection(nil, page, "", false, page.Skip > 0), nil
	}
	opts.Numbers, opts.Cursor, opts.Limit = chunk, "", len(chunk)
	p, err := r.Loaders.ListCustomers(ctx, opts)
	if err != nil {
		return nil, err
	}
	prefetchEdges(ctx, p.Customers, connectionFields(ctx))
	nodes := make([]*model.Customer, len(p.Customers))
	for i := range p.Customers {
		nodes[i] = customerModel(&p.Customers[i], model.NewIncludeSet(opts.Include...))
	}
	conn := customerConnection(nodes, page, "", hasNext, page.Skip > 0)
	// Resume after the whole chunk, whatever the sales-side filters kept of it.
	if len(conn.Edges) > 0 {
		end := cursor{Skip: page.Skip + len(chunk)}.String()
		conn.Edges[len(conn.Edges)-1].Cursor = end
		conn.PageInfo.EndCursor = &end
	}
	return conn, nil
}

// maxCustomersPage is the largest `first` of Query.customers. The sales API pages at most 100
// customers per request, so a larger page is fetched as consecutive upstream pages.
const maxCustomersPage = 500

// listCustomers reads up to want customers from opts.Cursor on, following the upstream's
// cursors. next is the upstream cursor after the last customer read ("" at the end).
func (r *Resolver) listCustomers(ctx context.Context, opts sales.ListCustomersOptions, want int) (list []sales.Customer, next string, hasNext bool, err error) {
	for {
		opts.Limit = min(want-len(list), sales.MaxPageSize)
		p, err := r.Loaders.ListCustomers(ctx, opts)
		if err != nil {
			return nil, "", false, err
		}
		list = append(list, p.Customers...)
		next, hasNext = p.PageInfo.NextCursor, p.PageInfo.HasNextPage
		if !hasNext || next == "" || len(list) >= want || len(p.Customers) == 0 {
			return list, next, hasNext, nil
		}
		opts.Cursor = next
	}
}
