package sandbox

import (
	"cmp"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"custgraph/upstream/sales"
)

const (
	defaultLimit = 50
	maxLimit     = 100
	// maxCursorLen bounds what a cursor may cost to decode; real ones are well under it.
	maxCursorLen = 1024
)

// sortKey orders a list: customers by (number, id), other resources by id (Number empty).
type sortKey struct {
	Number string `json:"n,omitempty"`
	ID     string `json:"i"`
}

func compareKeys(a, b sortKey) int {
	return cmp.Or(strings.Compare(a.Number, b.Number), strings.Compare(a.ID, b.ID))
}

// cursor is a position in a list: the page after Key (Before false) or before it (Before
// true). The zero cursor is the first page. On the wire it is opaque base64url JSON.
type cursor struct {
	Before bool    `json:"b,omitempty"`
	Key    sortKey `json:"k"`
	set    bool
}

func (c cursor) encode() string {
	b, _ := json.Marshal(c) // a struct of strings and a bool always encodes
	return base64.RawURLEncoding.EncodeToString(b)
}

func decodeCursor(s string) (cursor, error) {
	if s == "" {
		return cursor{}, nil
	}
	if len(s) > maxCursorLen {
		return cursor{}, fmt.Errorf("cursor is too long")
	}
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return cursor{}, fmt.Errorf("cursor is not one this API issued")
	}
	var c cursor
	if err := json.Unmarshal(b, &c); err != nil || c.Key.ID == "" {
		return cursor{}, fmt.Errorf("cursor is not one this API issued")
	}
	c.set = true
	return c, nil
}

// paginate cuts one page of at most limit items out of items (sorted by key) at cur.
func paginate[T any](items []T, key func(T) sortKey, limit int, cur cursor) ([]T, wirePageInfo) {
	start, end := 0, 0
	switch {
	case !cur.set:
		end = min(len(items), limit)
	case cur.Before:
		end, _ = slices.BinarySearchFunc(items, cur.Key, func(it T, k sortKey) int { return compareKeys(key(it), k) })
		start = max(0, end-limit)
	default:
		i, found := slices.BinarySearchFunc(items, cur.Key, func(it T, k sortKey) int { return compareKeys(key(it), k) })
		if found {
			i++
		}
		start, end = i, min(len(items), i+limit)
	}
	page := items[start:end]
	// An empty page (only after the data moved under a cursor) has no neighbour to point at,
	// so it reports none: a has_*_page flag always comes with its cursor.
	info := wirePageInfo{HasPrevPage: start > 0 && len(page) > 0, HasNextPage: end < len(items) && len(page) > 0}
	if len(page) > 0 {
		if info.HasNextPage {
			info.NextCursor = ptr(cursor{Key: key(page[len(page)-1])}.encode())
		}
		if info.HasPrevPage {
			info.PrevCursor = ptr(cursor{Before: true, Key: key(page[0])}.encode())
		}
	}
	return page, info
}

// apiError is an error answer: status plus the vendor's error body.
type apiError struct {
	status int
	body   wireErrorBody
}

func invalidParam(param, format string, args ...any) *apiError {
	return &apiError{400, wireErrorBody{Type: sales.ErrorTypeInvalidRequest, Code: sales.CodeParameterInvalid,
		Message: fmt.Sprintf(format, args...), Param: param}}
}

// query is a request's query string, checked against the parameters an endpoint accepts.
type query struct {
	v url.Values
}

func parseQuery(raw string, allowed ...string) (query, *apiError) {
	v, err := url.ParseQuery(raw)
	if err != nil {
		return query{}, &apiError{400, wireErrorBody{Type: sales.ErrorTypeInvalidRequest,
			Code: sales.CodeParameterInvalid, Message: "The query string is malformed."}}
	}
	for _, k := range sortedKeys(v) {
		if !slices.Contains(allowed, k) {
			return query{}, &apiError{400, wireErrorBody{Type: sales.ErrorTypeInvalidRequest,
				Code: sales.CodeParameterUnknown, Message: fmt.Sprintf("Received unknown parameter: %s", clip(k)), Param: clip(k)}}
		}
	}
	return query{v}, nil
}

// single returns a scalar parameter, refusing it when repeated.
func (q query) single(name string) (string, *apiError) {
	vs := q.v[name]
	if len(vs) > 1 {
		return "", invalidParam(name, "%s may be given only once.", name)
	}
	if len(vs) == 0 {
		return "", nil
	}
	return vs[0], nil
}

// list returns an array parameter (name[]), at most maxLimit values.
func (q query) list(name string) ([]string, bool, *apiError) {
	vs, ok := q.v[name+"[]"]
	if len(vs) > maxLimit {
		return nil, false, invalidParam(name, "%s accepts at most %d values, got %d.", name, maxLimit, len(vs))
	}
	return vs, ok, nil
}

func (q query) limit() (int, *apiError) {
	s, err := q.single("limit")
	if err != nil || s == "" {
		return defaultLimit, err
	}
	n, perr := strconv.Atoi(s)
	if perr != nil || n < 1 || n > maxLimit {
		return 0, invalidParam("limit", "limit must be an integer between 1 and %d.", maxLimit)
	}
	return n, nil
}

func (q query) cursor() (cursor, *apiError) {
	s, err := q.single("cursor")
	if err != nil {
		return cursor{}, err
	}
	c, cerr := decodeCursor(s)
	if cerr != nil {
		return cursor{}, invalidParam("cursor", "Invalid cursor: %s.", cerr)
	}
	return c, nil
}

func (q query) includes() (includeSet, *apiError) {
	vs, _, err := q.list("include")
	if err != nil {
		return nil, err
	}
	inc := includeSet{}
	for _, v := range vs {
		if !slices.Contains(sales.AllIncludes(), v) {
			return nil, invalidParam("include", "Invalid include[] value %q: must be one of %s.",
				clip(v), strings.Join(sales.AllIncludes(), ", "))
		}
		inc[v] = true
	}
	return inc, nil
}

func (q query) enum(name string, allowed ...string) (string, *apiError) {
	s, err := q.single(name)
	if err != nil || s == "" {
		return "", err
	}
	if !slices.Contains(allowed, s) {
		return "", invalidParam(name, "Invalid %s %q: must be one of %s.", name, clip(s), strings.Join(allowed, ", "))
	}
	return s, nil
}

// clip bounds user text echoed in a message.
func clip(s string) string {
	const n = 100
	if len(s) <= n {
		return s
	}
	return s[:n] + "…"
}

// page reads the parameters every list endpoint shares: limit, cursor and the ids[] filter.
func (q query) page() (limit int, cur cursor, ids []string, byID bool, e *apiError) {
	if limit, e = q.limit(); e != nil {
		return
	}
	if cur, e = q.cursor(); e != nil {
		return
	}
	ids, byID, e = q.list("ids")
	return
}
