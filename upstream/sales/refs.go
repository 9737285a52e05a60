package sales

import (
	"context"
	"net/http"

	"custgraph/upstream/rest"
)

// GetAddress returns one address.
func (c *Client) GetAddress(ctx context.Context, id string) (*Address, error) {
	if id == "" {
		return nil, invalidArg(http.MethodGet, c.fullPath("addresses/{id}"), "id", "address id is empty")
	}
	var a Address
	if err := c.get(ctx, "addresses/"+rest.PathEscape(id), nil, &a); err != nil {
		return nil, err
	}
	return &a, nil
}

// AddressesByID loads addresses by id: ids[] in chunks of 100, chunks in parallel. Ids that do
// not exist are absent from the map.
func (c *Client) AddressesByID(ctx context.Context, ids []string) (map[string]Address, error) {
	return batch(ctx, ids, func(ctx context.Context, chunk []string) ([]Address, error) {
		q, err := addressesQuery(chunk)
		if err != nil {
			return nil, c.optionError(http.MethodGet, "addresses", err)
		}
		var list addressList
		if err := c.get(ctx, "addresses", q, &list); err != nil {
			return nil, err
		}
		return list.Data, nil
	}, func(a Address) string { return a.ID })
}

// GetAccountGroup returns one account group (pricing or type group).
func (c *Client) GetAccountGroup(ctx context.Context, id string) (*AccountGroup, error) {
	if id == "" {
		return nil, invalidArg(http.MethodGet, c.fullPath("account_groups/{id}"), "id", "account group id is empty")
	}
	var g AccountGroup
	if err := c.get(ctx, "account_groups/"+rest.PathEscape(id), nil, &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// AccountGroupsByID loads account groups by id, restricted to groupType (GroupTypePricing or
// GroupTypeType; "" = any): ids[] in chunks of 100, chunks in parallel. Ids that do not exist or
// are of another type are absent from the map.
func (c *Client) AccountGroupsByID(ctx context.Context, ids []string, groupType string) (map[string]AccountGroup, error) {
	return batch(ctx, ids, func(ctx context.Context, chunk []string) ([]AccountGroup, error) {
		q, err := accountGroupsQuery(chunk, groupType)
		if err != nil {
			return nil, c.optionError(http.MethodGet, "account_groups", err)
		}
		var list AccountGroupList
		if err := c.get(ctx, "account_groups", q, &list); err != nil {
			return nil, err
		}
		return list.Data, nil
	}, func(g AccountGroup) string { return g.ID })
}
