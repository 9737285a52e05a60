// Package loaders holds the per-request dataloaders (graph-gophers/dataloader v7) through which
// every resolver reaches an upstream: one batch per upstream per level of a query, never one call
// per item. Batch functions are built once per gateway (so the cache can wrap them) and loaders
// once per HTTP request (so no caller ever sees another's memoised results). It knows nothing of
// GraphQL.
package loaders

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/graph-gophers/dataloader/v7"

	"custgraph/cache"
	"custgraph/upstream"
	"custgraph/upstream/commercetools"
	"custgraph/upstream/netsuite"
	"custgraph/upstream/sales"
)

// Upstreams are the clients the loaders call.
type Upstreams struct {
	NetSuite      *netsuite.Client
	Commercetools *commercetools.Client
	Sales         *sales.Client
}

// Options tune batching.
type Options struct {
	// Wait is how long a loader collects keys before it sends a batch. gqlgen resolves the
	// items of a list concurrently, so all keys of one level arrive within microseconds; the
	// library's 16 ms default would be added to every level of a nested query.
	Wait time.Duration
	// BatchTimeout bounds one batch call: the batch runs under the first caller's context,
	// which may carry no deadline of its own.
	BatchTimeout time.Duration
	// Wrap, when set, wraps every batch function once (the shared cache hooks in here).
	Wrap Wrapper
	// Observe, when set, is told of every batch (telemetry: a span and the batch size).
	Observe BatchObserver
	// Naive turns batching off (capacity 1, Prefetch does nothing): one upstream call per item,
	// as a hand-written REST gateway makes. For benchmarks only (cmd/loadtest compares against
	// it); never the default.
	Naive bool
}

// Wrapper can wrap the batch functions, e.g. with a read-through cache. Each method receives the
// batch function of one loader kind and returns the one to use.
type Wrapper interface {
	Customers(kind string, next dataloader.BatchFunc[string, *sales.Customer]) dataloader.BatchFunc[string, *sales.Customer]
	Categories(next dataloader.BatchFunc[string, *netsuite.Category]) dataloader.BatchFunc[string, *netsuite.Category]
	CustomerCategories(next dataloader.BatchFunc[string, *netsuite.CustomerCategory]) dataloader.BatchFunc[string, *netsuite.CustomerCategory]
	CategoryMembers(next dataloader.BatchFunc[string, []string]) dataloader.BatchFunc[string, []string]
	Groups(next dataloader.BatchFunc[string, *commercetools.CustomerGroup]) dataloader.BatchFunc[string, *commercetools.CustomerGroup]
	CustomerGroups(next dataloader.BatchFunc[string, *commercetools.Customer]) dataloader.BatchFunc[string, *commercetools.Customer]
	Addresses(next dataloader.BatchFunc[string, *sales.Address]) dataloader.BatchFunc[string, *sales.Address]
	AccountGroups(next dataloader.BatchFunc[string, *sales.AccountGroup]) dataloader.BatchFunc[string, *sales.AccountGroup]
}

// Batch capacities: the upstreams' per-request limits. The clients split larger sets anyway;
// a full batch is sent at once instead of waiting for the window.
const (
	salesBatch         = 100
	netsuiteBatch      = 1000
	commercetoolsBatch = 500
)

// Factory builds a fresh set of loaders per request over shared batch functions.
type Factory struct {
	up   Upstreams
	opts Options

	categories         dataloader.BatchFunc[string, *netsuite.Category]
	customerCategories dataloader.BatchFunc[string, *netsuite.CustomerCategory]
	categoryMembers    dataloader.BatchFunc[string, []string]
	groups             dataloader.BatchFunc[string, *commercetools.CustomerGroup]
	customerGroups     dataloader.BatchFunc[string, *commercetools.Customer]
	addresses          dataloader.BatchFunc[string, *sales.Address]
	accountGroups      dataloader.BatchFunc[string, *sales.AccountGroup]

	mu        sync.Mutex
	customers map[string]dataloader.BatchFunc[string, *sales.Customer] // by kind+includes
}

// NewFactory returns a Factory over up.
func NewFactory(up Upstreams, opts Options) *Factory {
	if opts.Wait <= 0 {
		opts.Wait = 2 * time.Millisecond
	}
	if opts.BatchTimeout <= 0 {
		opts.BatchTimeout = 10 * time.Second
	}
	f := &Factory{up: up, opts: opts, customers: map[string]dataloader.BatchFunc[string, *sales.Customer]{}}
	f.categories = f.batchCategories
	f.customerCategories = f.batchCustomerCategories
	f.categoryMembers = f.batchCategoryMembers
	f.groups = f.batchGroups
	f.customerGroups = f.batchCustomerGroups
	f.addresses = f.batchAddresses
	f.accountGroups = f.batchAccountGroups
	if w := opts.Wrap; w != nil {
		f.categories = w.Categories(f.categories)
		f.customerCategories = w.CustomerCategories(f.customerCategories)
		f.categoryMembers = w.CategoryMembers(f.categoryMembers)
		f.groups = w.Groups(f.groups)
		f.customerGroups = w.CustomerGroups(f.customerGroups)
		f.addresses = w.Addresses(f.addresses)
		f.accountGroups = w.AccountGroups(f.accountGroups)
	}
	f.observeAll()
	return f
}

// Upstreams returns the clients, for writes and for reads no loader serves (searches, child
// accounts). What they return is in no cache entry, so the response being built under ctx is
// not cached whole (cache.Untracked).
func (f *Factory) Upstreams(ctx context.Context) Upstreams {
	cache.Untracked(ctx)
	return f.up
}

// customerBatch returns the (shared) batch function for customers by id or by number with the
// given include[] set.
func (f *Factory) customerBatch(byNumber bool, includes []string) dataloader.BatchFunc[string, *sales.Customer] {
	kind := "id"
	if byNumber {
		kind = "number"
	}
	key := kind + "|" + strings.Join(includes, ",")
	f.mu.Lock()
	defer f.mu.Unlock()
	if fn, ok := f.customers[key]; ok {
		return fn
	}
	inc := slices.Clone(includes)
	if f.canonical() {
		// A cached customer is one entry whatever the query asked for: fetch it whole.
		inc = canonicalIncludes()
		key = kind + "|*"
		if fn, ok := f.customers[key]; ok {
			return fn
		}
	}
	fn := func(ctx context.Context, keys []string) []*dataloader.Result[*sales.Customer] {
		ctx, cancel := context.WithTimeout(ctx, f.opts.BatchTimeout)
		defer cancel()
		var (
			found map[string]sales.Customer
			err   error
		)
		if byNumber {
			found, err = f.up.Sales.CustomersByNumber(ctx, keys, inc...)
		} else {
			found, err = f.up.Sales.CustomersByID(ctx, keys, inc...)
		}
		return results(keys, found, upstreamErr("sales", ctx, err), notFound("sales", "customer"))
	}
	var batch dataloader.BatchFunc[string, *sales.Customer] = fn
	if f.opts.Wrap != nil {
		batch = f.opts.Wrap.Customers(key, batch)
	}
	batch = observe(f.opts.Observe, customerLoaderName(byNumber), batch)
	f.customers[key] = batch
	return batch
}

func (f *Factory) batchCategories(ctx context.Context, ids []string) []*dataloader.Result[*netsuite.Category] {
	ctx, cancel := context.WithTimeout(ctx, f.opts.BatchTimeout)
	defer cancel()
	found, err := f.up.NetSuite.CategoriesByID(ctx, ids)
	return results(ids, found, upstreamErr("netsuite", ctx, err), notFound("netsuite", "customer category"))
}

func (f *Factory) batchCustomerCategories(ctx context.Context, numbers []string) []*dataloader.Result[*netsuite.CustomerCategory] {
	ctx, cancel := context.WithTimeout(ctx, f.opts.BatchTimeout)
	defer cancel()
	found, err := f.up.NetSuite.CategoriesOfCustomers(ctx, numbers)
	return results(numbers, found, upstreamErr("netsuite", ctx, err), notFound("netsuite", "customer"))
}

func (f *Factory) batchCategoryMembers(ctx context.Context, ids []string) []*dataloader.Result[[]string] {
	ctx, cancel := context.WithTimeout(ctx, f.opts.BatchTimeout)
	defer cancel()
	found, err := f.up.NetSuite.CustomersInCategories(ctx, ids)
	err = upstreamErr("netsuite", ctx, err)
	out := make([]*dataloader.Result[[]string], len(ids))
	for i, id := range ids {
		if err != nil {
			out[i] = &dataloader.Result[[]string]{Error: err}
			continue
		}
		// A category with no customers is an empty list, not an error.
		out[i] = &dataloader.Result[[]string]{Data: found[id]}
	}
	return out
}

func (f *Factory) batchGroups(ctx context.Context, ids []string) []*dataloader.Result[*commercetools.CustomerGroup] {
	ctx, cancel := context.WithTimeout(ctx, f.opts.BatchTimeout)
	defer cancel()
	found, err := f.up.Commercetools.GroupsByID(ctx, ids)
	return results(ids, found, upstreamErr("commercetools", ctx, err), notFound("commercetools", "customer group"))
}

func (f *Factory) batchCustomerGroups(ctx context.Context, numbers []string) []*dataloader.Result[*commercetools.Customer] {
	ctx, cancel := context.WithTimeout(ctx, f.opts.BatchTimeout)
	defer cancel()
	found, err := f.up.Commercetools.CustomersByNumber(ctx, numbers)
	return results(numbers, found, upstreamErr("commercetools", ctx, err), notFound("commercetools", "customer"))
}

func (f *Factory) batchAddresses(ctx context.Context, ids []string) []*dataloader.Result[*sales.Address] {
	ctx, cancel := context.WithTimeout(ctx, f.opts.BatchTimeout)
	defer cancel()
	found, err := f.up.Sales.AddressesByID(ctx, ids)
	return results(ids, found, upstreamErr("sales", ctx, err), notFound("sales", "address"))
}

func (f *Factory) batchAccountGroups(ctx context.Context, ids []string) []*dataloader.Result[*sales.AccountGroup] {
	ctx, cancel := context.WithTimeout(ctx, f.opts.BatchTimeout)
	defer cancel()
	found, err := f.up.Sales.AccountGroupsByID(ctx, ids, "")
	return results(ids, found, upstreamErr("sales", ctx, err), notFound("sales", "account group"))
}

// results maps a batch answer back to key order: one result per key, a not-found error for keys
// the upstream did not return, the batch error for every key when the call failed.
func results[V any](keys []string, found map[string]V, err error, missing func(string) error) []*dataloader.Result[*V] {
	out := make([]*dataloader.Result[*V], len(keys))
	for i, k := range keys {
		switch v, ok := found[k]; {
		case err != nil:
			out[i] = &dataloader.Result[*V]{Error: err}
		case !ok:
			out[i] = &dataloader.Result[*V]{Error: missing(k)}
		default:
			out[i] = &dataloader.Result[*V]{Data: &v}
		}
	}
	return out
}

// notFound builds the error for a key the upstream did not return.
func notFound(name, what string) func(string) error {
	return func(key string) error {
		return &upstream.Error{Upstream: name, Kind: upstream.KindNotFound, Code: "not_found",
			Message: "no " + what + " " + key}
	}
}

// NotFound is the error a loader returns for a key the upstream does not have; the cache uses
// it to rebuild a negative entry.
func NotFound(upstreamName, what string) func(string) error { return notFound(upstreamName, what) }

// upstreamErr names the upstream on a batch that ended with its context (timeout), so the
// GraphQL error says which system was slow.
func upstreamErr(name string, ctx context.Context, err error) error {
	if err == nil || upstream.As(err) != nil {
		return err
	}
	if ctx.Err() != nil {
		return &upstream.Error{Upstream: name, Kind: upstream.KindUnavailable, Code: "timeout", Err: err}
	}
	return &upstream.Error{Upstream: name, Kind: upstream.KindUnknown, Err: err}
}

// canonical reports whether customers are fetched whole (the cache wants one entry each).
func (f *Factory) canonical() bool {
	c, ok := f.opts.Wrap.(interface{ CanonicalIncludes() bool })
	return ok && c.CanonicalIncludes()
}

func canonicalIncludes() []string {
	inc := sales.AllIncludes()
	slices.Sort(inc)
	return inc
}

// Loaders is one request's set of loaders.
type Loaders struct {
	f *Factory

	CategoryByID *dataloader.Loader[string, *netsuite.Category]
	// CategoryOfCustomer is keyed by customer number.
	CategoryOfCustomer *dataloader.Loader[string, *netsuite.CustomerCategory]
	// CustomerNumbersInCategory is keyed by category id.
	CustomerNumbersInCategory *dataloader.Loader[string, []string]
	GroupByID                 *dataloader.Loader[string, *commercetools.CustomerGroup]
	// GroupsOfCustomer is keyed by customer number; groups come expanded.
	GroupsOfCustomer *dataloader.Loader[string, *commercetools.Customer]
	AddressByID      *dataloader.Loader[string, *sales.Address]
	AccountGroupByID *dataloader.Loader[string, *sales.AccountGroup]

	mu        sync.Mutex
	customers map[string]*dataloader.Loader[string, *sales.Customer]

	directMu sync.Mutex
	direct   map[any]any // loader -> *direct[V] (direct.go)
}

// New returns a fresh set of loaders for one request.
func (f *Factory) New() *Loaders {
	l := &Loaders{f: f, customers: map[string]*dataloader.Loader[string, *sales.Customer]{}}
	l.CategoryByID = newTrackedLoader(l, f.categories, f.capacity(netsuiteBatch))
	l.CategoryOfCustomer = newTrackedLoader(l, f.customerCategories, f.capacity(netsuiteBatch))
	l.CustomerNumbersInCategory = newTrackedLoader(l, f.categoryMembers, f.capacity(netsuiteBatch))
	l.GroupByID = newTrackedLoader(l, f.groups, f.capacity(commercetoolsBatch))
	l.GroupsOfCustomer = newTrackedLoader(l, f.customerGroups, f.capacity(commercetoolsBatch))
	l.AddressByID = newTrackedLoader(l, f.addresses, f.capacity(salesBatch))
	l.AccountGroupByID = newTrackedLoader(l, f.accountGroups, f.capacity(salesBatch))
	return l
}

// capacity is a loader's batch capacity: the upstream's limit, or 1 in naive mode (every Load
// is its own upstream call).
func (f *Factory) capacity(limit int) int {
	if f.opts.Naive {
		return 1
	}
	return limit
}

// CustomerByID returns the loader of customers by sales id fetched with the include[] set.
func (l *Loaders) CustomerByID(includes []string) *dataloader.Loader[string, *sales.Customer] {
	return l.customerLoader(false, includes)
}

// CustomerByNumber returns the loader of customers by customer number with the include[] set.
func (l *Loaders) CustomerByNumber(includes []string) *dataloader.Loader[string, *sales.Customer] {
	return l.customerLoader(true, includes)
}

func (l *Loaders) customerLoader(byNumber bool, includes []string) *dataloader.Loader[string, *sales.Customer] {
	inc := slices.Clone(includes)
	slices.Sort(inc)
	inc = slices.Compact(inc)
	key := strings.Join(inc, ",")
	if l.f.canonical() {
		key = "*"
	}
	if byNumber {
		key = "#" + key
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	if ld, ok := l.customers[key]; ok {
		return ld
	}
	ld := newTrackedLoader(l, l.f.customerBatch(byNumber, inc), l.f.capacity(salesBatch))
	l.customers[key] = ld
	return ld
}

// Load reads one key. Results, errors included, are memoised for the request's life: the
// client already retried a transient failure, and asking again per item would turn one failed
// batch into one call per item. (dataloader v7.1 has no NewSkipCacheError; loaders being
// per request is what keeps an error from outliving the request.)
func Load[V any](ctx context.Context, l *dataloader.Loader[string, V], key string) (V, error) {
	return l.Load(ctx, key)()
}

// LoadMany reads keys in one batch (sent at once, see direct.go); errs[i] belongs to keys[i].
func LoadMany[V any](ctx context.Context, l *dataloader.Loader[string, V], keys []string) ([]V, []error) {
	if d := directOf(ctx, l); d != nil {
		d.start(ctx, keys)
	}
	thunks := make([]dataloader.Thunk[V], len(keys))
	for i, k := range keys {
		thunks[i] = l.Load(ctx, k)
	}
	vals := make([]V, len(keys))
	errs := make([]error, len(keys))
	for i, th := range thunks {
		vals[i], errs[i] = th()
	}
	return vals, errs
}

// Prefetch starts loading keys without waiting. A list resolver that already knows every key
// its items will ask for puts them into one batch at once, so the batch does not depend on how
// quickly the items' resolvers happen to run.
func Prefetch[V any](ctx context.Context, l *dataloader.Loader[string, V], keys []string) {
	if ls, ok := ctx.Value(ctxKey{}).(*Loaders); ok && ls.f.opts.Naive {
		return // naive mode: each item asks for its own key when it resolves
	}
	if d := directOf(ctx, l); d != nil {
		d.start(ctx, keys) // one batch, sent now (direct.go)
		return
	}
	for _, k := range keys {
		l.Load(ctx, k)
	}
}

type ctxKey struct{}

// Middleware puts a fresh set of loaders into each request's context.
func (f *Factory) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(With(r.Context(), f.New())))
	})
}

// With returns ctx carrying l.
func With(ctx context.Context, l *Loaders) context.Context {
	return context.WithValue(ctx, ctxKey{}, l)
}

// For returns the request's loaders. It panics when the middleware is missing: that is a wiring
// bug, never a request-dependent condition.
func For(ctx context.Context) *Loaders {
	l, ok := ctx.Value(ctxKey{}).(*Loaders)
	if !ok {
		panic("loaders: no loaders in context; is loaders.Middleware installed?")
	}
	return l
}
