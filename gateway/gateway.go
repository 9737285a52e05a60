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
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/99designs/gqlgen/graphql/playground"
	"github.com/vektah/gqlparser/v2/ast"

	"custgraph/cache"
	"custgraph/graph"
	"custgraph/loaders"
	"custgraph/resolvers"
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
	// MaxBodyBytes caps a request body; 0 = 1 MiB.
	MaxBodyBytes int64
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
	lopts := loaders.Options{Wait: opts.LoaderWait, BatchTimeout: opts.BatchTimeout}
	res := &resolvers.Resolver{Logger: log}
	var apq graphql.Cache[string] = lru.New[string](1000)
	if opts.Cache != nil {
		w := loaders.NewCacheWrapper(opts.Cache, opts.CacheTTLs)
		lopts.Wrap = w
		res.Invalidate = w.Invalidator()
		apq = opts.Cache.APQ(cache.DefaultAPQTTL)
	}
	factory := loaders.NewFactory(opts.Upstreams, lopts)
	res.Loaders = factory

	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: res}))
	srv.AddTransport(transport.Options{})
	srv.AddTransport(transport.GET{})
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](1000))
	if opts.Introspection {
		srv.Use(extension.Introspection{})
	}
	srv.Use(extension.AutomaticPersistedQuery{Cache: apq})
	srv.SetErrorPresenter(resolvers.ErrorPresenter(log))
	srv.SetRecoverFunc(resolvers.RecoverFunc(log))

	mux := http.NewServeMux()
	gql := limitBody(opts.MaxBodyBytes, factory.Middleware(srv))
	mux.Handle("/graphql", gql)
	if opts.Playground {
		mux.Handle("GET /{$}", playground.Handler("custgraph", "/graphql"))
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("ok\n"))
	})
	return mux
}

func limitBody(n int64, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, n)
		}
		next.ServeHTTP(w, r)
	})
}
