package e2e

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"custgraph/e2e/views"
)

// nestedQuery is the full nested view of 50 customers and more.
const nestedQuery = `query Nested($first: Int!) {
  customers(first: $first) {
    nodes { ` + views.CustomerFields + ` }
    pageInfo { hasNextPage endCursor }
  }
}`

type nestedCustomer struct {
	ID, SalesID, Number, Name, Status string
	IsParentAccount                   bool
	CreditLimit                       *struct{ Value string }
	BillToAddress, ShipToAddress      *struct{ ID, Name string }
	Type                              *struct{ Name, Type string }
	PriceGroups                       struct{ Nodes []struct{ Name, Type string } }
	Category                          *struct{ NetsuiteID, Name string }
	Groups                            []struct{ Key, Name string }
	ParentAccount                     *struct {
		Number   string
		Category *struct{ Name string }
		Groups   []struct{ Key string }
	}
	ChildAccounts struct {
		Nodes []struct {
			Number   string
			Category *struct{ Name string }
			Groups   []struct{ Key string }
		}
	}
}

type nestedData struct {
	Customers struct {
		Nodes    []nestedCustomer
		PageInfo struct {
			HasNextPage bool
			EndCursor   string
		}
	}
}

// TestNestedQueryJoinsTheThreeSystems checks the 50-customer nested view against the seed that
// all three simulators were built from: every customer's category is its NetSuite category,
// its groups its commercetools groups, its parent and children the seeded accounts.
func TestNestedQueryJoinsTheThreeSystems(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	var d nestedData
	h.data(nestedQuery, map[string]any{"first": 50}, &d)
	nodes := d.Customers.Nodes
	if len(nodes) != 50 || !d.Customers.PageInfo.HasNextPage {
		t.Fatalf("got %d customers, hasNextPage %v", len(nodes), d.Customers.PageInfo.HasNextPage)
	}
	byNumber := map[string]int{}
	for _, c := range h.seed.Customers {
		byNumber[c.Number] = c.Index
	}
	for _, c := range nodes {
		sc := h.seed.Customers[byNumber[c.Number]]
		if c.Name != sc.Name {
			t.Errorf("%s: name %q, seed %q", c.Number, c.Name, sc.Name)
		}
		wantCat := h.seed.Categories[sc.Category].Name
		if c.Category == nil || c.Category.Name != wantCat {
			t.Errorf("%s: category %+v, want %q", c.Number, c.Category, wantCat)
		}
		var keys []string
		for _, g := range c.Groups {
			keys = append(keys, g.Key)
		}
		var wantKeys []string
		for _, gi := range sc.Groups {
			wantKeys = append(wantKeys, h.seed.Groups[gi].Key)
		}
		if strings.Join(keys, ",") != strings.Join(wantKeys, ",") {
			t.Errorf("%s: groups %v, want %v (primary first)", c.Number, keys, wantKeys)
		}
		if c.BillToAddress == nil || c.ShipToAddress == nil || c.Type == nil || c.Type.Type != "TYPE_GROUP" || len(c.PriceGroups.Nodes) == 0 {
			t.Errorf("%s: missing sales sub-objects: %+v", c.Number, c)
		}
		for _, pg := range c.PriceGroups.Nodes {
			if pg.Type != "PRICING_GROUP" {
				t.Errorf("%s: price group %q has type %s", c.Number, pg.Name, pg.Type)
			}
		}
		if !strings.HasPrefix(c.ID, "gid://custgraph/Customer/") || !strings.HasSuffix(c.ID, c.SalesID) {
			t.Errorf("%s: id %q does not carry salesId %q", c.Number, c.ID, c.SalesID)
		}
		if sc.Parent >= 0 {
			p := h.seed.Customers[sc.Parent]
			if c.ParentAccount == nil || c.ParentAccount.Number != p.Number {
				t.Errorf("%s: parent %+v, want %s", c.Number, c.ParentAccount, p.Number)
			} else if c.ParentAccount.Category == nil || c.ParentAccount.Category.Name != h.seed.Categories[p.Category].Name {
				t.Errorf("%s: parent's category %+v", c.Number, c.ParentAccount.Category)
			}
		} else if c.ParentAccount != nil {
			t.Errorf("%s: unexpected parent %+v", c.Number, c.ParentAccount)
		}
		wantChildren := h.seed.Children(sc.Index)
		if len(c.ChildAccounts.Nodes) != len(wantChildren) || c.IsParentAccount != (len(wantChildren) > 0) {
			t.Errorf("%s: %d children (isParentAccount %v), want %d", c.Number, len(c.ChildAccounts.Nodes), c.IsParentAccount, len(wantChildren))
		}
		for _, ch := range c.ChildAccounts.Nodes {
			if ch.Category == nil || len(ch.Groups) == 0 {
				t.Errorf("%s: child %s lacks category or groups", c.Number, ch.Number)
			}
		}
	}
}

// TestNoNPlusOne: the nested query makes one NetSuite and one commercetools request whatever
// the list size, and one sales request per 100 customers (the sales API's page limit).
func TestNoNPlusOne(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{seed: seedOptions(250)})
	h.do(views.Counted, map[string]any{"first": 1}) // tokens fetched once, outside the count
	for _, n := range []int{10, 50, 200} {
		h.resetCounts()
		var d struct {
			Customers struct{ Nodes []nestedCustomer }
		}
		h.data(views.Counted, map[string]any{"first": n}, &d)
		if len(d.Customers.Nodes) != n {
			t.Fatalf("first %d: got %d customers", n, len(d.Customers.Nodes))
		}
		got := h.requests()
		want := map[string]int64{"netsuite": 1, "commercetools": 1, "sales": int64((n + 99) / 100)}
		if fmt.Sprint(got) != fmt.Sprint(want) {
			t.Errorf("first %d: upstream requests %v, want %v", n, got, want)
		}
		t.Logf("first %d: upstream requests %v", n, got)
	}
}

// BenchmarkNested50At20ms measures the nested 50-customer query with 20 ms of simulated
// latency on every upstream call; with batching it costs two dependent rounds (the sales list,
// then NetSuite and commercetools in parallel). Reports upstream requests per query too.
func BenchmarkNested50At20ms(b *testing.B) {
	h := newHarness(b, harnessOptions{latency: 20 * time.Millisecond})
	h.do(views.Counted, map[string]any{"first": 1})
	h.resetCounts()
	var durations []time.Duration
	for b.Loop() {
		start := time.Now()
		var d struct {
			Customers struct{ Nodes []nestedCustomer }
		}
		h.data(views.Counted, map[string]any{"first": 50}, &d)
		durations = append(durations, time.Since(start))
	}
	b.ReportMetric(float64(percentile(durations, 50).Microseconds())/1000, "p50-ms")
	var total int64
	for _, n := range h.requests() {
		total += n
	}
	b.ReportMetric(float64(total)/float64(b.N), "upstream-req/op")
}
