package commercetools

import (
	"context"
	"net/http"
	"net/url"
	"strconv"

	"custgraph/upstream/rest"
)

// CustomerNumbersInGroup returns the customer numbers of every customer assigned to the group
// (primary group or any assignment), paging through the customers query 500 at a time. The
// group id travels as an input variable.
func (c *Client) CustomerNumbersInGroup(ctx context.Context, groupID string) ([]string, error) {
	path := c.projectKey + "/customers"
	where, vars, err := Or(Eq("customerGroup.id", groupID), Eq("customerGroupAssignments.customerGroup.id", groupID)).Encode()
	if err != nil {
		return nil, err
	}
	var numbers []string
	for offset := 0; ; offset += maxLimit {
		q := url.Values{"where": {where}, "limit": {strconv.Itoa(maxLimit)},
			"offset": {strconv.Itoa(offset)}, "withTotal": {"false"}, "sort": {"customerNumber asc"}}
		for k, vs := range vars {
			q["var."+k] = vs
		}
		var page struct {
			Count   int        `json:"count"`
			Results []Customer `json:"results"`
		}
		if _, err := c.rest.Do(ctx, rest.Request{Method: http.MethodGet, Path: path, Query: q, Retryable: true}, &page); err != nil {
			return nil, err
		}
		for _, cu := range page.Results {
			if cu.CustomerNumber != "" {
				numbers = append(numbers, cu.CustomerNumber)
			}
		}
		if len(page.Results) < maxLimit || offset+maxLimit > maxOffset {
			return numbers, nil
		}
	}
}
