package sales

import (
	"fmt"
	"net/url"
	"strconv"
)

// Query parameter names of the list endpoints. Arrays use the bracket form (ids[]=a&ids[]=b).
const (
	paramLimit           = "limit"
	paramCursor          = "cursor"
	paramInclude         = "include[]"
	paramIDs             = "ids[]"
	paramNumbers         = "numbers[]"
	paramStatus          = "status"
	paramParentAccountID = "parent_account_id"
	paramQ               = "q"
	paramType            = "type"
)

// ListCustomersOptions filters and pages GET /customers. Zero fields are not sent.
type ListCustomersOptions struct {
	// Limit is the page size, 1..100; 0 lets the API choose (50).
	Limit int
	// Cursor is a PageInfo.NextCursor or PrevCursor from an earlier page.
	Cursor string
	// Include names sub-objects to expand (IncludeBillToAddress, ...).
	Include []string
	// IDs and Numbers restrict the list to these customers (at most 100 each).
	IDs, Numbers []string
	// Status is StatusNormal, StatusPreferred or StatusHoldShipment.
	Status string
	// ParentAccountID lists the child accounts of that customer.
	ParentAccountID string
	// Q is a case-insensitive substring of the customer name.
	Q string
}

// fieldError names the option a query builder refused.
type fieldError struct {
	field, msg string
}

func (e *fieldError) Error() string { return e.field + ": " + e.msg }

// query encodes o. User text only ever becomes a url.Values value, so no input can add a
// parameter or change another one.
func (o ListCustomersOptions) query() (url.Values, error) {
	q := url.Values{}
	if err := setPage(q, o.Limit, o.Cursor); err != nil {
		return nil, err
	}
	if err := addList(q, paramIDs, "ids", o.IDs); err != nil {
		return nil, err
	}
	if err := addList(q, paramNumbers, "numbers", o.Numbers); err != nil {
		return nil, err
	}
	addIncludes(q, o.Include)
	setIf(q, paramStatus, o.Status)
	setIf(q, paramParentAccountID, o.ParentAccountID)
	setIf(q, paramQ, o.Q)
	return q, nil
}

// accountGroupsQuery encodes GET /account_groups?ids[]=...&type=...
func accountGroupsQuery(ids []string, groupType string) (url.Values, error) {
	q := url.Values{}
	if err := setPage(q, len(ids), ""); err != nil {
		return nil, err
	}
	if err := addList(q, paramIDs, "ids", ids); err != nil {
		return nil, err
	}
	setIf(q, paramType, groupType)
	return q, nil
}

// addressesQuery encodes GET /addresses?ids[]=...
func addressesQuery(ids []string) (url.Values, error) {
	q := url.Values{}
	if err := setPage(q, len(ids), ""); err != nil {
		return nil, err
	}
	if err := addList(q, paramIDs, "ids", ids); err != nil {
		return nil, err
	}
	return q, nil
}

// includeQuery encodes include[] alone (GET and PATCH of one customer); nil when empty.
func includeQuery(include []string) url.Values {
	if len(include) == 0 {
		return nil
	}
	q := url.Values{}
	addIncludes(q, include)
	return q
}

func setPage(q url.Values, limit int, cursor string) error {
	if limit < 0 || limit > MaxPageSize {
		return &fieldError{"limit", fmt.Sprintf("must be between 1 and %d, got %d", MaxPageSize, limit)}
	}
	if limit > 0 {
		q.Set(paramLimit, strconv.Itoa(limit))
	}
	setIf(q, paramCursor, cursor)
	return nil
}

func addList(q url.Values, param, field string, vs []string) error {
	if len(vs) > MaxPageSize {
		return &fieldError{field, fmt.Sprintf("at most %d values per request, got %d", MaxPageSize, len(vs))}
	}
	for _, v := range vs {
		q.Add(param, v)
	}
	return nil
}

func addIncludes(q url.Values, include []string) {
	seen := map[string]bool{}
	for _, v := range include {
		if v != "" && !seen[v] {
			seen[v] = true
			q.Add(paramInclude, v)
		}
	}
}

func setIf(q url.Values, k, v string) {
	if v != "" {
		q.Set(k, v)
	}
}
