package netsuite

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"custgraph/upstream"
	"custgraph/upstream/rest"
)

// maxSuiteQLPages bounds how many pages one batch call follows: NetSuite serves at most 100,000
// SuiteQL rows through REST, 100 pages of 1000.
const maxSuiteQLPages = 100

// suiteQLPage is a SuiteQL answer: the collection envelope with rows as items.
type suiteQLPage struct {
	Count        int                          `json:"count"`
	HasMore      bool                         `json:"hasMore"`
	Offset       int                          `json:"offset"`
	TotalResults int                          `json:"totalResults"`
	Items        []map[string]json.RawMessage `json:"items"`
}

// suiteQL runs one page of q. Rows map lower-cased column names to values as text; booleans are
// "T"/"F" and NULL columns are absent, as NetSuite sends them. SuiteQL is a POST but a read, so
// it is retried like one.
func (c *Client) suiteQL(ctx context.Context, q string, limit, offset int) ([]map[string]string, *suiteQLPage, error) {
	var page suiteQLPage
	_, err := c.api.Do(ctx, rest.Request{
		Method:    http.MethodPost,
		Path:      suiteQLPath,
		Query:     url.Values{"limit": {strconv.Itoa(limit)}, "offset": {strconv.Itoa(offset)}},
		Header:    http.Header{"Prefer": {"transient"}},
		JSON:      map[string]string{"q": q},
		Retryable: true,
	}, &page)
	if err != nil {
		return nil, nil, err
	}
	rows := make([]map[string]string, 0, len(page.Items))
	for _, it := range page.Items {
		row := make(map[string]string, len(it))
		for k, raw := range it {
			if k == "links" {
				continue
			}
			if v, ok := suiteQLValue(raw); ok {
				row[strings.ToLower(k)] = v
			}
		}
		rows = append(rows, row)
	}
	return rows, &page, nil
}

// suiteQLValue reads one column: strings as they are, numbers as their text, JSON booleans as
// "T"/"F"; null is absent.
func suiteQLValue(raw json.RawMessage) (string, bool) {
	raw = bytes.TrimSpace(raw)
	switch {
	case len(raw) == 0 || bytes.Equal(raw, []byte("null")):
		return "", false
	case raw[0] == '"':
		var s string
		if json.Unmarshal(raw, &s) != nil {
			return "", false
		}
		return s, true
	case bytes.Equal(raw, []byte("true")):
		return "T", true
	case bytes.Equal(raw, []byte("false")):
		return "F", true
	case raw[0] == '-' || (raw[0] >= '0' && raw[0] <= '9'):
		return string(raw), true
	}
	return "", false
}

// suiteQLAll runs q and follows hasMore. A batch of at most 1000 keys fits one page, so it costs
// one request; the loop is for answers with more rows than keys (customers per category).
func (c *Client) suiteQLAll(ctx context.Context, q string) ([]map[string]string, error) {
	var all []map[string]string
	for offset, pages := 0, 0; pages < maxSuiteQLPages; pages++ {
		rows, page, err := c.suiteQL(ctx, q, maxBatch, offset)
		if err != nil {
			return nil, err
		}
		all = append(all, rows...)
		if !page.HasMore || len(rows) == 0 {
			return all, nil
		}
		offset += maxBatch
	}
	return nil, &upstream.Error{Upstream: upstreamName, Method: http.MethodPost, Path: c.basePath + suiteQLPath,
		Kind: upstream.KindValidation, Code: "too_many_rows",
		Message: "the query answers more rows than NetSuite serves through SuiteQL (100,000)"}
}

func categoryFromRow(row map[string]string) Category {
	return Category{ID: row["id"], Name: row["name"], IsInactive: row["isinactive"] == "T"}
}

// CategoriesByID reads full categories in ONE SuiteQL request per 1000 distinct ids. Ids that do
// not exist, or are not NetSuite internal ids, are absent from the map.
func (c *Client) CategoriesByID(ctx context.Context, ids []string) (map[string]Category, error) {
	valid := uniqueIDs(ids)
	out := make(map[string]Category, len(valid))
	for _, batch := range chunks(valid, maxBatch) {
		rows, err := c.suiteQLAll(ctx, buildCategoriesByIDQuery(batch))
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			cat := categoryFromRow(row)
			out[cat.ID] = cat
		}
	}
	return out, nil
}

// SearchCategories reads one page of full categories with SuiteQL, filtered like ListCategories
// and ordered by id.
func (c *Client) SearchCategories(ctx context.Context, opts ListOptions) (*CategoryPage, error) {
	limit, offset, err := c.pageParams(http.MethodPost, suiteQLPath, opts)
	if err != nil {
		return nil, err
	}
	q, err := buildSearchQuery(opts.Filter)
	if err != nil {
		return nil, c.invalid(http.MethodPost, suiteQLPath, "filter", err.Error())
	}
	var hasMore bool
	cats, total, err := fetchWindow(offset, limit, func(pageLimit, pageOffset int) ([]Category, int, error) {
		rows, page, err := c.suiteQL(ctx, q, pageLimit, pageOffset)
		if err != nil {
			return nil, 0, err
		}
		hasMore = page.HasMore
		cats := make([]Category, 0, len(rows))
		for _, row := range rows {
			cats = append(cats, categoryFromRow(row))
		}
		return cats, page.TotalResults, nil
	})
	if err != nil {
		return nil, err
	}
	return &CategoryPage{Categories: cats, HasMore: moreAfter(offset, len(cats), total, hasMore), Offset: offset,
		Count: len(cats), TotalResults: total}, nil
}

// CategoriesOfCustomers reads the category of each customer (by entityId, the customer number)
// in ONE SuiteQL request per 1000 distinct entity ids: customer LEFT JOIN customercategory.
// Customers that do not exist are absent; inactive customers are included.
func (c *Client) CategoriesOfCustomers(ctx context.Context, entityIDs []string) (map[string]CustomerCategory, error) {
	valid := uniqueTexts(entityIDs)
	out := make(map[string]CustomerCategory, len(valid))
	for _, batch := range chunks(valid, maxBatch) {
		rows, err := c.suiteQLAll(ctx, buildCustomersQuery(batch))
		if err != nil {
			return nil, err
		}
		asked := make(map[string]bool, len(batch))
		for _, e := range batch {
			asked[e] = true
		}
		for _, row := range rows {
			key := requestedKey(row["entityid"], asked, batch)
			if key == "" {
				continue
			}
			if _, dup := out[key]; dup {
				continue // rows come by internal id: the first customer with an entityId wins
			}
			cc := CustomerCategory{EntityID: key, CustomerID: row["id"], CategoryID: row["category"]}
			if cc.CategoryID != "" {
				if name, ok := row["name"]; ok {
					cc.Category = &Category{ID: cc.CategoryID, Name: name, IsInactive: row["isinactive"] == "T"}
				}
			}
			out[key] = cc
		}
	}
	return out, nil
}

// requestedKey maps an entityId NetSuite returned to the one the caller asked for: the same
// string, or, where NetSuite matched ignoring case, the requested spelling.
func requestedKey(got string, asked map[string]bool, batch []string) string {
	if asked[got] {
		return got
	}
	for _, e := range batch {
		if strings.EqualFold(e, got) {
			return e
		}
	}
	return ""
}

// CustomersInCategories lists the entityIds of the active customers in each category, in one
// SuiteQL request per 1000 distinct category ids (plus one per further 1000 customers).
// Categories without active customers are absent.
func (c *Client) CustomersInCategories(ctx context.Context, categoryIDs []string) (map[string][]string, error) {
	valid := uniqueIDs(categoryIDs)
	out := make(map[string][]string, len(valid))
	for _, batch := range chunks(valid, maxBatch) {
		rows, err := c.suiteQLAll(ctx, buildMembersQuery(batch))
		if err != nil {
			return nil, err
		}
		for _, row := range rows {
			if cat, e := row["category"], row["entityid"]; cat != "" && e != "" {
				out[cat] = append(out[cat], e)
			}
		}
	}
	return out, nil
}
