package e2e

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"custgraph/cache"
)

// subObjects selects every Customer sub-object the sales API returns through include[]. They
// are plain model fields, filled only when the record was fetched with their include; the
// include set is planned from the selection of whatever field returns the customer.
const subObjects = `fragment sub on Customer {
  id
  creditLimit { value displayValue }
  contactInfo { email phone url }
  freightPreferences { freightPolicy billingType carrier { name } serviceLevel { name } }
  defaults { paymentTerm { name } shippingTerm { name } priority { code } salesRep { name } }
  notificationPreferences { acceptsInvoiceEmails }
  billToAddress { id name }
  shipToAddress { id name }
  type { id name }
  priceGroups(first: 2) { nodes { id name } pageInfo { hasNextPage endCursor } }
}`

// TestSubObjectsOnEveryPath: every field that returns customers (roots, connections, edges,
// node and nodes, federation entities by id and by number, mutations) returns their
// sub-objects exactly as customer(id) does, with and without the shared cache.
func TestSubObjectsOnEveryPath(t *testing.T) {
	t.Parallel()
	for _, withCache := range []bool{false, true} {
		t.Run(fmt.Sprintf("cache=%v", withCache), func(t *testing.T) {
			t.Parallel()
			var c *cache.Cache
			if withCache {
				c = newCache(t, cache.NewMemory(10000), "sub")
			}
			h := newHarness(t, harnessOptions{seed: seedOptions(40), cache: c})

			// A parent account with children, and one of its children.
			var list struct {
				Customers struct {
					Nodes []struct {
						ID            string
						Number        string
						ParentAccount *struct{ ID string }
						Category      *struct{ ID string }
					}
				}
			}
			h.data(`{ customers(first: 40) { nodes { id number parentAccount { id } category { id } } } }`, nil, &list)
			var child, parent, number, category string
			for _, n := range list.Customers.Nodes {
				if n.ParentAccount != nil && n.Category != nil {
					child, parent, number, category = n.ID, n.ParentAccount.ID, n.Number, n.Category.ID
					break
				}
			}
			if child == "" {
				t.Fatal("the seed has no child account with a category")
			}

			// What customer(id) says of each customer, the reference.
			want := map[string]string{}
			reference := func(id string) string {
				if s, ok := want[id]; ok {
					return s
				}
				var r struct{ Customer json.RawMessage }
				h.data(subObjects+` query($id: ID!) { customer(id: $id) { ...sub } }`, map[string]any{"id": id}, &r)
				want[id] = string(r.Customer)
				return want[id]
			}
			var full struct {
				ID            string
				BillToAddress *struct{ ID string }
				ContactInfo   *struct{ Email string }
				Type          *struct{ ID string }
				Defaults      *struct{ PaymentTerm *struct{ Name string } }
			}
			if err := json.Unmarshal([]byte(reference(child)), &full); err != nil {
				t.Fatal(err)
			}
			if full.BillToAddress == nil || full.ContactInfo == nil || full.Type == nil || full.Defaults == nil {
				t.Fatalf("customer(id) returned no sub-objects to compare with: %s", reference(child))
			}

			paths := []struct {
				name, query string
				vars        map[string]any
				customers   func(raw json.RawMessage) []json.RawMessage
			}{
				{"customerByNumber", `query($n: String!) { x: customerByNumber(number: $n) { ...sub } }`,
					map[string]any{"n": number}, one},
				{"customers nodes and edges", `{ x: customers(first: 20) { nodes { ...sub } edges { node { ...sub } } } }`,
					nil, func(raw json.RawMessage) []json.RawMessage {
						var v struct {
							X struct {
								Nodes []json.RawMessage
								Edges []struct{ Node json.RawMessage }
							}
						}
						mustDecode(t, raw, &v)
						out := v.X.Nodes
						for _, e := range v.X.Edges {
							out = append(out, e.Node)
						}
						return out
					}},
				{"node", `query($id: ID!) { x: node(id: $id) { ... on Customer { ...sub } } }`, map[string]any{"id": child}, one},
				{"nodes", `query($ids: [ID!]!) { x: nodes(ids: $ids) { ...sub } }`, map[string]any{"ids": []string{child, parent}}, many},
				{"parentAccount", `query($id: ID!) { c: customer(id: $id) { x: parentAccount { ...sub } } }`, map[string]any{"id": child},
					func(raw json.RawMessage) []json.RawMessage {
						var v struct{ C struct{ X json.RawMessage } }
						mustDecode(t, raw, &v)
						return []json.RawMessage{v.C.X}
					}},
				{"childAccounts", `query($id: ID!) { c: customer(id: $id) { x: childAccounts(first: 20) { nodes { ...sub } } } }`, map[string]any{"id": parent}, nestedNodes},
				{"category customers", `query($id: ID!) { c: customerCategory(id: $id) { x: customers(first: 20) { nodes { ...sub } } } }`, map[string]any{"id": category}, nestedNodes},
				{"_entities by id and number", `query($r: [_Any!]!) { x: _entities(representations: $r) { ... on Customer { ...sub } } }`,
					map[string]any{"r": []map[string]any{{"__typename": "Customer", "id": child}, {"__typename": "Customer", "number": number}}}, many},
				{"updateCustomer", `mutation($id: ID!) { x: updateCustomer(id: $id, input: {note: "sub-objects"}) { ...sub } }`, map[string]any{"id": child}, one},
				{"assignCustomerCategory", `mutation($id: ID!, $cat: ID) { x: assignCustomerCategory(customerId: $id, categoryId: $cat) { ...sub } }`,
					map[string]any{"id": child, "cat": category}, one},
			}
			for _, p := range paths {
				r := h.do(subObjects+" "+p.query, p.vars)
				if len(r.Errors) > 0 {
					t.Errorf("%s: %+v", p.name, r.Errors)
					continue
				}
				got := p.customers(r.Data)
				if len(got) == 0 {
					t.Errorf("%s: no customers: %s", p.name, r.Data)
				}
				for _, c := range got {
					var id struct{ ID string }
					mustDecode(t, c, &id)
					if ref := reference(id.ID); string(c) != ref {
						t.Errorf("%s: customer %s\n got %s\nwant %s", p.name, id.ID, c, ref)
					}
				}
			}
		})
	}
}

func one(raw json.RawMessage) []json.RawMessage {
	var v struct{ X json.RawMessage }
	_ = json.Unmarshal(raw, &v)
	return []json.RawMessage{v.X}
}

// nestedNodes is the customers of a connection one level down: c { x { nodes } }.
func nestedNodes(raw json.RawMessage) []json.RawMessage {
	var v struct {
		C struct {
			X struct{ Nodes []json.RawMessage }
		}
	}
	_ = json.Unmarshal(raw, &v)
	return v.C.X.Nodes
}

func many(raw json.RawMessage) []json.RawMessage {
	var v struct{ X []json.RawMessage }
	_ = json.Unmarshal(raw, &v)
	return v.X
}

func mustDecode(t *testing.T, raw json.RawMessage, v any) {
	t.Helper()
	if err := json.Unmarshal(raw, v); err != nil {
		t.Fatalf("decode %s: %v", raw, err)
	}
}

// TestPriceGroupPaging pages a customer's price groups one at a time to the end, and refuses a
// bad page size or cursor with BAD_USER_INPUT; a cursor past the end is an empty last page.
func TestPriceGroupPaging(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{seed: seedOptions(40)})
	type page struct {
		Nodes    []struct{ ID string }
		PageInfo struct {
			HasNextPage bool
			EndCursor   *string
		}
	}
	var list struct {
		Customers struct {
			Nodes []struct {
				ID          string
				PriceGroups page
			}
		}
	}
	h.data(`{ customers(first: 40) { nodes { id priceGroups(first: 100) { nodes { id } pageInfo { hasNextPage endCursor } } } } }`, nil, &list)
	var id string
	var all []string
	for _, n := range list.Customers.Nodes {
		if len(n.PriceGroups.Nodes) >= 2 {
			id = n.ID
			for _, g := range n.PriceGroups.Nodes {
				all = append(all, g.ID)
			}
			break
		}
	}
	if id == "" {
		t.Fatal("no seeded customer has two price groups")
	}
	const q = `query($id: ID!, $first: Int, $after: String) { customer(id: $id) { priceGroups(first: $first, after: $after) {
		nodes { id } pageInfo { hasNextPage endCursor } } } }`
	var got []string
	var after any
	for i := 0; ; i++ {
		var r struct{ Customer struct{ PriceGroups page } }
		h.data(q, map[string]any{"id": id, "first": 1, "after": after}, &r)
		p := r.Customer.PriceGroups
		for _, g := range p.Nodes {
			got = append(got, g.ID)
		}
		if !p.PageInfo.HasNextPage {
			if p.PageInfo.EndCursor == nil {
				t.Fatalf("page %d: no end cursor", i)
			}
			after = *p.PageInfo.EndCursor
			break
		}
		after = *p.PageInfo.EndCursor
		if i > len(all) {
			t.Fatalf("more pages than price groups: %v", got)
		}
	}
	if strings.Join(got, ",") != strings.Join(all, ",") {
		t.Errorf("paged %v, want %v", got, all)
	}
	var past struct{ Customer struct{ PriceGroups page } }
	h.data(q, map[string]any{"id": id, "first": 5, "after": after}, &past)
	if len(past.Customer.PriceGroups.Nodes) != 0 || past.Customer.PriceGroups.PageInfo.HasNextPage {
		t.Errorf("after the last cursor: %+v, want an empty last page", past.Customer.PriceGroups)
	}
	// A cursor far past the end (skip 100, as a stale client might hold) is an empty page too.
	var far struct{ Customer struct{ PriceGroups page } }
	h.data(q, map[string]any{"id": id, "first": 5, "after": "eyJzIjoxMDB9"}, &far)
	if len(far.Customer.PriceGroups.Nodes) != 0 || far.Customer.PriceGroups.PageInfo.HasNextPage {
		t.Errorf("after skip 100: %+v, want an empty last page", far.Customer.PriceGroups)
	}
	for _, bad := range []map[string]any{{"id": id, "first": -1}, {"id": id, "first": 101}, {"id": id, "after": "not a cursor"}} {
		r := h.do(q, bad)
		if len(r.Errors) != 1 || r.Errors[0].Extensions["code"] != "BAD_USER_INPUT" {
			t.Errorf("%v: errors %+v, want one BAD_USER_INPUT", bad, r.Errors)
		}
	}
}
