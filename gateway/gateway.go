// Package gateway assembles custgraph's HTTP handler: the gqlgen server with explicit transports
// and extensions, the per-request loaders, the playground, and the error presentation. It holds
// no resolver logic and constructs no upstream clients: both are given to it.
package gateway

import (
	"log/slog"
	"net/http"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/extension"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/vektah/gqlparser/v2/ast"

	"custgraph/cache"
	"custgraph/gateway/playground"
	"custgraph/graph"
	"custgraph/health"
	"custgraph/loaders"
	"custgraph/resolvers"
	"custgraph/telemetry"
)

// Options configure the handler.
type Options struct {
	Upstreams loaders.Upstreams
	Logger    *slog.Logger
	// Playground serves GraphiQL at "/".
	Playground bool
	// Introspection allows schema introspection queries.
	Introspection bool
	// LoaderWait is the dataloader batch window; BatchTimeout bounds one upstream batch.
	LoaderWait   time.Duration
	BatchTimeout time.Duration
	// Cache, when set, is the shared entity cache under the loaders, the invalidation target of
	// every mutation, and the store of persisted queries. CacheTTLs tune it.
	Cache     *cache.Cache
	CacheTTLs loaders.CacheTTLs
	// EntitiesOnly keeps entities only in Cache; otherwise whole query responses built from
	// cached entities are kept too (responsecache.go).
	EntitiesOnly bool
	// MaxBodyBytes caps a request body (413 above it); 0 = 1 MiB.
	MaxBodyBytes int64
	// Security: authentication, scopes, rate limit, sales pass-through (security.go). The zero
	// value is open, for sandbox mode and tests.
	Security Security
	// Naive is for benchmarks only (CUSTGRAPH_NAIVE): no batching and no cache, one upstream
	// call per item, to show what batching and caching buy.
	Naive bool
	// Limits refuse expensive queries before they run; nil = DefaultLimits().
	Limits *Limits
	// HTTP tunes the endpoint for browsers and mobile apps: CORS, compression, GET caching.
	HTTP HTTPOptions
	// Telemetry traces and measures requests (served at /metrics); nil: metrics only, in a
	// registry of the handler's own (ops.go).
	Telemetry *telemetry.Telemetry
	// Health answers /readyz; nil: ready whenever the handler answers.
	Health *health.Checker
	// RequestBudget is the total time one GraphQL request may spend on upstream calls
	// (resilience.go); 0 = no budget.
	RequestBudget time.Duration
	// MaxInflight bounds the GraphQL requests executing at once (admission.go); 0 = unlimited.
	// A request beyond it waits up to QueueTimeout for a slot (0: not at all) and is then
	// refused with 503 OVERLOADED. gateway.Run passes CUSTGRAPH_MAX_INFLIGHT and
	// CUSTGRAPH_QUEUE_TIMEOUT.
	MaxInflight  int
	QueueTimeout time.Duration
}

// ExampleQuery is preloaded in the playground and used in the README.
const ExampleQuery = `# A customer with its category (NetSuite) and groups (commercetools), in one request.
query Customers {
  customers(first: 3) {
    nodes {
      number
      name
      status
      category { name }
      groups { key name }
      billToAddress { name }
      priceGroups { nodes { name } }
    }
    pageInfo { hasNextPage endCursor }
  }
}
`

// New returns the gateway's HTTP handler.
func New(opts Options) http.Handler {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	if opts.MaxBodyBytes <= 0 {
		opts.MaxBodyBytes = 1 << 20
	}
	if opts.Naive {
		opts.Cache = nil
	}
	lopts := loaders.Options{Wait: opts.LoaderWait, BatchTimeout: opts.BatchTimeout, Naive: opts.Naive}
	tel := opsTelemetry(opts)
	lopts.Observe = tel // a span and metrics per loader batch (ops.go)
	res := &resolvers.Resolver{Logger: log}
	var apq graphql.Cache[string] = lru.New[string](1000)
	if opts.Cache != nil {
		w := loaders.NewCacheWrapper(opts.Cache, opts.CacheTTLs)
		opts.Security.scopeSalesCache(w)
		lopts.Wrap = w
		res.Invalidate = w.Invalidator()
		apq = opts.Cache.APQ(cache.DefaultAPQTTL)
	}
	factory := loaders.NewFactory(opts.Upstreams, lopts)
	res.Loaders = factory

	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: res, Complexity: costs()}))
	setupServer(srv, opts) // GraphQL-over-HTTP transports and limits (http.go, limits.go)
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if opts.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: apq})
	srv.SetErrorPresenter(resolvers.ErrorPresenter(log))
	srv.SetRecoverFunc(resolvers.RecoverFunc(log))
	srv.Use(resolvers.CollapseBatchErrors{}) // one error per failed upstream batch, not per field
	// Operation span, metrics and log fields (ops.go).
	srv.Use(tel.Extension())
	opts.Security.install(srv) // scope checks before anything executes
	if opts.Cache != nil && !opts.EntitiesOnly {
		// After telemetry, so a served response is still traced, counted and logged.
		srv.Use(responseCache{c: opts.Cache})
	}

	mux := http.NewServeMux()
	api := withBudget(opts.RequestBudget, factory.Middleware(srv)) // upstream deadline (resilience.go)
	// Execution slots (admission.go): inside authentication and the rate limit, so a refused
	// caller takes no slot, and inside the body limit, so a slow upload holds none; outside the
	// budget, which counts upstream time only.
	api = admit(opts.MaxInflight, opts.QueueTimeout, tel, api)
	gql := opts.Security.wrap(limitBody(opts.MaxBodyBytes, api)) // auth, rate limit (security.go)
	gql = wrapEndpoint(gql, opts.HTTP, log)                      // compression, CORS (frontend.go)
	// Outermost, so every answer is traced, counted and logged (ops.go).
	gql = observeEndpoint(gql, tel, log)
	mux.Handle("/graphql", gql)
	if opts.Playground {
		playground.Register(mux, playground.Page{Title: "custgraph", Endpoint: "/graphql", Query: ExampleQuery})
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	mountOps(mux, tel, opts.Health) // /metrics, /readyz (ops.go)
	return securityHeaders(mux)
}
