package resolvers

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/99designs/gqlgen/graphql/handler/lru"
	"github.com/99designs/gqlgen/graphql/handler/transport"
	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"

	"custgraph/cache"
	"custgraph/e2e/views"
	"custgraph/graph"
	"custgraph/loaders"
	"custgraph/simstack"
	"custgraph/simstack/simstacktest"
	"custgraph/upstream/seed"
)

// BenchmarkIncludePlanning is the selection-set to include[] planning a resolver does before
// its upstream call: the list resolver's (include set under nodes and edges.node, plus the
// merged Customer selection it prefetches edges from) and a single customer's. A fresh
// operation context each time, as each request has, so gqlgen's per-operation field cache
// does not hide the work.
//
//	go test -run '^$' -bench IncludePlanning -benchmem ./resolvers/
func BenchmarkIncludePlanning(b *testing.B) {
	schema := graph.NewExecutableSchema(graph.Config{Resolvers: &Resolver{}}).Schema()
	cases := []struct {
		name  string
		query string
		plan  func(ctx context.Context) int
	}{
		{"list-nested", `query { customers(first: 50) { nodes { ` + views.CustomerFields + ` } edges { cursor node { id name } } } }`,
			func(ctx context.Context) int {
				return len(customerIncludes(ctx, connectionPaths...)) + len(connectionFields(ctx))
			}},
		{"customer-nested", `query { customer(id: "gid://custgraph/Customer/x") { ` + views.CustomerFields + ` } }`,
			func(ctx context.Context) int { return len(customerIncludes(ctx)) }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			doc, errs := gqlparser.LoadQuery(schema, tc.query)
			if errs != nil {
				b.Fatal(errs)
			}
			ctx := b.Context()
			want := 0
			b.ReportAllocs()
			for b.Loop() {
				op := &graphql.OperationContext{RawQuery: tc.query, Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{}}
				root := graphql.CollectFields(op, op.Operation.SelectionSet, []string{"Query"})[0]
				fctx := graphql.WithFieldContext(graphql.WithOperationContext(ctx, op), &graphql.FieldContext{Field: root})
				n := tc.plan(fctx)
				if want == 0 {
					want = n
				}
				if n == 0 || n != want {
					b.Fatalf("planned %d, want %d (non-zero)", n, want)
				}
			}
		})
	}
}

// BenchmarkNested50Response executes a view of 50 customers (nested: the e2e tests' full view;
// list-view: cmd/loadtest's list-50) through the executable schema and a POST transport, without
// the network. In "serialize" the request's loaders already hold every record (the same loader
// set is reused), so the cost is gqlgen's execution of 50 customers and the JSON response. In
// "warm-memory" each request has a fresh loader set over a warm in-memory cache: also the cache
// lookups and the decoding of cached entities, and the dataloader windows; no upstream call.
//
//	go test -run '^$' -bench Nested50Response -benchmem ./resolvers/
func BenchmarkNested50Response(b *testing.B) {
	stack := simstacktest.Start(b, simstack.Options{Seed: seed.Options{Customers: 60}})
	hc := &http.Client{Timeout: 10 * time.Second, Transport: http.DefaultTransport.(*http.Transport).Clone()}
	b.Cleanup(hc.CloseIdleConnections)
	up := simstacktest.Upstreams(b, stack, hc)
	c, err := cache.New(cache.NewMemory(10000), cache.Options{Namespace: "bench-resolvers-" + strconv.FormatInt(time.Now().UnixNano(), 36)})
	if err != nil {
		b.Fatal(err)
	}
	w := loaders.NewCacheWrapper(c, loaders.CacheTTLs{Customer: time.Hour, Category: time.Hour, Group: time.Hour})
	factory := loaders.NewFactory(up, loaders.Options{Wrap: w})
	srv := handler.New(graph.NewExecutableSchema(graph.Config{Resolvers: &Resolver{Loaders: factory, Invalidate: w.Invalidator()}}))
	srv.AddTransport(transport.POST{})
	srv.SetQueryCache(lru.New[*ast.QueryDocument](100))

	views := []struct{ name, query string }{
		{"nested", `query { customers(first: 50) { nodes { ` + views.CustomerFields + ` } } }`},
		{"list-view", `query { customers(first: 50) { nodes { ` + benchListView + ` } } }`},
	}
	for _, v := range views {
		b.Run(v.name, func(b *testing.B) { benchResponse(b, stack, factory, srv, v.query) })
	}
}

// benchListView is cmd/loadtest's list-50 view: category, groups, price groups, addresses.
const benchListView = `id number name status category { id name } groups { id key name } priceGroups { nodes { id name } }
  billToAddress { id name } shipToAddress { id name }`

func benchResponse(b *testing.B, stack *simstack.Stack, factory *loaders.Factory, srv *handler.Server, query string) {
	body, _ := json.Marshal(map[string]any{"query": query})
	serve := func(ctx context.Context) *httptest.ResponseRecorder {
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, "/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK || bytes.Contains(rec.Body.Bytes(), []byte(`"errors"`)) {
			b.Fatalf("%d: %.300s", rec.Code, rec.Body)
		}
		return rec
	}
	serve(loaders.With(b.Context(), factory.New())) // tokens, and the cache
	cases := []struct {
		name string
		ctx  func() context.Context
	}{
		{"serialize", func() func() context.Context {
			ctx := loaders.With(b.Context(), factory.New())
			serve(ctx)
			return func() context.Context { return ctx }
		}()},
		{"warm-memory", func() context.Context { return loaders.With(b.Context(), factory.New()) }},
	}
	for _, tc := range cases {
		b.Run(tc.name, func(b *testing.B) {
			before := stack.Sales.Server().Stats().Requests + stack.NetSuite.Server().Stats().Requests +
				stack.Commercetools.Server().Stats().Requests
			var size int
			b.ReportAllocs()
			for b.Loop() {
				size = serve(tc.ctx()).Body.Len()
			}
			after := stack.Sales.Server().Stats().Requests + stack.NetSuite.Server().Stats().Requests +
				stack.Commercetools.Server().Stats().Requests
			if after != before {
				b.Fatalf("%d upstream requests: the benchmark must not leave the process", after-before)
			}
			b.ReportMetric(float64(size), "response-bytes")
		})
	}
}
