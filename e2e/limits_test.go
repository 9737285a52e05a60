package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"custgraph/e2e/views"
	"custgraph/gateway"
)

// postQuery posts a GraphQL request with the given Accept and returns the exchange.
func postQuery(t *testing.T, base, accept, query string, vars map[string]any) httpResult {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return exchange(t, newRequest(t, http.MethodPost, base+"/graphql", string(body),
		"Content-Type", "application/json", "Accept", accept))
}

// fragmentBomb spreads a fragment that spreads the one below it twice, n levels down: a few
// hundred bytes that expand to 2^n fields.
func fragmentBomb(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "query Bomb { ...F%d }\nfragment F0 on Query { __typename }\n", n)
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "fragment F%d on Query { ...F%d ...F%d }\n", i, i-1, i-1)
	}
	return b.String()
}

// TestLimits: each limit refuses the first query over it, before anything reaches an upstream,
// with a code and a message naming the limit and the value; the query at the limit passes.
func TestLimits(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	cust, _, _ := h.ids()
	limits := gateway.Limits{MaxQueryBytes: 4000, MaxTokens: 300, MaxDepth: 5, MaxComplexity: 1000, MaxAliases: 3}
	url := h.addGatewayWith(gateway.Options{Limits: &limits, Introspection: true})

	typenames := func(n int) string { return "{" + strings.Repeat(" __typename", n) + " }" } // n+2 tokens
	padded := func(size int) string {
		q := "{ __typename }\n#"
		return q + strings.Repeat("x", size-len(q))
	}
	ids := make([]string, 600)
	for i := range ids {
		ids[i] = cust[i%len(cust)]
	}
	const deep5 = `{ customers(first: 1) { nodes { parentAccount { parentAccount { number } } } } }`
	const deep6 = `{ customers(first: 1) { nodes { parentAccount { parentAccount { parentAccount { number } } } } } }`
	const deepByFragment = `{ customers(first: 1) { nodes { parentAccount { ...P } } } }
fragment P on Customer { parentAccount { parentAccount { number } } }`
	const page = `query($n: Int) { customers(first: $n) { nodes { number name } } }`
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		code  string // "" = must run
		value int
	}{
		{"size at the limit", padded(4000), nil, "", 0},
		{"size over the limit", padded(4001), nil, gateway.CodeQueryTooLarge, 4001},
		{"tokens at the limit", typenames(298), nil, "", 0},
		{"tokens over the limit", typenames(299), nil, gateway.CodeQueryTooManyTokens, 301},
		{"depth at the limit", deep5, nil, "", 0},
		{"depth over the limit", deep6, nil, gateway.CodeQueryTooDeep, 6},
		{"depth through a fragment", deepByFragment, nil, gateway.CodeQueryTooDeep, 6},
		{"introspection is not counted", `{ __schema { types { fields { type { ofType { ofType { name } } } } } } }`, nil, "", 0},
		{"a page within the cost", page, map[string]any{"n": 300}, "", 0},
		{"a page over the cost (first x children)", page, map[string]any{"n": 400}, gateway.CodeQueryTooComplex, 1 + 400*3},
		{"nested connections multiply", `{ customers(first: 10) { nodes { childAccounts(first: 50) { nodes { number } } } } }`, nil,
			gateway.CodeQueryTooComplex, 1 + 10*(1+(1+50*2))},
		{"nodes cost per id", `query($ids: [ID!]!) { nodes(ids: $ids) { ... on Customer { number name } } }`, map[string]any{"ids": ids},
			gateway.CodeQueryTooComplex, 1 + 600*2},
		{"a fragment bomb", fragmentBomb(24), nil, gateway.CodeQueryTooComplex, 1 << 24},
		{"aliases at the limit", `{ a: __typename b: __typename c: __typename }`, nil, "", 0},
		{"aliases over the limit", `{ a: __typename b: __typename c: __typename d: __typename }`, nil, gateway.CodeQueryTooManyAlias, 4},
		{"aliases in a fragment count per use", `{ customers(first: 1) { nodes { ...A } } c2: customers(first: 1) { nodes { ...A } } }
fragment A on Customer { x: number y: name }`, nil, gateway.CodeQueryTooManyAlias, 5},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.resetCounts()
			r := postQuery(t, url, "application/graphql-response+json", tc.query, tc.vars)
			if tc.code == "" {
				if r.status != 200 || len(r.gql.Errors) > 0 {
					t.Fatalf("refused: %d %s", r.status, r.body)
				}
				return
			}
			if r.status != http.StatusBadRequest || firstCode(r) != tc.code || r.hasData {
				t.Fatalf("got %d %s, want 400 %s", r.status, r.body, tc.code)
			}
			e := r.gql.Errors[0]
			limit, _ := e.Extensions["limit"].(float64)
			value, _ := e.Extensions["value"].(float64)
			if int(value) != tc.value || limit == 0 ||
				!strings.Contains(e.Message, fmt.Sprint(tc.value)) || !strings.Contains(e.Message, fmt.Sprint(int(limit))) {
				t.Errorf("limit %v value %v (want %d), message %q", limit, value, tc.value, e.Message)
			}
			for name, n := range h.requests() {
				if n != 0 {
					t.Errorf("a refused query reached %s %d times", name, n)
				}
			}
		})
	}
	// With application/json the same refusal is the specification's legacy 200.
	if r := postQuery(t, url, "application/json", typenames(299), nil); r.status != 200 || firstCode(r) != gateway.CodeQueryTooManyTokens {
		t.Errorf("application/json: %d %s", r.status, r.body)
	}
}

// TestDefaultLimitsAdmitTheDocumentedViews measures the cost of the README's example and of the
// nested view TestNoNPlusOne runs at 200 customers (a gateway whose complexity limit is 1
// reports each cost in extensions.value), and checks the defaults admit both.
func TestDefaultLimitsAdmitTheDocumentedViews(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	probe := gateway.DefaultLimits()
	probe.MaxComplexity = 1
	url := h.addGatewayWith(gateway.Options{Limits: &probe})
	cases := []struct {
		name  string
		query string
		vars  map[string]any
		cost  int
	}{
		{"README example (3 customers)", gateway.ExampleQuery, nil, 166},
		{"nested view, 200 customers", views.Counted, map[string]any{"first": 200}, 27801},
		{"nested view, 500 customers", views.Counted, map[string]any{"first": 500}, 69501},
	}
	for _, tc := range cases {
		r := postQuery(t, url, "application/json", tc.query, tc.vars)
		if firstCode(r) != gateway.CodeQueryTooComplex {
			t.Fatalf("%s: %s", tc.name, r.body)
		}
		cost := int(r.gql.Errors[0].Extensions["value"].(float64))
		if cost != tc.cost {
			t.Errorf("%s costs %d, want %d (update the README's limits table)", tc.name, cost, tc.cost)
		}
		t.Logf("%s: complexity %d (default limit %d)", tc.name, cost, gateway.DefaultLimits().MaxComplexity)
		if admitted := cost <= gateway.DefaultLimits().MaxComplexity; admitted != (tc.cost < 50000) {
			t.Errorf("%s: admitted by default %v", tc.name, admitted)
		}
	}
	// And at the defaults the 200-customer view runs.
	var d struct {
		Customers struct{ Nodes []nestedCustomer }
	}
	h.data(views.Counted, map[string]any{"first": 200}, &d)
	if len(d.Customers.Nodes) != 200 {
		t.Errorf("got %d customers", len(d.Customers.Nodes))
	}
}
