package commercetools

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"sync"

	"golang.org/x/sync/errgroup"

	"custgraph/upstream/rest"
)

const (
	maxLimit  = 500   // commercetools' page size cap
	maxOffset = 10000 // commercetools' offset cap
	// maxURLBytes keeps a batch URL well under the 8 KB that proxies and the API accept.
	maxURLBytes = 6 << 10
	// batchParallel bounds the chunks of one batch in flight: enough to hide latency, few enough
	// not to look like a burst.
	batchParallel = 4
)

// chunk splits keys (already deduplicated) into lists whose request URL, with fixed taking the
// bytes of everything but the keys, stays under maxURLBytes, and with at most maxLimit keys each.
func chunk(keys []string, varName string, fixed int) [][]string {
	per := len("&var.") + len(varName) + len("=")
	var out [][]string
	var cur []string
	size := fixed
	for _, k := range keys {
		n := per + len(url.QueryEscape(k))
		if len(cur) > 0 && (size+n > maxURLBytes || len(cur) == maxLimit) {
			out = append(out, cur)
			cur, size = nil, fixed
		}
		cur = append(cur, k)
		size += n
	}
	if len(cur) > 0 {
		out = append(out, cur)
	}
	return out
}

// batchQuery returns the query for one chunk: where with a list variable, limit the chunk size
// (the keys are unique fields, so one page holds every match), no total.
func batchQuery(where, varName string, keys []string, expand bool) url.Values {
	q := url.Values{
		"where":     {where},
		"limit":     {strconv.Itoa(max(len(keys), 1))},
		"withTotal": {"false"},
	}
	q["var."+varName] = keys
	if expand {
		for k, v := range expandGroups() {
			q[k] = v
		}
	}
	return q
}

// fixedURLBytes is the URL length of a batch request without its keys, assuming the longest
// limit value.
func (c *Client) fixedURLBytes(path, where string, expand bool) int {
	q := batchQuery(where, "x", nil, expand)
	q.Set("limit", strconv.Itoa(maxLimit))
	delete(q, "var.x")
	return len(c.apiURL) + 1 + len(path) + 1 + len(q.Encode())
}

// runChunks calls one for each chunk, at most batchParallel at a time, and stops at the first
// error (the others see a cancelled context).
func runChunks(ctx context.Context, chunks [][]string, one func(context.Context, []string) error) error {
	if len(chunks) == 1 {
		return one(ctx, chunks[0])
	}
	g, gctx := errgroup.WithContext(ctx)
	g.SetLimit(batchParallel)
	for _, ch := range chunks {
		g.Go(func() error { return one(gctx, ch) })
	}
	err := g.Wait()
	if err != nil && ctx.Err() != nil {
		return ctx.Err()
	}
	return err
}

// GroupsByID loads the groups with ids, keyed by id, with one request per chunk of ids (`id in
// :ids`). Ids that do not exist are absent from the map; empty and repeated ids are ignored.
func (c *Client) GroupsByID(ctx context.Context, ids []string) (map[string]CustomerGroup, error) {
	const where, varName = "id in :ids", "ids"
	keys := dedupe(ids)
	out := make(map[string]CustomerGroup, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	path := c.groupsPath()
	var mu sync.Mutex
	err := runChunks(ctx, chunk(keys, varName, c.fixedURLBytes(path, where, false)), func(ctx context.Context, ch []string) error {
		var page GroupPage
		req := rest.Request{Method: http.MethodGet, Path: path, Query: batchQuery(where, varName, ch, false), Retryable: true}
		if _, err := c.rest.Do(ctx, req, &page); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, g := range page.Results {
			out[g.ID] = g
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// CustomersByNumber loads the customers with the given customer numbers, keyed by number, with
// their customerGroup and customerGroupAssignments references expanded, one request per chunk
// (`customerNumber in :nums`). Numbers without a customer are absent from the map.
func (c *Client) CustomersByNumber(ctx context.Context, numbers []string) (map[string]Customer, error) {
	const where, varName = "customerNumber in :nums", "nums"
	keys := dedupe(numbers)
	out := make(map[string]Customer, len(keys))
	if len(keys) == 0 {
		return out, nil
	}
	path := c.projectKey + "/customers"
	var mu sync.Mutex
	err := runChunks(ctx, chunk(keys, varName, c.fixedURLBytes(path, where, true)), func(ctx context.Context, ch []string) error {
		var page struct {
			Results []Customer `json:"results"`
		}
		req := rest.Request{Method: http.MethodGet, Path: path, Query: batchQuery(where, varName, ch, true), Retryable: true}
		if _, err := c.rest.Do(ctx, req, &page); err != nil {
			return err
		}
		mu.Lock()
		defer mu.Unlock()
		for _, cu := range page.Results {
			if cu.CustomerNumber != "" {
				out[cu.CustomerNumber] = cu
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}
