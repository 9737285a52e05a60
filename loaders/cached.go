package loaders

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"slices"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"custgraph/cache"
	"custgraph/upstream"
	"custgraph/upstream/commercetools"
	"custgraph/upstream/netsuite"
	"custgraph/upstream/rest"
	"custgraph/upstream/sales"
)

// CacheTTLs are the per-type lifetimes of cached entities. Categories and groups change rarely
// (and every change made through the gateway invalidates them); customers change in the sales
// platform directly, so they live briefly.
type CacheTTLs struct {
	Customer time.Duration
	Category time.Duration
	Group    time.Duration
	// Members is the lifetime of a category's list of customer numbers.
	Members time.Duration
	// NotFound is the lifetime of a negative entry.
	NotFound time.Duration
}

// DefaultCacheTTLs are used for zero fields.
var DefaultCacheTTLs = CacheTTLs{Customer: 30 * time.Second, Category: 10 * time.Minute,
	Group: 10 * time.Minute, Members: time.Minute, NotFound: 10 * time.Second}

// Cache type names: part of every key, so renaming one orphans its entries.
const (
	typeCustomer         = "customer"
	typeCustomerByNumber = "customer-by-number"
	typeCategory         = "category"
	typeCustomerCategory = "customer-category"
	typeCategoryMembers  = "category-members"
	typeGroup            = "group"
	typeCustomerGroups   = "customer-groups"
	typeAddress          = "address"
	typeAccountGroup     = "account-group"
)

// CacheWrapper puts the shared cache under every loader. Entities are cached in one canonical
// shape each, so that a write can remove exactly the entries it changes:
//   - customers are fetched with every include when the cache is on (one entry per customer,
//     whatever the query's selection), keyed by sales id and by number;
//   - a customer's category and groups are cached as references only (the category or group
//     object itself lives in its own entry), so renaming a group cannot leave its old name
//     inside a hundred customers' entries.
type CacheWrapper struct {
	c   *cache.Cache
	ttl CacheTTLs
	// perCaller: the sales API is called with each caller's own token and may answer each
	// caller differently, so sales entries are private to the token that fetched them.
	perCaller bool
}

// ScopeSalesPerCaller makes every cached sales entry (customers, addresses, account groups,
// list pages) private to the caller credential that fetched it: its key carries a hash of the
// caller's bearer token (rest.CallerToken), and a request without one caches nothing. NetSuite
// and commercetools entries, fetched with the gateway's own credentials, stay shared. Call it
// before the wrapper is used. A write invalidates the writer's own sales entries and every
// list page; other callers' copies of the written customer expire with their TTL.
func (w *CacheWrapper) ScopeSalesPerCaller() { w.perCaller = true }

// callerScope is the key prefix of the request's caller-private sales entries: a hash of the
// token the sales API saw, so an entry is only ever read back by a request carrying that token.
func callerScope(ctx context.Context) (string, bool) {
	tok, ok := rest.CallerToken(ctx)
	if !ok {
		return "", false
	}
	sum := sha256.Sum256([]byte(tok))
	return "caller-" + hex.EncodeToString(sum[:16]), true
}

// salesKey returns the id part of a sales entry's key for this request; ok is false when the
// entry must not be cached at all (per-caller mode without a caller token).
func (w *CacheWrapper) salesKey(ctx context.Context) (keyOf func(string) string, ok bool) {
	if !w.perCaller {
		return identity, true
	}
	scope, ok := callerScope(ctx)
	if !ok {
		return nil, false
	}
	return func(k string) string { return scope + "/" + k }, true
}

// cachedSales caches a sales type, shared or per caller.
func cachedSales[V any](w *CacheWrapper, t cache.Type, notFound func(string) error, next dataloader.BatchFunc[string, V]) dataloader.BatchFunc[string, V] {
	if !w.perCaller {
		return cache.Batch(w.c, t, identity, notFound, upstream.IsNotFound, next)
	}
	return func(ctx context.Context, keys []string) []*dataloader.Result[V] {
		keyOf, ok := w.salesKey(ctx)
		if !ok {
			cache.Untracked(ctx)
			return next(ctx, keys)
		}
		return cache.Batch(w.c, t, keyOf, notFound, upstream.IsNotFound, next)(ctx, keys)
	}
}

// NewCacheWrapper returns the Wrapper and the Invalidator over c.
func NewCacheWrapper(c *cache.Cache, ttl CacheTTLs) *CacheWrapper {
	def := DefaultCacheTTLs
	for _, p := range []struct{ v, d *time.Duration }{{&ttl.Customer, &def.Customer}, {&ttl.Category, &def.Category},
		{&ttl.Group, &def.Group}, {&ttl.Members, &def.Members}, {&ttl.NotFound, &def.NotFound}} {
		if *p.v == 0 {
			*p.v = *p.d
		}
	}
	return &CacheWrapper{c: c, ttl: ttl}
}

func (w *CacheWrapper) typ(name string, ttl time.Duration) cache.Type {
	return cache.Type{Name: name, TTL: ttl, NegativeTTL: w.ttl.NotFound, Jitter: 0.1}
}

func identity(k string) string { return k }

// CanonicalIncludes reports that customers must be fetched with every include.
func (w *CacheWrapper) CanonicalIncludes() bool { return true }

func (w *CacheWrapper) Customers(kind string, next dataloader.BatchFunc[string, *sales.Customer]) dataloader.BatchFunc[string, *sales.Customer] {
	name, what := typeCustomer, "customer"
	if len(kind) >= 6 && kind[:6] == "number" {
		name = typeCustomerByNumber
	}
	return cachedSales(w, w.typ(name, w.ttl.Customer), notFound("sales", what), next)
}

func (w *CacheWrapper) Categories(next dataloader.BatchFunc[string, *netsuite.Category]) dataloader.BatchFunc[string, *netsuite.Category] {
	return cache.Batch(w.c, w.typ(typeCategory, w.ttl.Category), identity, notFound("netsuite", "customer category"), upstream.IsNotFound, next)
}

func (w *CacheWrapper) CustomerCategories(next dataloader.BatchFunc[string, *netsuite.CustomerCategory]) dataloader.BatchFunc[string, *netsuite.CustomerCategory] {
	return keepEmbedded(func(inner dataloader.BatchFunc[string, *netsuite.CustomerCategory]) dataloader.BatchFunc[string, *netsuite.CustomerCategory] {
		return cache.Batch(w.c, w.typ(typeCustomerCategory, w.ttl.Customer), identity, notFound("netsuite", "customer"), upstream.IsNotFound, inner)
	}, next, func(v *netsuite.CustomerCategory) *netsuite.CustomerCategory {
		c := *v
		c.Category = nil
		return &c
	}, func(ctx context.Context, full map[string]*netsuite.CustomerCategory) {
		cats := map[string]*netsuite.Category{}
		for _, cc := range full {
			if cc.Category != nil {
				cats[cc.Category.ID] = cc.Category
			}
		}
		cache.Prime(ctx, w.c, w.typ(typeCategory, w.ttl.Category), identity, cats)
	}, embedCategories)
}

func (w *CacheWrapper) CategoryMembers(next dataloader.BatchFunc[string, []string]) dataloader.BatchFunc[string, []string] {
	return cache.Batch(w.c, w.typ(typeCategoryMembers, w.ttl.Members), identity, notFound("netsuite", "customer category"), upstream.IsNotFound, next)
}

func (w *CacheWrapper) Groups(next dataloader.BatchFunc[string, *commercetools.CustomerGroup]) dataloader.BatchFunc[string, *commercetools.CustomerGroup] {
	return cache.Batch(w.c, w.typ(typeGroup, w.ttl.Group), identity, notFound("commercetools", "customer group"), upstream.IsNotFound, next)
}

func (w *CacheWrapper) CustomerGroups(next dataloader.BatchFunc[string, *commercetools.Customer]) dataloader.BatchFunc[string, *commercetools.Customer] {
	return keepEmbedded(func(inner dataloader.BatchFunc[string, *commercetools.Customer]) dataloader.BatchFunc[string, *commercetools.Customer] {
		return cache.Batch(w.c, w.typ(typeCustomerGroups, w.ttl.Customer), identity, notFound("commercetools", "customer"), upstream.IsNotFound, inner)
	}, next, func(v *commercetools.Customer) *commercetools.Customer {
		c := *v
		if c.CustomerGroup != nil {
			ref := *c.CustomerGroup
			ref.Obj = nil
			c.CustomerGroup = &ref
		}
		c.CustomerGroupAssignments = slices.Clone(c.CustomerGroupAssignments)
		for i := range c.CustomerGroupAssignments {
			c.CustomerGroupAssignments[i].CustomerGroup.Obj = nil
		}
		return &c
	}, func(ctx context.Context, full map[string]*commercetools.Customer) {
		groups := map[string]*commercetools.CustomerGroup{}
		for _, cu := range full {
			for _, g := range cu.Groups() {
				groups[g.ID] = &g
			}
		}
		cache.Prime(ctx, w.c, w.typ(typeGroup, w.ttl.Group), identity, groups)
	}, embedGroups)
}

func (w *CacheWrapper) Addresses(next dataloader.BatchFunc[string, *sales.Address]) dataloader.BatchFunc[string, *sales.Address] {
	return cachedSales(w, w.typ(typeAddress, w.ttl.Customer), notFound("sales", "address"), next)
}

func (w *CacheWrapper) AccountGroups(next dataloader.BatchFunc[string, *sales.AccountGroup]) dataloader.BatchFunc[string, *sales.AccountGroup] {
	return cachedSales(w, w.typ(typeAccountGroup, w.ttl.Group), notFound("sales", "account group"), next)
}

// keepEmbedded caches the stripped form of each value (references only) while the batch that
// fetched from the upstream still returns the full values it got, and primes the embedded
// objects' own entries: a cold read costs no second round trip, and a warm read resolves the
// embedded objects from their own entries.
func keepEmbedded[V any](cached func(dataloader.BatchFunc[string, V]) dataloader.BatchFunc[string, V], next dataloader.BatchFunc[string, V],
	strip func(V) V, prime func(context.Context, map[string]V), embed func(context.Context, []*dataloader.Result[V])) dataloader.BatchFunc[string, V] {
	type fullKey struct{}
	inner := cached(func(ctx context.Context, keys []string) []*dataloader.Result[V] {
		full := next(ctx, keys)
		if m, ok := ctx.Value(fullKey{}).(map[string]V); ok {
			for i, r := range full {
				if r.Error == nil {
					m[keys[i]] = r.Data
				}
			}
		}
		out := make([]*dataloader.Result[V], len(full))
		for i, r := range full {
			if r.Error != nil {
				out[i] = r
				continue
			}
			out[i] = &dataloader.Result[V]{Data: strip(r.Data)}
		}
		return out
	})
	return func(ctx context.Context, keys []string) []*dataloader.Result[V] {
		fetched := map[string]V{}
		res := inner(context.WithValue(ctx, fullKey{}, fetched), keys)
		prime(ctx, fetched)
		for i, r := range res {
			if v, ok := fetched[keys[i]]; ok && r.Error == nil {
				res[i] = &dataloader.Result[V]{Data: v}
			}
		}
		embed(ctx, res)
		return res
	}
}

// embedCategories puts the category back into each reference read from the cache (stored
// stripped, see keepEmbedded), all of them read through the request's CategoryByID loader as one
// batch. The items' resolvers then find their category in place: no load per item and no
// dataloader window on the warm path, while a renamed category is still read from its own
// entry. A category that fails to load stays out; the item's resolver gets the same error from
// the loader's memo, without a second upstream call.
func embedCategories(ctx context.Context, res []*dataloader.Result[*netsuite.CustomerCategory]) {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		return
	}
	var ids []string
	for _, r := range res {
		if r.Error == nil && r.Data.Category == nil && r.Data.CategoryID != "" {
			ids = append(ids, r.Data.CategoryID)
		}
	}
	if len(ids) == 0 {
		return
	}
	byID := loadedByID(ctx, l.CategoryByID, ids)
	for i, r := range res {
		if r.Error != nil || r.Data.Category != nil {
			continue
		}
		if cat, ok := byID[r.Data.CategoryID]; ok {
			cc := *r.Data // cached values are shared: copy, never write through
			cc.Category = cat
			res[i] = &dataloader.Result[*netsuite.CustomerCategory]{Data: &cc}
		}
	}
}

// embedGroups is embedCategories for a customer's group references.
func embedGroups(ctx context.Context, res []*dataloader.Result[*commercetools.Customer]) {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		return
	}
	var ids []string
	for _, r := range res {
		if r.Error != nil {
			continue
		}
		for _, ref := range groupRefs(r.Data) {
			if ref.Obj == nil {
				ids = append(ids, ref.ID)
			}
		}
	}
	if len(ids) == 0 {
		return
	}
	byID := loadedByID(ctx, l.GroupByID, ids)
	with := func(ref commercetools.Reference) commercetools.Reference {
		if g, ok := byID[ref.ID]; ok && ref.Obj == nil {
			ref.Obj = g
		}
		return ref
	}
	for i, r := range res {
		if r.Error != nil || !slices.ContainsFunc(groupRefs(r.Data), func(ref commercetools.Reference) bool { return ref.Obj == nil }) {
			continue
		}
		cu := *r.Data // cached values are shared: copy, never write through
		if cu.CustomerGroup != nil {
			ref := with(*cu.CustomerGroup)
			cu.CustomerGroup = &ref
		}
		cu.CustomerGroupAssignments = slices.Clone(cu.CustomerGroupAssignments)
		for j := range cu.CustomerGroupAssignments {
			cu.CustomerGroupAssignments[j].CustomerGroup = with(cu.CustomerGroupAssignments[j].CustomerGroup)
		}
		res[i] = &dataloader.Result[*commercetools.Customer]{Data: &cu}
	}
}

// groupRefs lists a customer's group references, primary and assigned.
func groupRefs(cu *commercetools.Customer) []commercetools.Reference {
	var out []commercetools.Reference
	if cu.CustomerGroup != nil {
		out = append(out, *cu.CustomerGroup)
	}
	for _, a := range cu.CustomerGroupAssignments {
		out = append(out, a.CustomerGroup)
	}
	return out
}

// loadedByID loads ids (duplicates allowed) as one batch through ld and returns the ones found.
func loadedByID[V any](ctx context.Context, ld *dataloader.Loader[string, *V], ids []string) map[string]*V {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	vals, errs := LoadMany(ctx, ld, ids)
	out := make(map[string]*V, len(ids))
	for i, v := range vals {
		if errs[i] == nil && v != nil {
			out[ids[i]] = v
		}
	}
	return out
}

// Invalidator removes the entries a mutation changed, from the shared cache (every replica).
type Invalidator struct {
	c *cache.Cache
	w *CacheWrapper // for the sales keys, private per caller in per-caller mode
}

// Invalidator returns the invalidator of w's cache.
func (w *CacheWrapper) Invalidator() Invalidator { return Invalidator{c: w.c, w: w} }

func (i Invalidator) Customer(ctx context.Context, salesID, number string) error {
	// A new list generation: every cached page may hold the old customer.
	err := i.c.Invalidate(ctx, cache.Type{Name: typeCustomerListGen}, "current")
	if keyOf, ok := i.w.salesKey(ctx); ok {
		err = errors.Join(err, i.c.Invalidate(ctx, cache.Type{Name: typeCustomer}, keyOf(salesID)),
			i.c.Invalidate(ctx, cache.Type{Name: typeCustomerByNumber}, keyOf(number)))
	}
	return err
}

func (i Invalidator) Category(ctx context.Context, id string) error {
	return errors.Join(i.c.Invalidate(ctx, cache.Type{Name: typeCategory}, id),
		i.c.Invalidate(ctx, cache.Type{Name: typeCategoryMembers}, id))
}

func (i Invalidator) CustomerCategory(ctx context.Context, number string, categoryIDs ...string) error {
	return errors.Join(i.c.Invalidate(ctx, cache.Type{Name: typeCustomerCategory}, number),
		i.c.Invalidate(ctx, cache.Type{Name: typeCategoryMembers}, categoryIDs...))
}

func (i Invalidator) Group(ctx context.Context, id string) error {
	return i.c.Invalidate(ctx, cache.Type{Name: typeGroup}, id)
}

func (i Invalidator) CustomerGroups(ctx context.Context, number string) error {
	return i.c.Invalidate(ctx, cache.Type{Name: typeCustomerGroups}, number)
}
