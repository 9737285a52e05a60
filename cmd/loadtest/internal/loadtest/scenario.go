package loadtest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"

	vegeta "github.com/tsenart/vegeta/v12/lib"
)

// Scenario is one named workload: the GraphQL requests it sends, and what its shape should cost
// upstream with batching on and the cache cold.
type Scenario struct {
	Name        string
	Description string
	// Batches is the number of distinct upstream batches one query of this shape needs, by
	// upstream: the budget's "upstream requests per query" (mutation-mix: the weighted mean).
	Batches map[string]float64
	// Depth is the longest chain of dependent upstream calls: the cold critical path is Depth
	// times the simulated latency.
	Depth int
	// WriteEvery > 0 makes every WriteEvery-th request a write.
	WriteEvery int

	build func(customers []customerRef) (reads, writes []request)
}

// customerRef is a customer as the discovery query returns it.
type customerRef struct {
	ID     string `json:"id"`
	Number string `json:"number"`
}

// request is one GraphQL request body.
type request struct {
	Query         string         `json:"query"`
	OperationName string         `json:"operationName,omitempty"`
	Variables     map[string]any `json:"variables,omitempty"`
}

// mobileView is the full nested view a mobile app shows for one customer: every sub-object of
// the sales record, its category and groups, its parent and its children with theirs.
const mobileView = `id salesId number name status note isEdiEnabled isParentAccount commissionPolicy createdAt updatedAt
    creditLimit { value displayValue }
    contactInfo { email phone url }
    freightPreferences { freightPolicy carrier { id name code } serviceLevel { id name } billingType billingAccount }
    defaults { paymentTerm { id name } shippingTerm { id name type } priority { code name } salesRep { id name } }
    notificationPreferences { acceptsInvoiceEmails }
    billToAddress { id salesId name phone email isDropShip }
    shipToAddress { id salesId name phone email isDropShip }
    type { id name type }
    priceGroups { nodes { id name type } }
    category { id netsuiteId name isInactive }
    groups { id key name version }
    parentAccount { id number name category { name } groups { key } }
    childAccounts { nodes { id number name category { name } groups { key } } }`

const mobileQuery = `query MobileCustomer($id: ID!) {
  customer(id: $id) {
    ` + mobileView + `
  }
}`

// listView is a list screen: each customer with category, groups, price groups and addresses.
const listQuery = `query CustomerList($first: Int!) {
  customers(first: $first) {
    nodes {
      id number name status
      category { id name }
      groups { id key name }
      priceGroups { nodes { id name } }
      billToAddress { id name }
      shipToAddress { id name }
    }
    pageInfo { hasNextPage endCursor }
  }
}`

// entitiesQuery is what a federation router sends to resolve Customer references.
const entitiesQuery = `query Entities($representations: [_Any!]!) {
  _entities(representations: $representations) {
    ... on Customer {
      id number name status
      category { id name }
      groups { id key name }
      billToAddress { id name }
    }
  }
}`

const updateMutation = `mutation UpdateNote($id: ID!, $note: String!) {
  updateCustomer(id: $id, input: {note: $note}) { id note }
}`

// Scenarios returns the catalogue, in report order.
func Scenarios() []Scenario {
	mobile := func(cs []customerRef) []request {
		out := make([]request, len(cs))
		for i, c := range cs {
			out[i] = request{Query: mobileQuery, OperationName: "MobileCustomer", Variables: map[string]any{"id": c.ID}}
		}
		return out
	}
	list := func(n int) func([]customerRef) ([]request, []request) {
		return func([]customerRef) ([]request, []request) {
			return []request{{Query: listQuery, OperationName: "CustomerList", Variables: map[string]any{"first": n}}}, nil
		}
	}
	three := map[string]float64{"sales": 1, "netsuite": 1, "commercetools": 1}
	return []Scenario{
		{
			Name: "mobile-customer", Description: "customer(id) with the full nested view (all sub-objects, category, groups, parent and children with theirs); ids in rotation",
			Batches: three, Depth: 2,
			build: func(cs []customerRef) ([]request, []request) { return mobile(cs), nil },
		},
		{
			Name: "list-50", Description: "customers(first: 50) with category, groups, price groups, both addresses",
			Batches: three, Depth: 2, build: list(50),
		},
		{
			Name: "list-200", Description: "customers(first: 200), same view (the sales API pages by 100: two sequential list calls)",
			Batches: map[string]float64{"sales": 2, "netsuite": 1, "commercetools": 1}, Depth: 3, build: list(200),
		},
		{
			Name: "federation-entities-100", Description: "_entities with 100 Customer representations by id (a router's batch), with category, groups, bill-to address; windows in rotation",
			Batches: three, Depth: 2,
			build: func(cs []customerRef) ([]request, []request) {
				var out []request
				n := min(100, len(cs))
				for start := 0; start < len(cs); start += n {
					reps := make([]map[string]any, n)
					for i := range reps {
						reps[i] = map[string]any{"__typename": "Customer", "id": cs[(start+i)%len(cs)].ID}
					}
					out = append(out, request{Query: entitiesQuery, OperationName: "Entities",
						Variables: map[string]any{"representations": reps}})
				}
				return out, nil
			},
		},
		{
			Name: "mutation-mix", Description: "mobile-customer reads with every 10th request an updateCustomer(note) write (10% writes, each invalidating its customer)",
			// 0.9 x (1+1+1) for reads + 0.1 x one sales PATCH.
			Batches: map[string]float64{"sales": 1, "netsuite": 0.9, "commercetools": 0.9}, Depth: 2, WriteEvery: 10,
			build: func(cs []customerRef) ([]request, []request) {
				writes := make([]request, len(cs))
				for i, c := range cs {
					writes[i] = request{Query: updateMutation, OperationName: "UpdateNote",
						Variables: map[string]any{"id": c.ID, "note": fmt.Sprintf("loadtest note %d", i)}}
				}
				return mobile(cs), writes
			},
		},
	}
}

// ScenarioNames lists the catalogue's names.
func ScenarioNames() []string {
	var out []string
	for _, s := range Scenarios() {
		out = append(out, s.Name)
	}
	return out
}

// pickScenarios returns the named scenarios in catalogue order, or an error naming unknown ones.
func pickScenarios(names []string) ([]Scenario, error) {
	want := map[string]bool{}
	for _, n := range names {
		want[n] = true
	}
	var out []Scenario
	for _, s := range Scenarios() {
		if want[s.Name] {
			out = append(out, s)
			delete(want, s.Name)
		}
	}
	if len(want) > 0 {
		var unknown []string
		for n := range want {
			unknown = append(unknown, n)
		}
		return nil, fmt.Errorf("unknown scenario(s) %s; known: %s", strings.Join(unknown, ", "), strings.Join(ScenarioNames(), ", "))
	}
	return out, nil
}

// workload is a scenario bound to a gateway URL and the discovered customers.
type workload struct {
	reads, writes [][]byte
	writeEvery    int
	url           string
	header        http.Header
	n             atomic.Uint64
}

func newWorkload(s Scenario, gatewayURL string, customers []customerRef) (*workload, error) {
	reads, writes := s.build(customers)
	if len(reads) == 0 {
		return nil, fmt.Errorf("scenario %s: no requests (no customers discovered?)", s.Name)
	}
	w := &workload{writeEvery: s.WriteEvery, url: strings.TrimSuffix(gatewayURL, "/") + "/graphql",
		header: http.Header{"Content-Type": {"application/json"}}}
	enc := func(rs []request) ([][]byte, error) {
		out := make([][]byte, len(rs))
		for i, r := range rs {
			b, err := json.Marshal(r)
			if err != nil {
				return nil, fmt.Errorf("scenario %s: encode request: %w", s.Name, err)
			}
			out[i] = b
		}
		return out, nil
	}
	var err error
	if w.reads, err = enc(reads); err != nil {
		return nil, err
	}
	if w.writes, err = enc(writes); err != nil {
		return nil, err
	}
	if len(w.writes) == 0 {
		w.writeEvery = 0
	}
	return w, nil
}

// targeter hands out the scenario's requests in rotation: reads round-robin, and every
// writeEvery-th request a write. Deterministic, so two runs send the same sequence.
func (w *workload) targeter() vegeta.Targeter {
	return func(t *vegeta.Target) error {
		i := w.n.Add(1) - 1
		t.Method, t.URL, t.Header = http.MethodPost, w.url, w.header
		if w.writeEvery > 0 && i%uint64(w.writeEvery) == uint64(w.writeEvery-1) {
			t.Body = w.writes[(i/uint64(w.writeEvery))%uint64(len(w.writes))]
			return nil
		}
		t.Body = w.reads[i%uint64(len(w.reads))]
		return nil
	}
}
