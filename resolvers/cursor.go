package resolvers

import (
	"encoding/base64"
	"encoding/json"
	"fmt"

	"custgraph/graph/model"
)

// cursor is the opaque pagination position handed to clients: an upstream page cursor (sales)
// plus how many items of that page to skip, or a plain offset (NetSuite, commercetools, and
// lists the gateway pages itself).
type cursor struct {
	Upstream string `json:"c,omitempty"`
	Skip     int    `json:"s,omitempty"`
}

func (c cursor) String() string {
	b, _ := json.Marshal(c)
	return base64.RawURLEncoding.EncodeToString(b)
}

// parseCursor decodes an `after` argument; nil means the start.
func parseCursor(after *string) (cursor, error) {
	if after == nil || *after == "" {
		return cursor{}, nil
	}
	b, err := base64.RawURLEncoding.DecodeString(*after)
	var c cursor
	if err == nil {
		err = json.Unmarshal(b, &c)
	}
	if err != nil || c.Skip < 0 {
		return cursor{}, badInput("after", fmt.Sprintf("%q is not a cursor from this API", *after))
	}
	return c, nil
}

// pageSize validates `first` against the upstream's page limit.
func pageSize(first *int, def, maxN int) (int, error) {
	if first == nil {
		return def, nil
	}
	if *first < 1 || *first > maxN {
		return 0, badInputf("first", "first must be between 1 and %d, got %d", maxN, *first)
	}
	return *first, nil
}

func pageInfo(startCursor, endCursor string, hasNext, hasPrev bool) *model.PageInfo {
	return &model.PageInfo{HasNextPage: hasNext, HasPreviousPage: hasPrev,
		StartCursor: strPtr(startCursor), EndCursor: strPtr(endCursor)}
}

// pageArgs validates a connection's first and after.
func pageArgs(first *int, after *string, def, maxN int) (int, cursor, error) {
	n, err := pageSize(first, def, maxN)
	if err != nil {
		return 0, cursor{}, err
	}
	c, err := parseCursor(after)
	return n, c, err
}

// offsetEdges builds the edges and page info of one page of an offset-paged connection whose
// page starts at page.Skip: each edge's cursor resumes right after it.
func offsetEdges[N, E any](nodes []N, page cursor, hasNext bool, edge func(N, string) E) ([]E, *model.PageInfo) {
	edges := make([]E, len(nodes))
	start, end := "", ""
	for i, n := range nodes {
		c := cursor{Skip: page.Skip + i + 1}.String()
		edges[i] = edge(n, c)
		if i == 0 {
			start = c
		}
		end = c
	}
	return edges, pageInfo(start, end, hasNext, page.Skip > 0)
}

// mapSlice maps each element's address through f.
func mapSlice[T, R any](in []T, f func(*T) R) []R {
	out := make([]R, len(in))
	for i := range in {
		out[i] = f(&in[i])
	}
	return out
}
