package loaders

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"slices"

	"github.com/graph-gophers/dataloader/v7"

	"custgraph/cache"
	"custgraph/upstream"
	"custgraph/upstream/sales"
)

// Cache types of customer list pages. A page is cached as the ids it held under a generation
// token; any customer write replaces the token, so every cached page of every replica goes
// stale at once without anyone having to find them.
const (
	typeCustomerList    = "customer-list"
	typeCustomerListGen = "customer-list-gen"
)

// listPage is a cached page: the customers' ids in order and the upstream's paging state.
type listPage struct {
	IDs      []string       `json:"ids"`
	PageInfo sales.PageInfo `json:"pageInfo"`
}

// ListCustomers reads one page of the sales customer list. Without a cache it is the client
// call. With one, a repeated page is answered from the cache: its ids from the page entry and
// the customers from their own entries, so a warm list costs no upstream request.
func (f *Factory) ListCustomers(ctx context.Context, opts sales.ListCustomersOptions) (*sales.CustomerPage, error) {
	w, ok := f.opts.Wrap.(*CacheWrapper)
	if !ok {
		return f.up.Sales.ListCustomers(ctx, opts) // no cache, so no response cache either
	}
	opts.Include = canonicalIncludes()
	keyOf, ok := w.salesKey(ctx)
	if !ok { // per-caller mode without a caller token
		cache.Untracked(ctx)
		return f.up.Sales.ListCustomers(ctx, opts)
	}
	gen := w.listGeneration(ctx)
	key := listKey(gen, opts)
	var fetched *sales.CustomerPage
	page := cache.Batch(w.c, w.typ(typeCustomerList, w.ttl.Customer), keyOf, nil, nil,
		func(ctx context.Context, keys []string) []*dataloader.Result[*listPage] {
			p, err := f.up.Sales.ListCustomers(ctx, opts)
			if err != nil {
				return []*dataloader.Result[*listPage]{{Error: err}}
			}
			fetched = p
			w.primeCustomers(ctx, keyOf, p.Customers)
			lp := &listPage{PageInfo: p.PageInfo, IDs: make([]string, len(p.Customers))}
			for i, c := range p.Customers {
				lp.IDs[i] = c.ID
			}
			return []*dataloader.Result[*listPage]{{Data: lp}}
		})(ctx, []string{key})[0]
	if page.Error != nil {
		return nil, page.Error
	}
	if fetched != nil {
		return fetched, nil
	}
	customers, errs := LoadMany(ctx, For(ctx).CustomerByID(nil), page.Data.IDs)
	out := &sales.CustomerPage{PageInfo: page.Data.PageInfo, Customers: make([]sales.Customer, 0, len(customers))}
	for i, c := range customers {
		if errs[i] != nil {
			if upstream.IsNotFound(errs[i]) {
				continue // deleted since the page was cached
			}
			return nil, errs[i]
		}
		out.Customers = append(out.Customers, *c)
	}
	return out, nil
}

// primeCustomers stores customers fetched whole by a list call as entity entries, by id and
// by number, so the items of a cached page are hits.
func (w *CacheWrapper) primeCustomers(ctx context.Context, keyOf func(string) string, cs []sales.Customer) {
	byID := make(map[string]*sales.Customer, len(cs))
	byNumber := make(map[string]*sales.Customer, len(cs))
	for i := range cs {
		byID[cs[i].ID] = &cs[i]
		byNumber[cs[i].Number] = &cs[i]
	}
	cache.Prime(ctx, w.c, w.typ(typeCustomer, w.ttl.Customer), keyOf, byID)
	cache.Prime(ctx, w.c, w.typ(typeCustomerByNumber, w.ttl.Customer), keyOf, byNumber)
}

// listGeneration returns the current generation token, creating one when there is none. With
// the store unreachable it returns a fresh token: the page is then fetched, never served stale.
func (w *CacheWrapper) listGeneration(ctx context.Context) string {
	r := cache.Batch(w.c, w.typ(typeCustomerListGen, w.ttl.Customer*10), identity, nil, nil,
		func(ctx context.Context, keys []string) []*dataloader.Result[string] {
			return []*dataloader.Result[string]{{Data: newToken()}}
		})(ctx, []string{"current"})[0]
	if r.Error != nil || r.Data == "" {
		return newToken()
	}
	return r.Data
}

func newToken() string {
	b := make([]byte, 8)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// listKey identifies a page by generation and every option that shapes it.
func listKey(gen string, o sales.ListCustomersOptions) string {
	o.IDs, o.Numbers = slices.Clone(o.IDs), slices.Clone(o.Numbers)
	slices.Sort(o.IDs)
	slices.Sort(o.Numbers)
	b, _ := json.Marshal(o)
	sum := sha256.Sum256(b)
	return gen + "-" + hex.EncodeToString(sum[:16])
}
