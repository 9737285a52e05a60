package sales

import (
	"context"
	"errors"
	"net/http"

	"custgraph/upstream"
	"custgraph/upstream/rest"
)

// CustomerPage is one page of customers.
type CustomerPage struct {
	Customers []Customer
	PageInfo  PageInfo
}

// ListCustomers returns one page of customers ordered by number. Pass PageInfo.NextCursor back
// as opts.Cursor for the next page.
func (c *Client) ListCustomers(ctx context.Context, opts ListCustomersOptions) (*CustomerPage, error) {
	q, err := opts.query()
	if err != nil {
		return nil, c.optionError(http.MethodGet, "customers", err)
	}
	var list CustomerList
	if err := c.get(ctx, "customers", q, &list); err != nil {
		return nil, err
	}
	return &CustomerPage{Customers: list.Data, PageInfo: list.PageInfo}, nil
}

// GetCustomer returns one customer with the named sub-objects expanded.
func (c *Client) GetCustomer(ctx context.Context, id string, include ...string) (*Customer, error) {
	if id == "" {
		return nil, invalidArg(http.MethodGet, c.fullPath("customers/{id}"), "id", "customer id is empty")
	}
	var cu Customer
	if err := c.get(ctx, "customers/"+rest.PathEscape(id), includeQuery(include), &cu); err != nil {
		return nil, err
	}
	return &cu, nil
}

// CustomersByID loads customers by id: ids[] in chunks of 100, chunks in parallel. Ids that do
// not exist are absent from the map.
func (c *Client) CustomersByID(ctx context.Context, ids []string, include ...string) (map[string]Customer, error) {
	return batch(ctx, ids, func(ctx context.Context, chunk []string) ([]Customer, error) {
		return c.listAll(ctx, ListCustomersOptions{IDs: chunk, Include: include})
	}, func(cu Customer) string { return cu.ID })
}

// CustomersByNumber loads customers by customer number, like CustomersByID.
func (c *Client) CustomersByNumber(ctx context.Context, numbers []string, include ...string) (map[string]Customer, error) {
	return batch(ctx, numbers, func(ctx context.Context, chunk []string) ([]Customer, error) {
		return c.listAll(ctx, ListCustomersOptions{Numbers: chunk, Include: include})
	}, func(cu Customer) string { return cu.Number })
}

// listAll pages through one batch chunk. With at most 100 keys and limit=100 that is one
// request; the loop only guards against a server that pages anyway.
func (c *Client) listAll(ctx context.Context, opts ListCustomersOptions) ([]Customer, error) {
	opts.Limit = MaxPageSize
	var out []Customer
	for range len(opts.IDs) + len(opts.Numbers) + 1 {
		p, err := c.ListCustomers(ctx, opts)
		if err != nil {
			return nil, err
		}
		out = append(out, p.Customers...)
		if !p.PageInfo.HasNextPage || p.PageInfo.NextCursor == "" {
			break
		}
		opts.Cursor = p.PageInfo.NextCursor
	}
	return out, nil
}

// ChildAccounts returns one page of the child accounts of parentID (opts.ParentAccountID is
// overridden).
func (c *Client) ChildAccounts(ctx context.Context, parentID string, opts ListCustomersOptions) (*CustomerPage, error) {
	if parentID == "" {
		return nil, invalidArg(http.MethodGet, c.fullPath("customers"), "parent_account_id", "parent id is empty")
	}
	opts.ParentAccountID = parentID
	return c.ListCustomers(ctx, opts)
}

// UpdateCustomer applies p to customer id and returns the updated customer. Omitted fields of p
// are not sent. With opts.IdempotencyKey the call is retried on transient failures and the
// upstream applies it at most once.
func (c *Client) UpdateCustomer(ctx context.Context, id string, p CustomerPatch, opts UpdateOptions) (*Customer, error) {
	path := "customers/" + rest.PathEscape(id)
	if id == "" {
		return nil, invalidArg(http.MethodPatch, c.fullPath("customers/{id}"), "id", "customer id is empty")
	}
	if err := p.Validate(); err != nil {
		if ue := upstream.As(err); ue != nil {
			ue.Path = c.fullPath(path)
		}
		return nil, err
	}
	req := rest.Request{Method: http.MethodPatch, Path: path, Query: includeQuery(opts.Include), JSON: p}
	if opts.IdempotencyKey != "" {
		req.Header = http.Header{"Idempotency-Key": []string{opts.IdempotencyKey}}
		req.Retryable = true
	}
	var cu Customer
	if _, err := c.rest.Do(ctx, req, &cu); err != nil {
		return nil, err
	}
	return &cu, nil
}

// optionError turns a query builder's refusal into the validation error callers expect.
func (c *Client) optionError(method, rel string, err error) error {
	var fe *fieldError
	if errors.As(err, &fe) {
		return invalidArg(method, c.fullPath(rel), fe.field, fe.msg)
	}
	return err
}
