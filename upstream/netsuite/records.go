package netsuite

import (
	"context"
	"net/http"
	"net/url"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"

	"custgraph/upstream"
	"custgraph/upstream/rest"
)

// collection is the body of a record list: items carry only id and links.
type collection struct {
	Count        int  `json:"count"`
	HasMore      bool `json:"hasMore"`
	Offset       int  `json:"offset"`
	TotalResults int  `json:"totalResults"`
	Items        []struct {
		ID string `json:"id"`
	} `json:"items"`
}

// categoryBody is a customerCategory record as NetSuite sends it.
type categoryBody struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	IsInactive bool   `json:"isInactive"`
}

func (b categoryBody) category() *Category {
	return &Category{ID: b.ID, Name: b.Name, IsInactive: b.IsInactive}
}

// ListCategories lists category ids (GET record collection), filtered by opts.Filter through the
// q parameter. NetSuite's list carries ids only: use CategoriesByID or SearchCategories for
// names.
func (c *Client) ListCategories(ctx context.Context, opts ListOptions) (*IDPage, error) {
	limit, offset, err := c.pageParams(http.MethodGet, categoryPath, opts)
	if err != nil {
		return nil, err
	}
	q, err := buildQ(opts.Filter)
	if err != nil {
		return nil, c.invalid(http.MethodGet, categoryPath, "q", err.Error())
	}
	var hasMore bool
	ids, total, err := fetchWindow(offset, limit, func(pageLimit, pageOffset int) ([]string, int, error) {
		query := url.Values{"limit": {strconv.Itoa(pageLimit)}, "offset": {strconv.Itoa(pageOffset)}}
		if q != "" {
			query.Set("q", q)
		}
		var out collection
		if _, err := c.api.Do(ctx, rest.Request{Method: http.MethodGet, Path: categoryPath, Query: query, Retryable: true}, &out); err != nil {
			return nil, 0, err
		}
		hasMore = out.HasMore
		ids := make([]string, 0, len(out.Items))
		for _, it := range out.Items {
			ids = append(ids, it.ID)
		}
		return ids, out.TotalResults, nil
	})
	if err != nil {
		return nil, err
	}
	return &IDPage{IDs: ids, HasMore: moreAfter(offset, len(ids), total, hasMore), Offset: offset,
		Count: len(ids), TotalResults: total}, nil
}

// moreAfter reports whether results follow a window: by the total when NetSuite sent one, else
// by the last page's hasMore.
func moreAfter(offset, count, total int, lastHasMore bool) bool {
	if total > 0 || !lastHasMore {
		return offset+count < total
	}
	return lastHasMore
}

// GetCategory reads one category. An id that is not a NetSuite internal id is KindNotFound
// without a request.
func (c *Client) GetCategory(ctx context.Context, id string) (*Category, error) {
	p := categoryPath + "/" + id
	if !isID(id) {
		return nil, c.notFound(http.MethodGet, categoryPath, "customerCategory id must be a decimal internal id")
	}
	var out categoryBody
	if _, err := c.api.Do(ctx, rest.Request{Method: http.MethodGet, Path: p, Retryable: true}, &out); err != nil {
		return nil, err
	}
	if out.ID == "" {
		out.ID = id
	}
	return out.category(), nil
}

// CreateCategory creates a category. NetSuite answers 204 with a Location header, and the record
// is then read back; an answer with the record in its body (as older documentation shows) is
// used as is. If the read-back fails, the create still succeeded, so the category is returned as
// written rather than an error that would invite a duplicate retry. Creates are never retried.
func (c *Client) CreateCategory(ctx context.Context, in CategoryInput) (*Category, error) {
	if strings.TrimSpace(in.Name) == "" || !utf8.ValidString(in.Name) {
		return nil, c.invalid(http.MethodPost, categoryPath, "name", "name is required and must be valid UTF-8")
	}
	body := map[string]any{"name": in.Name}
	if in.IsInactive != nil {
		body["isInactive"] = *in.IsInactive
	}
	var out categoryBody
	resp, err := c.api.Do(ctx, rest.Request{Method: http.MethodPost, Path: categoryPath, JSON: body}, &out)
	if err != nil {
		return nil, err
	}
	if out.ID != "" && out.Name != "" {
		return out.category(), nil
	}
	id := idFromLocation(resp.Header.Get("Location"))
	if id == "" {
		id = out.ID
	}
	if id == "" {
		return nil, &upstream.Error{Upstream: upstreamName, Method: http.MethodPost, Path: c.basePath + categoryPath,
			Status: resp.Status, Kind: upstream.KindUnavailable, Code: "invalid_response",
			Message: "create answered without a Location header or a record id"}
	}
	got, err := c.GetCategory(ctx, id)
	if err != nil {
		return &Category{ID: id, Name: in.Name, IsInactive: in.IsInactive != nil && *in.IsInactive}, nil
	}
	return got, nil
}

// idFromLocation takes the record id from a Location such as
// https://123.suitetalk.api.netsuite.com/services/rest/record/v1/customerCategory/5.
func idFromLocation(loc string) string {
	if loc == "" {
		return ""
	}
	u, err := url.Parse(loc)
	if err != nil {
		return ""
	}
	id := path.Base(u.Path)
	if !isID(id) {
		return ""
	}
	return id
}

// UpdateCategory changes the set fields of p and returns the record as NetSuite then holds it
// (read back after the 204; a body is used as is). A patch with no fields is just a read.
// Updates are never retried; if the read-back fails its error is returned, though the update
// was applied (repeating it is harmless).
func (c *Client) UpdateCategory(ctx context.Context, id string, p CategoryPatch) (*Category, error) {
	if !isID(id) {
		return nil, c.notFound(http.MethodPatch, categoryPath, "customerCategory id must be a decimal internal id")
	}
	body := map[string]any{}
	if p.Name != nil {
		if strings.TrimSpace(*p.Name) == "" || !utf8.ValidString(*p.Name) {
			return nil, c.invalid(http.MethodPatch, categoryPath+"/"+id, "name", "name must not be empty and must be valid UTF-8")
		}
		body["name"] = *p.Name
	}
	if p.IsInactive != nil {
		body["isInactive"] = *p.IsInactive
	}
	if len(body) == 0 {
		return c.GetCategory(ctx, id)
	}
	var out categoryBody
	if _, err := c.api.Do(ctx, rest.Request{Method: http.MethodPatch, Path: categoryPath + "/" + id, JSON: body}, &out); err != nil {
		return nil, err
	}
	if out.ID != "" && out.Name != "" {
		return out.category(), nil
	}
	return c.GetCategory(ctx, id)
}

// DeleteCategory deletes a category. A category still assigned to customers is KindConflict.
func (c *Client) DeleteCategory(ctx context.Context, id string) error {
	if !isID(id) {
		return c.notFound(http.MethodDelete, categoryPath, "customerCategory id must be a decimal internal id")
	}
	_, err := c.api.Do(ctx, rest.Request{Method: http.MethodDelete, Path: categoryPath + "/" + id}, nil)
	return err
}

// SetCustomerCategory assigns categoryID ("" clears it) to the customer whose entityId is
// entityID: it finds the customer's internal id with SuiteQL, then PATCHes the customer record.
// An unknown customer is KindNotFound; an unknown or inactive category is KindValidation.
func (c *Client) SetCustomerCategory(ctx context.Context, entityID, categoryID string) error {
	if categoryID != "" && !isID(categoryID) {
		return c.invalid(http.MethodPatch, customerPath, "category", "category id must be a decimal internal id or empty")
	}
	if len(uniqueTexts([]string{entityID})) == 0 {
		return c.notFound(http.MethodPost, suiteQLPath, "no customer has this entityId")
	}
	rows, _, err := c.suiteQL(ctx, buildCustomerIDQuery(entityID), 1, 0)
	if err != nil {
		return err
	}
	if len(rows) == 0 || !isID(rows[0]["id"]) {
		return c.notFound(http.MethodPost, suiteQLPath, "no customer has this entityId")
	}
	var ref any // JSON null clears the select field
	if categoryID != "" {
		ref = map[string]string{"id": categoryID}
	}
	_, err = c.api.Do(ctx, rest.Request{Method: http.MethodPatch, Path: customerPath + "/" + rows[0]["id"],
		JSON: map[string]any{"category": ref}}, nil)
	return err
}
