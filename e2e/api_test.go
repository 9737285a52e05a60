package e2e

import (
	"encoding/json"
	"strings"
	"testing"

	"custgraph/e2e/views"
	"custgraph/upstream/sim"
)

// first returns the global ids of the first n customers, categories and groups.
func (h *harness) ids() (customers, categories, groups []string) {
	var d struct {
		Customers          struct{ Nodes []struct{ ID string } }
		CustomerCategories struct{ Nodes []struct{ ID string } }
		CustomerGroups     struct{ Nodes []struct{ ID string } }
	}
	h.data(`{ customers(first: 5) { nodes { id } } customerCategories(first: 5) { nodes { id } } customerGroups(first: 5) { nodes { id } } }`, nil, &d)
	for _, n := range d.Customers.Nodes {
		customers = append(customers, n.ID)
	}
	for _, n := range d.CustomerCategories.Nodes {
		categories = append(categories, n.ID)
	}
	for _, n := range d.CustomerGroups.Nodes {
		groups = append(groups, n.ID)
	}
	return
}

func TestQueries(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	cust, cats, grps := h.ids()

	var one struct {
		Customer         struct{ Number string }
		CustomerByNumber struct{ ID string }
		CustomerCategory struct {
			Name      string
			Customers struct{ Nodes []struct{ Number string } }
		}
		CustomerGroup struct{ Key string }
		Node          struct {
			Typename string `json:"__typename"`
		}
		Nodes []*struct{ ID string }
	}
	h.data(`query($c: ID!, $cat: ID!, $g: ID!) {
		customer(id: $c) { number }
		customerByNumber(number: "C-1001") { id }
		customerCategory(id: $cat) { name customers(first: 100) { nodes { number } } }
		customerGroup(id: $g) { key }
		node(id: $cat) { __typename }
		nodes(ids: [$c, $g, "gid://custgraph/Customer/nope"]) { id }
	}`, map[string]any{"c": cust[0], "cat": cats[0], "g": grps[0]}, &one)
	if one.Customer.Number != "C-1001" || one.CustomerByNumber.ID != cust[0] || one.Node.Typename != "CustomerCategory" {
		t.Errorf("lookups: %+v", one)
	}
	wantMembers := 0
	for _, c := range h.seed.Customers {
		if h.seed.Categories[c.Category].Name == one.CustomerCategory.Name {
			wantMembers++
		}
	}
	if len(one.CustomerCategory.Customers.Nodes) != wantMembers || wantMembers == 0 {
		t.Errorf("category %q has %d customers, seed says %d", one.CustomerCategory.Name, len(one.CustomerCategory.Customers.Nodes), wantMembers)
	}
	if len(one.Nodes) != 3 || one.Nodes[0].ID != cust[0] || one.Nodes[1].ID != grps[0] || one.Nodes[2] != nil {
		t.Errorf("nodes: %+v", one.Nodes)
	}

	// Lookups that find nothing are null without an error; a group by key.
	r := h.do(`{
		customerByNumber(number: "C-0") { id }
		customer(id: "gid://custgraph/Customer/cus_missing") { id }
		customerCategory(id: "gid://custgraph/CustomerCategory/99999") { id }
		customerGroup(key: "no-such-key") { id }
		byKey: customerGroup(key: "grp-003") { key name }
	}`, nil)
	if len(r.Errors) > 0 || string(r.Data) != `{"customerByNumber":null,"customer":null,"customerCategory":null,"customerGroup":null,"byKey":{"key":"grp-003","name":"Bronze"}}` {
		t.Errorf("not-found lookups: %s %+v", r.Data, r.Errors)
	}

	// Filters.
	var f struct {
		ByCategory, ByGroup, ByName, ByStatus, Children struct {
			Nodes []struct{ Number, Name, Status string }
		}
		Cats struct {
			TotalCount int
			Nodes      []struct{ Name string }
		}
		Inactive struct{ TotalCount int }
		Groups   struct{ Nodes []struct{ Key string } }
	}
	h.data(`query($cat: ID!, $g: ID!, $p: ID!) {
		byCategory: customers(first: 100, filter: {categoryId: $cat}) { nodes { number } }
		byGroup: customers(first: 100, filter: {groupId: $g}) { nodes { number } }
		byName: customers(filter: {nameContains: "acme"}) { nodes { name } }
		byStatus: customers(first: 100, filter: {status: PREFERRED}) { nodes { status } }
		children: customers(filter: {parentAccountId: $p}) { nodes { number } }
		cats: customerCategories(filter: {nameStartsWith: "Ent"}) { totalCount nodes { name } }
		inactive: customerCategories(filter: {isInactive: true}) { totalCount }
		groups: customerGroups(filter: {key: "grp-002"}) { nodes { key } }
	}`, map[string]any{"cat": cats[0], "g": grps[0], "p": cust[0]}, &f)
	if len(f.ByCategory.Nodes) != wantMembers {
		t.Errorf("category filter: %d customers, want %d", len(f.ByCategory.Nodes), wantMembers)
	}
	if len(f.ByGroup.Nodes) == 0 || len(f.ByName.Nodes) == 0 || len(f.ByStatus.Nodes) == 0 {
		t.Errorf("filters found nothing: %+v", f)
	}
	for _, c := range f.ByName.Nodes {
		if !strings.Contains(strings.ToLower(c.Name), "acme") {
			t.Errorf("name filter let %q through", c.Name)
		}
	}
	for _, c := range f.ByStatus.Nodes {
		if c.Status != "PREFERRED" {
			t.Errorf("status filter let %q through", c.Status)
		}
	}
	if len(f.Children.Nodes) != 3 || f.Cats.TotalCount != 1 || f.Cats.Nodes[0].Name != "Enterprise" || f.Inactive.TotalCount != 2 {
		t.Errorf("filters: %+v", f)
	}
	if len(f.Groups.Nodes) != 1 || f.Groups.Nodes[0].Key != "grp-002" {
		t.Errorf("group filter: %+v", f.Groups)
	}
}

func TestPagination(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	seen := map[string]bool{}
	after := ""
	for page := 0; ; page++ {
		var d struct {
			Customers struct {
				Edges []struct {
					Cursor string
					Node   struct{ Number string }
				}
				PageInfo struct {
					HasNextPage bool
					EndCursor   string
				}
			}
		}
		vars := map[string]any{}
		if after != "" {
			vars["after"] = after
		}
		h.data(`query($after: String) { customers(first: 30, after: $after) { edges { cursor node { number } } pageInfo { hasNextPage endCursor } } }`, vars, &d)
		for _, e := range d.Customers.Edges {
			if seen[e.Node.Number] {
				t.Fatalf("page %d repeats %s", page, e.Node.Number)
			}
			seen[e.Node.Number] = true
		}
		if !d.Customers.PageInfo.HasNextPage {
			break
		}
		after = d.Customers.PageInfo.EndCursor
		if page > 20 {
			t.Fatal("pagination does not end")
		}
	}
	if len(seen) != len(h.seed.Customers) {
		t.Errorf("paged through %d customers, seed has %d", len(seen), len(h.seed.Customers))
	}
	// Resuming from an edge cursor in the middle of a page.
	var a, b struct {
		Customers struct {
			Edges []struct {
				Cursor string
				Node   struct{ Number string }
			}
		}
	}
	h.data(`{ customers(first: 10) { edges { cursor node { number } } } }`, nil, &a)
	h.data(`query($a: String) { customers(first: 3, after: $a) { edges { cursor node { number } } } }`, map[string]any{"a": a.Customers.Edges[4].Cursor}, &b)
	if b.Customers.Edges[0].Node.Number != a.Customers.Edges[5].Node.Number {
		t.Errorf("after edge 4 came %s, want %s", b.Customers.Edges[0].Node.Number, a.Customers.Edges[5].Node.Number)
	}
}

func TestBadInputErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	cust, cats, grps := h.ids()
	cases := []struct {
		name, query string
		vars        map[string]any
		code        string
	}{
		{"malformed id", `{ customer(id: "cus_1") { name } }`, nil, "BAD_USER_INPUT"},
		{"id of another type", `query($g: ID!) { customer(id: $g) { name } }`, map[string]any{"g": grps[0]}, "BAD_USER_INPUT"},
		{"first too large", `{ customers(first: 501) { nodes { name } } }`, nil, "BAD_USER_INPUT"},
		{"first zero", `{ customerGroups(first: 0) { nodes { name } } }`, nil, "BAD_USER_INPUT"},
		{"bad cursor", `{ customers(after: "!!") { nodes { name } } }`, nil, "BAD_USER_INPUT"},
		{"group by id and key", `query($g: ID!) { customerGroup(id: $g, key: "x") { name } }`, map[string]any{"g": grps[0]}, "BAD_USER_INPUT"},
		{"bad decimal", `query($c: ID!) { updateCustomer(id: $c, input: {creditLimit: {value: "1,5", unitId: "usd"}}) { name } }`, map[string]any{"c": cust[0]}, "BAD_USER_INPUT"},
		{"clear a required field", `query($c: ID!) { updateCustomer(id: $c, input: {name: null}) { name } }`, map[string]any{"c": cust[0]}, "BAD_USER_INPUT"},
		{"empty update", `query($c: ID!) { updateCustomer(id: $c, input: {}) { name } }`, map[string]any{"c": cust[0]}, "BAD_USER_INPUT"},
		{"unknown price group", `query($c: ID!) { updateCustomer(id: $c, input: {priceGroupIds: ["gid://custgraph/AccountGroup/nope"]}) { name } }`, map[string]any{"c": cust[0]}, "BAD_USER_INPUT"},
		{"unknown customer", `mutation { updateCustomer(id: "gid://custgraph/Customer/nope", input: {note: "x"}) { name } }`, nil, "NOT_FOUND"},
		{"unknown category", `mutation($c: ID!) { assignCustomerCategory(customerId: $c, categoryId: "gid://custgraph/CustomerCategory/999") { name } }`, map[string]any{"c": cust[0]}, "NOT_FOUND"},
		{"unknown group", `mutation($c: ID!) { setCustomerGroups(customerId: $c, groupIds: ["gid://custgraph/CustomerGroup/nope"]) { name } }`, map[string]any{"c": cust[0]}, "NOT_FOUND"},
		{"duplicate category", `mutation { createCustomerCategory(input: {name: "Enterprise"}) { id } }`, nil, "CONFLICT"},
		{"empty category name", `mutation { createCustomerCategory(input: {name: "  "}) { id } }`, nil, "BAD_USER_INPUT"},
		{"delete category in use", `mutation($c: ID!) { deleteCustomerCategory(id: $c) { deletedId } }`, map[string]any{"c": cats[0]}, "CONFLICT"},
		{"duplicate group", `mutation { createCustomerGroup(input: {name: "Gold"}) { id } }`, nil, "CONFLICT"},
		{"stale group version", `mutation($g: ID!) { updateCustomerGroup(id: $g, version: 99, input: {name: "New"}) { id } }`, map[string]any{"g": grps[0]}, "CONFLICT"},
		{"stale delete version", `mutation($g: ID!) { deleteCustomerGroup(id: $g, version: 99) { id } }`, map[string]any{"g": grps[0]}, "CONFLICT"},
		{"group update with nothing", `mutation($g: ID!) { updateCustomerGroup(id: $g, version: 1, input: {}) { id } }`, map[string]any{"g": grps[0]}, "BAD_USER_INPUT"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			q := tc.query
			if strings.HasPrefix(q, "query(") && strings.Contains(q, "update") {
				q = "mutation" + strings.TrimPrefix(q, "query")
			}
			r := h.do(q, tc.vars)
			if got := errorCode(t, r); got != tc.code {
				t.Errorf("code %q, want %q: %+v", got, tc.code, r.Errors)
			}
			if r.Status >= 500 {
				t.Errorf("HTTP %d", r.Status)
			}
		})
	}
	// A stale version error carries the current version.
	r := h.do(`mutation($g: ID!) { updateCustomerGroup(id: $g, version: 99, input: {name: "New"}) { id } }`, map[string]any{"g": grps[0]})
	if v, _ := r.Errors[0].Extensions["currentVersion"].(float64); v != 1 || r.Errors[0].Extensions["upstream"] != "commercetools" {
		t.Errorf("conflict extensions: %+v", r.Errors[0].Extensions)
	}
}

func TestMutations(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	cust, cats, grps := h.ids()

	// updateCustomer: set, clear, and leave alone.
	var u struct {
		UpdateCustomer struct {
			Note        *string
			Name        string
			ContactInfo struct{ Email *string }
			CreditLimit *struct{ Value string }
		}
	}
	h.data(`mutation($c: ID!) { updateCustomer(id: $c, input: {note: "call first", email: null, creditLimit: {value: "1234.50", unitId: "unit_usd"}}, idempotencyKey: "k-1") { note name contactInfo { email } creditLimit { value } } }`,
		map[string]any{"c": cust[0]}, &u)
	if u.UpdateCustomer.Note == nil || *u.UpdateCustomer.Note != "call first" || u.UpdateCustomer.ContactInfo.Email != nil ||
		u.UpdateCustomer.Name != h.seed.Customers[0].Name || u.UpdateCustomer.CreditLimit == nil || u.UpdateCustomer.CreditLimit.Value != "1234.5" {
		t.Errorf("updateCustomer: %+v", u.UpdateCustomer)
	}

	// assignCustomerCategory, then clear it.
	var a struct {
		AssignCustomerCategory struct{ Category *struct{ ID string } }
	}
	h.data(`mutation($c: ID!, $cat: ID) { assignCustomerCategory(customerId: $c, categoryId: $cat) { category { id } } }`,
		map[string]any{"c": cust[1], "cat": cats[2]}, &a)
	if a.AssignCustomerCategory.Category == nil || a.AssignCustomerCategory.Category.ID != cats[2] {
		t.Errorf("assign: %+v", a)
	}
	h.data(`mutation($c: ID!) { assignCustomerCategory(customerId: $c, categoryId: null) { category { id } } }`,
		map[string]any{"c": cust[1]}, &a)
	if a.AssignCustomerCategory.Category != nil {
		t.Errorf("clear: %+v", a)
	}

	// setCustomerGroups.
	var s struct {
		SetCustomerGroups struct{ Groups []struct{ ID string } }
	}
	h.data(`mutation($c: ID!, $g: [ID!]!) { setCustomerGroups(customerId: $c, groupIds: $g) { groups { id } } }`,
		map[string]any{"c": cust[2], "g": []string{grps[3], grps[1]}}, &s)
	if len(s.SetCustomerGroups.Groups) != 2 || s.SetCustomerGroups.Groups[0].ID != grps[3] {
		t.Errorf("setCustomerGroups: %+v", s)
	}

	// Category lifecycle.
	var c struct {
		CreateCustomerCategory struct{ ID, Name string }
	}
	h.data(`mutation { createCustomerCategory(input: {name: "Wholesale"}) { id name } }`, nil, &c)
	var cu struct {
		UpdateCustomerCategory struct {
			Name       string
			IsInactive bool
		}
	}
	h.data(`mutation($id: ID!) { updateCustomerCategory(id: $id, input: {name: "Wholesale EU", isInactive: true}) { name isInactive } }`, map[string]any{"id": c.CreateCustomerCategory.ID}, &cu)
	if cu.UpdateCustomerCategory.Name != "Wholesale EU" || !cu.UpdateCustomerCategory.IsInactive {
		t.Errorf("updateCustomerCategory: %+v", cu)
	}
	var cd struct{ DeleteCustomerCategory struct{ DeletedID string } }
	h.data(`mutation($id: ID!) { deleteCustomerCategory(id: $id) { deletedId } }`, map[string]any{"id": c.CreateCustomerCategory.ID}, &cd)
	r := h.do(`query($id: ID!) { customerCategory(id: $id) { name } }`, map[string]any{"id": c.CreateCustomerCategory.ID})
	if cd.DeleteCustomerCategory.DeletedID != c.CreateCustomerCategory.ID || string(r.Data) != `{"customerCategory":null}` {
		t.Errorf("deleted category still there: %s", r.Data)
	}

	// Group lifecycle with versions and custom fields.
	var g struct {
		CreateCustomerGroup struct {
			ID      string
			Version int
		}
	}
	h.data(`mutation { createCustomerGroup(input: {name: "Night Owls", key: "owls", custom: {typeKey: "group-extras", fields: {tier: 2}}}) { id version } }`, nil, &g)
	var gu struct {
		UpdateCustomerGroup struct {
			Name    string
			Key     *string
			Version int
			Custom  *struct{ Fields map[string]json.RawMessage }
		}
	}
	h.data(`mutation($id: ID!, $v: Int!) { updateCustomerGroup(id: $id, version: $v, input: {name: "Early Birds", key: null, setFields: {note: "hi"}}) { name key version custom { fields } } }`,
		map[string]any{"id": g.CreateCustomerGroup.ID, "v": g.CreateCustomerGroup.Version}, &gu)
	if gu.UpdateCustomerGroup.Name != "Early Birds" || gu.UpdateCustomerGroup.Key != nil || gu.UpdateCustomerGroup.Version <= g.CreateCustomerGroup.Version {
		t.Errorf("updateCustomerGroup: %+v", gu)
	}
	var gd struct{ DeleteCustomerGroup struct{ ID string } }
	h.data(`mutation($id: ID!, $v: Int!) { deleteCustomerGroup(id: $id, version: $v) { id } }`,
		map[string]any{"id": g.CreateCustomerGroup.ID, "v": gu.UpdateCustomerGroup.Version}, &gd)
	if gd.DeleteCustomerGroup.ID != g.CreateCustomerGroup.ID {
		t.Errorf("deleteCustomerGroup: %+v", gd)
	}
}

// TestUpstreamDownGivesPartialData: with NetSuite down, customers come back with category null
// and one error naming NetSuite; sales and commercetools data are intact.
func TestUpstreamDownGivesPartialData(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	h.do(views.Counted, map[string]any{"first": 1})
	if err := h.stack.NetSuite.Server().SetFaults(sim.Faults{Down: true}); err != nil {
		t.Fatal(err)
	}
	r := h.do(`{ customers(first: 20) { nodes { number category { name } groups { key } } } }`, nil)
	var d struct {
		Customers struct {
			Nodes []struct {
				Number   string
				Category *struct{ Name string }
				Groups   []struct{ Key string }
			}
		}
	}
	if err := json.Unmarshal(r.Data, &d); err != nil || len(d.Customers.Nodes) != 20 {
		t.Fatalf("data: %v %s", err, r.Data)
	}
	for _, c := range d.Customers.Nodes {
		if c.Category != nil || len(c.Groups) == 0 {
			t.Errorf("%s: category %+v groups %v", c.Number, c.Category, c.Groups)
		}
	}
	// One error for the failed batch, not one per field (resolvers.CollapseBatchErrors).
	if len(r.Errors) != 1 {
		t.Fatalf("want one error for the failed NetSuite batch, got %d: %+v", len(r.Errors), r.Errors)
	}
	for _, e := range r.Errors {
		if e.Extensions["code"] != "UPSTREAM_UNAVAILABLE" || e.Extensions["upstream"] != "netsuite" || len(e.Path) != 4 ||
			e.Extensions["affectedFields"] != float64(20) {
			t.Errorf("error: %+v", e)
		}
		// Every nulled field is named, so a client can tell an error null from a real one.
		paths, _ := e.Extensions["affectedPaths"].([]any)
		if len(paths) != 20 || paths[19] != "customers.nodes[19].category" {
			t.Errorf("affectedPaths: %v", paths)
		}
	}
}
