package e2e

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"custgraph/cache"
	"custgraph/upstream/sim"
)

var updateSDL = flag.Bool("update-sdl", false, "rewrite examples/orders-subgraph/custgraph.graphql from _service.sdl")

// sdlExport is custgraph's subgraph SDL as _service returns it; the composition check in
// examples/orders-subgraph composes it with the example orders subgraph.
const sdlExport = "../examples/orders-subgraph/custgraph.graphql"

const entitiesQuery = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) {
    __typename
    ... on Customer {
      id number name
      billToAddress { name }
      category { name }
      groups { key }
    }
    ... on CustomerCategory { id name }
    ... on CustomerGroup { id key name }
  }
}`

type entity struct {
	Typename      string `json:"__typename"`
	ID            string
	Number        string
	Name          string
	Key           string
	BillToAddress *struct{ Name string }
	Category      *struct{ Name string }
	Groups        []struct{ Key string }
}

// TestFederationEntitiesAreBatched is the router's view: 100 Customer representations in one
// _entities call (one of them unknown) cost one request per upstream, resolve in order, and
// the unknown one is null with its own NOT_FOUND error at its index. With the shared cache on
// (the production default), a router repeating the call costs nothing upstream.
func TestFederationEntitiesAreBatched(t *testing.T) {
	t.Parallel()
	const missing = 37 // the position of the representation nothing has
	keys := []struct {
		key     string
		missing string
	}{
		{"id", "gid://custgraph/Customer/cus_nope"},
		{"number", "C-NOPE"},
	}
	caches := []struct {
		name string
		new  func(t *testing.T) *cache.Cache
	}{
		{"no cache", func(*testing.T) *cache.Cache { return nil }},
		{"memory cache", func(t *testing.T) *cache.Cache { return newCache(t, cache.NewMemory(10000), "fed") }},
	}
	for _, kc := range keys {
		for _, cc := range caches {
			t.Run("by "+kc.key+", "+cc.name, func(t *testing.T) {
				t.Parallel()
				c := cc.new(t)
				h := newHarness(t, harnessOptions{seed: seedOptions(120), cache: c})
				known, seedByNumber := federationCustomers(t, h)
				reps := make([]map[string]any, 100)
				for i := range reps {
					v := known[i].Number
					if kc.key == "id" {
						v = known[i].ID
					}
					if i == missing {
						v = kc.missing
					}
					reps[i] = map[string]any{"__typename": "Customer", kc.key: v}
				}
				h.resetCounts()
				r := h.do(entitiesQuery, map[string]any{"representations": reps})
				if got := h.requests(); got["sales"] != 1 || got["netsuite"] != 1 || got["commercetools"] != 1 {
					t.Errorf("upstream requests for 100 entities = %v, want one per upstream", got)
				}
				checkCustomerEntities(t, h, r, known, seedByNumber, missing, kc.missing)
				if c == nil {
					return
				}
				h.resetCounts()
				warm := h.do(entitiesQuery, map[string]any{"representations": reps})
				if got := h.requests(); got["sales"]+got["netsuite"]+got["commercetools"] != 0 {
					t.Errorf("repeated _entities made upstream requests %v, want none", got)
				}
				if string(warm.Data) != string(r.Data) || len(warm.Errors) != len(r.Errors) {
					t.Errorf("warm answer differs from cold:\n%s\n%s", r.Data, warm.Data)
				}
			})
		}
	}
}

type knownCustomer struct{ ID, Number string }

// federationCustomers reads the first 100 customers' ids and numbers through another gateway
// (no cache), so that the harness's own gateway and its cache are still cold.
func federationCustomers(t *testing.T, h *harness) ([]knownCustomer, map[string]int) {
	t.Helper()
	r := h.doAt(h.addGateway(nil), `{ customers(first: 100) { nodes { id number } } }`, nil)
	var page struct {
		Customers struct{ Nodes []knownCustomer }
	}
	if err := json.Unmarshal(r.Data, &page); err != nil || len(r.Errors) > 0 || len(page.Customers.Nodes) != 100 {
		t.Fatalf("listing customers: %v %+v %s", err, r.Errors, r.Data)
	}
	seedByNumber := map[string]int{}
	for _, c := range h.seed.Customers {
		seedByNumber[c.Number] = c.Index
	}
	return page.Customers.Nodes, seedByNumber
}

// checkCustomerEntities checks an _entities answer for known (in order) with a null and one
// NOT_FOUND error at index missing, and each customer's fields against the seed.
func checkCustomerEntities(t *testing.T, h *harness, r gqlResponse, known []knownCustomer, seedByNumber map[string]int,
	missing int, missingKey string) {
	t.Helper()
	if r.Status != 200 || len(r.Errors) != 1 {
		t.Fatalf("status %d, errors %+v; want 200 and exactly the missing customer's error", r.Status, r.Errors)
	}
	e := r.Errors[0]
	if code := e.Extensions["code"]; code != "NOT_FOUND" || !pathIs(e.Path, "_entities", missing) ||
		!strings.Contains(e.Message, missingKey) {
		t.Errorf("error = %+v, want NOT_FOUND at _entities.%d naming %q", e, missing, missingKey)
	}
	var d struct {
		Entities []*entity `json:"_entities"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Entities) != len(known) {
		t.Fatalf("got %d entities, want %d", len(d.Entities), len(known))
	}
	for i, got := range d.Entities {
		if i == missing {
			if got != nil {
				t.Errorf("entity %d = %+v, want null", i, got)
			}
			continue
		}
		want := known[i]
		if got == nil || got.Typename != "Customer" || got.ID != want.ID || got.Number != want.Number {
			t.Fatalf("entity %d = %+v, want customer %s", i, got, want.Number)
		}
		sc := h.seed.Customers[seedByNumber[got.Number]]
		if got.Name != sc.Name || got.Category == nil || got.Category.Name != h.seed.Categories[sc.Category].Name ||
			len(got.Groups) != len(sc.Groups) || got.Groups[0].Key != h.seed.Groups[sc.Groups[0]].Key ||
			got.BillToAddress == nil {
			t.Errorf("entity %d = %+v, does not match seed customer %+v", i, got, sc)
		}
	}
}

// TestFederationEntitiesMixed sends what a router may put into one _entities call: customers by
// id and by number, categories and groups, and representations that cannot resolve. Each
// resolves or fails on its own.
func TestFederationEntitiesMixed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{seed: seedOptions(20)})
	var ids struct {
		Customers struct {
			Nodes []struct{ ID, Number, Name string }
		}
		CustomerCategories struct{ Nodes []struct{ ID, Name string } }
		CustomerGroups     struct {
			Nodes []struct{ ID, Key, Name string }
		}
	}
	h.data(`{ customers(first: 4) { nodes { id number name } }
	  customerCategories(first: 2) { nodes { id name } }
	  customerGroups(first: 2) { nodes { id key name } } }`, nil, &ids)
	cs, cats, groups := ids.Customers.Nodes, ids.CustomerCategories.Nodes, ids.CustomerGroups.Nodes
	reps := []map[string]any{
		{"__typename": "Customer", "id": cs[0].ID},
		{"__typename": "Customer", "number": cs[1].Number},
		{"__typename": "CustomerCategory", "id": cats[0].ID},
		{"__typename": "CustomerGroup", "id": groups[0].ID},
		{"__typename": "Customer", "id": cats[1].ID}, // a category's id as a customer's
		{"__typename": "Customer", "number": cs[2].Number, "id": cs[3].ID},
		{"__typename": "CustomerGroup", "id": "gid://custgraph/CustomerGroup/no-such-group"},
		{"__typename": "CustomerCategory", "id": "not a custgraph id"},
	}
	h.resetCounts()
	r := h.do(entitiesQuery, map[string]any{"representations": reps})
	var d struct {
		Entities []*entity `json:"_entities"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil || len(d.Entities) != len(reps) {
		t.Fatalf("data %s (%v), want %d entities", r.Data, err, len(reps))
	}
	want := []struct {
		typename, name string // "" typename: null
		code           string // the error at this index, "" for none
	}{
		{"Customer", cs[0].Name, ""},
		{"Customer", cs[1].Name, ""},
		{"CustomerCategory", cats[0].Name, ""},
		{"CustomerGroup", groups[0].Name, ""},
		{"", "", "BAD_USER_INPUT"},
		{"Customer", "", ""}, // id or number: either identifies a customer in the sales platform
		{"", "", "NOT_FOUND"},
		{"", "", "BAD_USER_INPUT"},
	}
	codes := map[int]string{}
	for _, e := range r.Errors {
		if len(e.Path) != 2 || e.Path[0] != "_entities" {
			t.Errorf("error %+v is not at an _entities index", e)
			continue
		}
		code, _ := e.Extensions["code"].(string)
		codes[int(e.Path[1].(float64))] = code
	}
	for i, w := range want {
		got := d.Entities[i]
		switch {
		case w.typename == "" && got != nil:
			t.Errorf("entity %d = %+v, want null", i, got)
		case w.typename != "" && (got == nil || got.Typename != w.typename || (w.name != "" && got.Name != w.name)):
			t.Errorf("entity %d = %+v, want %s %q", i, got, w.typename, w.name)
		}
		if codes[i] != w.code {
			t.Errorf("entity %d error code %q, want %q (errors %+v)", i, codes[i], w.code, r.Errors)
		}
	}
	// Ids and numbers are separate sales lookups; categories by id and customers' categories are
	// separate SuiteQL queries; groups by id and customers' groups separate commercetools queries.
	// Nothing is per entity.
	if got := h.requests(); got["sales"] != 2 || got["netsuite"] != 2 || got["commercetools"] != 2 {
		t.Errorf("upstream requests = %v, want 2 per upstream", got)
	}
}

// TestFederationServiceSDL checks that _service returns the subgraph SDL with the entity keys,
// and that examples/orders-subgraph/custgraph.graphql, which CI composes with the example
// subgraph, is exactly that SDL (-update-sdl rewrites it).
func TestFederationServiceSDL(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{seed: seedOptions(5)})
	var d struct {
		Service struct{ SDL string } `json:"_service"`
	}
	h.data(`{ _service { sdl } }`, nil, &d)
	sdl := d.Service.SDL
	for _, want := range []string{
		`@link(url: "https://specs.apollo.dev/federation/v2.0"`,
		`type Customer implements Node @key(fields: "id") @key(fields: "number")`,
		`type CustomerCategory implements Node @key(fields: "id")`,
		`type CustomerGroup implements Node @key(fields: "id")`,
	} {
		if !strings.Contains(sdl, want) {
			t.Errorf("_service.sdl lacks %s", want)
		}
	}
	if *updateSDL {
		if err := os.WriteFile(sdlExport, []byte(sdl), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	got, err := os.ReadFile(sdlExport)
	if err != nil {
		t.Fatalf("%v (run go test ./e2e -run TestFederationServiceSDL -update-sdl)", err)
	}
	if string(got) != sdl {
		t.Errorf("%s is not the current _service.sdl: run go test ./e2e -run TestFederationServiceSDL -update-sdl",
			filepath.Clean(sdlExport))
	}
}

func pathIs(path []any, field string, index int) bool {
	return len(path) == 2 && path[0] == field && path[1] == float64(index)
}

// TestFederationBadRepresentations: representations no router would send are the caller's
// error (BAD_USER_INPUT, HTTP 200 with data), never an internal error or a 500.
func TestFederationBadRepresentations(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{seed: seedOptions(5)})
	tests := []struct {
		name string
		reps []any
	}{
		{"no key field", []any{map[string]any{"__typename": "Customer"}}},
		{"null key", []any{map[string]any{"__typename": "Customer", "number": nil}}},
		{"unknown type", []any{map[string]any{"__typename": "Order", "id": "1"}}},
		{"no __typename", []any{map[string]any{"number": "C-1001"}}},
		{"key of the wrong JSON type", []any{map[string]any{"__typename": "Customer", "number": map[string]any{"a": 1}}}},
		{"not an object", []any{"C-1001"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := h.do(`query($r: [_Any!]!) { _entities(representations: $r) { ... on Customer { name } } }`,
				map[string]any{"r": tc.reps})
			if r.Status != 200 || len(r.Errors) == 0 {
				t.Fatalf("status %d, errors %+v; want 200 with an error", r.Status, r.Errors)
			}
			for _, e := range r.Errors {
				if e.Extensions["code"] != "BAD_USER_INPUT" {
					t.Errorf("error %+v, want code BAD_USER_INPUT", e)
				}
			}
			if s := string(r.Data); s != `{"_entities":[null]}` && s != "null" {
				t.Errorf("data %s, want the entity null", s)
			}
		})
	}
}

// TestFederationEntitiesUpstreamDown: when the sales platform is down, its entities are null
// with UPSTREAM_UNAVAILABLE naming it, and entities of the other upstreams still resolve.
func TestFederationEntitiesUpstreamDown(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{seed: seedOptions(5)})
	var cats struct {
		CustomerCategories struct{ Nodes []struct{ ID, Name string } }
	}
	h.data(`{ customerCategories(first: 1) { nodes { id name } } }`, nil, &cats)
	if err := h.stack.Sales.Server().SetFaults(sim.Faults{Down: true}); err != nil {
		t.Fatal(err)
	}
	reps := []map[string]any{
		{"__typename": "Customer", "number": h.seed.Customers[0].Number},
		{"__typename": "CustomerCategory", "id": cats.CustomerCategories.Nodes[0].ID},
		{"__typename": "Customer", "number": h.seed.Customers[1].Number},
	}
	r := h.do(entitiesQuery, map[string]any{"representations": reps})
	var d struct {
		Entities []*entity `json:"_entities"`
	}
	if err := json.Unmarshal(r.Data, &d); err != nil || r.Status != 200 || len(d.Entities) != 3 {
		t.Fatalf("status %d, data %s (%v)", r.Status, r.Data, err)
	}
	if d.Entities[0] != nil || d.Entities[2] != nil || d.Entities[1] == nil || d.Entities[1].Name != cats.CustomerCategories.Nodes[0].Name {
		t.Errorf("entities %s, want the customers null and the category resolved", r.Data)
	}
	// A router attaches _entities errors by index: each failed entity keeps its own error.
	if len(r.Errors) != 2 {
		t.Fatalf("want one error per failed entity, got %+v", r.Errors)
	}
	for i, e := range r.Errors {
		if e.Extensions["code"] != "UPSTREAM_UNAVAILABLE" || e.Extensions["upstream"] != "sales" {
			t.Errorf("error %+v, want UPSTREAM_UNAVAILABLE from sales", e)
		}
		if want := []any{"_entities", float64(2 * i)}; fmt.Sprint(e.Path) != fmt.Sprint(want) {
			t.Errorf("error path %v, want %v", e.Path, want)
		}
	}
}
