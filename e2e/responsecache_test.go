package e2e

import (
	"encoding/json"
	"fmt"
	"testing"
)

const responseListQuery = `query($n: Int!) { customers(first: $n) { nodes { id note category { id name } groups { id name }
  priceGroups { nodes { id name } } billToAddress { id name } } } }`

type responseListView struct {
	Customers struct {
		Nodes []struct {
			ID       string
			Note     *string
			Category *struct{ ID, Name string }
			Groups   []struct{ ID, Name string }
		}
	}
}

// TestResponseCache: a repeated query is answered whole from the shared cache; a write through
// either replica ends the stored answer at once, and the next answer shows the write; queries
// whose data no cache entry stands for (searches) and answers with errors are never stored.
func TestResponseCache(t *testing.T) {
	t.Parallel()
	a, b := replicaCaches(t)
	h := newHarness(t, harnessOptions{seed: seedOptions(30), cache: a})
	second := h.addGateway(b)
	_, cats, grps := h.ids()
	vars := map[string]any{"n": 20}
	hits := func() uint64 { return a.Stats()["response"].Hits + b.Stats()["response"].Hits }

	list := func(url string) (responseListView, string) {
		t.Helper()
		r := h.doAt(url, responseListQuery, vars)
		if len(r.Errors) > 0 {
			t.Fatalf("errors: %+v", r.Errors)
		}
		var v responseListView
		if err := json.Unmarshal(r.Data, &v); err != nil {
			t.Fatal(err)
		}
		return v, string(r.Data)
	}

	// Cold (the upstreams' answers fill the entity entries), then read back from the entries
	// (that answer is stored), then served whole, on the other replica too.
	_, cold := list(h.url)
	h.resetCounts()
	_, warm := list(h.url)
	if n := hits(); n != 0 {
		t.Fatalf("%d responses served before one was stored", n)
	}
	_, served := list(second)
	if hits() != 1 {
		t.Fatalf("the third identical query was not served from the response cache (stats %+v)", b.Stats()["response"])
	}
	if got := h.requests(); got["netsuite"]+got["commercetools"]+got["sales"] != 0 {
		t.Errorf("warm answers made upstream requests %v", got)
	}
	if cold != warm || warm != served {
		t.Fatalf("answers differ:\ncold   %s\nwarm   %s\nserved %s", cold, warm, served)
	}

	before, _ := list(h.url)
	first, other := before.Customers.Nodes[0], before.Customers.Nodes[1]
	if first.Category == nil {
		t.Fatalf("seed customer %s has no category", first.ID)
	}

	// Each write through one replica shows in the next answer of the other.
	writes := []struct {
		name     string
		mutation string
		vars     map[string]any
		check    func(v responseListView) bool
	}{
		{"category renamed", `mutation($id: ID!) { updateCustomerCategory(id: $id, input: {name: "Renamed For Responses"}) { id } }`,
			map[string]any{"id": first.Category.ID}, func(v responseListView) bool {
				c := v.Customers.Nodes[0].Category
				return c != nil && c.Name == "Renamed For Responses"
			}},
		{"customer note", `mutation($id: ID!) { updateCustomer(id: $id, input: {note: "response cache"}) { id } }`,
			map[string]any{"id": other.ID}, func(v responseListView) bool {
				n := v.Customers.Nodes[1].Note
				return n != nil && *n == "response cache"
			}},
		{"customer's groups", `mutation($id: ID!, $g: ID!) { setCustomerGroups(customerId: $id, groupIds: [$g]) { id } }`,
			map[string]any{"id": first.ID, "g": grps[1]}, func(v responseListView) bool {
				g := v.Customers.Nodes[0].Groups
				return len(g) == 1 && g[0].ID == grps[1]
			}},
		{"customer's category", `mutation($id: ID!, $c: ID!) { assignCustomerCategory(customerId: $id, categoryId: $c) { id } }`,
			map[string]any{"id": other.ID, "c": cats[4]}, func(v responseListView) bool {
				c := v.Customers.Nodes[1].Category
				return c != nil && c.ID == cats[4]
			}},
	}
	for i, w := range writes {
		writer, reader := h.url, second
		if i%2 == 1 {
			writer, reader = second, h.url
		}
		list(reader) // stored or served: either way the answer is in the cache now
		list(reader)
		if r := h.doAt(writer, w.mutation, w.vars); len(r.Errors) > 0 {
			t.Fatalf("%s: %+v", w.name, r.Errors)
		}
		if v, raw := list(reader); !w.check(v) {
			t.Errorf("%s: the next answer does not show the write: %.300s", w.name, raw)
		}
		// The first answer after the write is stored when it was read from entries (a cold
		// entry's upstream answer is not) and served from then on.
		before := hits()
		list(reader)
		if v, raw := list(reader); !w.check(v) || hits() == before {
			t.Errorf("%s: the answer after the write is not served again (hits %d -> %d): %.300s", w.name, before, hits(), raw)
		}
	}

	// A search reads NetSuite directly: never stored, so each one asks the upstream.
	search := `{ customerCategories(filter: {nameStartsWith: "A"}, first: 5) { nodes { id name } } }`
	for range 3 {
		if r := h.do(search, nil); len(r.Errors) > 0 {
			t.Fatal(r.Errors)
		}
	}
	h.resetCounts()
	h.do(search, nil)
	if got := h.requests(); got["netsuite"] == 0 {
		t.Errorf("a repeated search made no NetSuite request (%v): it was served from the response cache", got)
	}

	// An answer with an error is never stored.
	bad := `{ customer(id: "not-a-global-id") { id } }`
	served = fmt.Sprint(hits())
	for range 3 {
		if r := h.do(bad, nil); len(r.Errors) == 0 {
			t.Fatal("want an error for a malformed id")
		}
	}
	if fmt.Sprint(hits()) != served {
		t.Error("an answer with an error was served from the response cache")
	}
}
