package sandbox

import (
	"bytes"
	"fmt"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"custgraph/upstream/sales"
	"custgraph/upstream/seed"
	"custgraph/upstream/sim"
)

func TestRequestErrors(t *testing.T) {
	t.Parallel()
	ts := newTestSim(t, 12)
	c0 := customerID(0)
	many := strings.Repeat("ids[]=x&", 101)
	cases := []struct {
		name, method, path string
		header             []string
		status             int
		code, param        string
	}{
		{"no key", "GET", "/v1/sales/customers", []string{"Authorization", ""}, 401, sales.CodeAPIKeyMissing, ""},
		{"wrong key", "GET", "/v1/sales/customers", []string{"Authorization", "Bearer sk_wrong"}, 401, sales.CodeAPIKeyInvalid, ""},
		{"basic auth", "GET", "/v1/sales/customers", []string{"Authorization", "Basic " + APIKey}, 401, sales.CodeAPIKeyInvalid, ""},
		{"unknown url needs key", "GET", "/v1/sales/nope", []string{"Authorization", ""}, 401, sales.CodeAPIKeyMissing, ""},
		{"unknown url", "GET", "/v1/sales/nope", nil, 404, sales.CodeURLInvalid, ""},
		{"trailing slash", "GET", "/v1/sales/customers/", nil, 404, sales.CodeURLInvalid, ""},
		{"wrong method", "PUT", "/v1/sales/customers/" + c0, nil, 404, sales.CodeURLInvalid, ""},
		{"missing customer", "GET", "/v1/sales/customers/cus_nope", nil, 404, sales.CodeResourceMissing, "id"},
		{"missing address", "GET", "/v1/sales/addresses/addr_nope", nil, 404, sales.CodeResourceMissing, "id"},
		{"missing group", "GET", "/v1/sales/account_groups/ag_nope", nil, 404, sales.CodeResourceMissing, "id"},
		{"unknown param", "GET", "/v1/sales/customers?name=x", nil, 400, sales.CodeParameterUnknown, "name"},
		{"ids without brackets", "GET", "/v1/sales/customers?ids=x", nil, 400, sales.CodeParameterUnknown, "ids"},
		{"param on get", "GET", "/v1/sales/customers/" + c0 + "?limit=1", nil, 400, sales.CodeParameterUnknown, "limit"},
		{"param on address get", "GET", "/v1/sales/addresses/x?include[]=type", nil, 400, sales.CodeParameterUnknown, "include[]"},
		{"limit zero", "GET", "/v1/sales/customers?limit=0", nil, 400, sales.CodeParameterInvalid, "limit"},
		{"limit over max", "GET", "/v1/sales/customers?limit=101", nil, 400, sales.CodeParameterInvalid, "limit"},
		{"limit not a number", "GET", "/v1/sales/customers?limit=ten", nil, 400, sales.CodeParameterInvalid, "limit"},
		{"limit twice", "GET", "/v1/sales/customers?limit=1&limit=2", nil, 400, sales.CodeParameterInvalid, "limit"},
		{"bad cursor", "GET", "/v1/sales/customers?cursor=abc", nil, 400, sales.CodeParameterInvalid, "cursor"},
		{"bad status", "GET", "/v1/sales/customers?status=gold", nil, 400, sales.CodeParameterInvalid, "status"},
		{"too many ids", "GET", "/v1/sales/customers?" + many, nil, 400, sales.CodeParameterInvalid, "ids"},
		{"too many address ids", "GET", "/v1/sales/addresses?" + many, nil, 400, sales.CodeParameterInvalid, "ids"},
		{"unknown include", "GET", "/v1/sales/customers?include[]=carrier", nil, 400, sales.CodeParameterInvalid, "include"},
		{"unknown include on patch", "PATCH", "/v1/sales/customers/" + c0 + "?include[]=x", nil, 400, sales.CodeParameterInvalid, "include"},
		{"bad group type", "GET", "/v1/sales/account_groups?type=pricing", nil, 400, sales.CodeParameterInvalid, "type"},
		{"patch missing customer", "PATCH", "/v1/sales/customers/cus_nope", nil, 404, sales.CodeResourceMissing, "id"},
		{"long idempotency key", "PATCH", "/v1/sales/customers/" + c0, []string{"Idempotency-Key", strings.Repeat("k", 256)}, 400, sales.CodeParameterInvalid, "Idempotency-Key"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts.call(t, tc.method, tc.path, "", tc.header...).wantError(t, tc.status, tc.code, tc.param)
		})
	}
}

func TestIncludeExpandsOnlyWhatIsNamed(t *testing.T) {
	t.Parallel()
	ts := newTestSim(t, 12)
	all := sales.AllIncludes()
	for _, name := range all {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			for _, path := range []string{
				"/v1/sales/customers/" + customerID(1) + "?include[]=" + name, // a child
				"/v1/sales/customers/" + customerID(0) + "?include[]=" + name, // a parent
				"/v1/sales/customers?limit=3&include[]=" + name,
			} {
				r := ts.call(t, "GET", path, "")
				if r.status != 200 {
					t.Fatalf("%s: %d %s", path, r.status, r.body)
				}
				var objs []map[string]any
				if strings.Contains(path, "limit=") {
					var l listPage
					r.decode(t, &l)
					objs = l.Data
				} else {
					var m map[string]any
					r.decode(t, &m)
					objs = []map[string]any{m}
				}
				for _, o := range objs {
					for _, other := range all {
						_, present := o[other]
						if !present {
							t.Fatalf("%s: field %s missing", path, other)
						}
						if other != name && o[other] != nil {
							t.Errorf("%s: %s is %v, want null", path, other, o[other])
						}
					}
				}
			}
		})
	}
}

func TestNestedCustomersHaveNoSubObjects(t *testing.T) {
	t.Parallel()
	ts := newTestSim(t, 12)
	var parent, child map[string]any
	ts.call(t, "GET", "/v1/sales/customers/"+customerID(0)+"?"+includeAll(), "").decode(t, &parent)
	ts.call(t, "GET", "/v1/sales/customers/"+customerID(2)+"?"+includeAll(), "").decode(t, &child)
	if parent["is_parent_account"] != true || parent["parent_account"] != nil {
		t.Fatalf("customer 0 should be a parent without parent: %v %v", parent["is_parent_account"], parent["parent_account"])
	}
	if child["child_accounts"] != nil || child["is_parent_account"] != false {
		t.Fatalf("customer 2 should have no children: %v", child["child_accounts"])
	}
	kids := parent["child_accounts"].(map[string]any)["data"].([]any)
	nested := []map[string]any{child["parent_account"].(map[string]any)}
	for _, k := range kids {
		nested = append(nested, k.(map[string]any))
	}
	if len(kids) != 3 || nested[0]["id"] != customerID(0) {
		t.Fatalf("parent has %d children, child's parent is %v", len(kids), nested[0]["id"])
	}
	for _, n := range nested {
		for _, name := range sales.AllIncludes() {
			if n[name] != nil {
				t.Errorf("nested customer %v: %s = %v, want null", n["id"], name, n[name])
			}
		}
	}
	// Always-null fields inside expanded objects.
	fp := child["freight_preferences"].(map[string]any)
	carrier := fp["carrier"].(map[string]any)
	if _, ok := carrier["owner"]; !ok || carrier["owner"] != nil || carrier["service_levels"] != nil {
		t.Errorf("carrier owner/service_levels must be present and null: %v", carrier)
	}
	st := child["defaults"].(map[string]any)["shipping_term"].(map[string]any)
	for _, k := range []string{"owner", "flat_rate", "minimum_order_value", "free_shipping_service_levels"} {
		if v, ok := st[k]; !ok || v != nil {
			t.Errorf("shipping_term.%s must be present and null, is %v", k, v)
		}
	}
	if v, ok := child["bill_to_address"].(map[string]any)["geolocation"]; !ok || v != nil {
		t.Errorf("geolocation must be present and null")
	}
}

func TestListPaginationAndFilters(t *testing.T) {
	t.Parallel()
	ts := newTestSim(t, 23)

	// Forward through everything, then back again.
	var forward []string
	var last listPage
	path := "/v1/sales/customers?limit=5"
	for page := 0; ; page++ {
		var l listPage
		ts.call(t, "GET", path, "").decode(t, &l)
		if l.Object != "list" || (page == 0) == l.PageInfo.HasPrevPage || (page == 0) != (l.PageInfo.PrevCursor == nil) {
			t.Fatalf("page %d: bad list envelope %+v", page, l.PageInfo)
		}
		for _, c := range l.Data {
			forward = append(forward, c["number"].(string))
		}
		last = l
		if !l.PageInfo.HasNextPage {
			if l.PageInfo.NextCursor != nil {
				t.Fatal("last page has a next cursor")
			}
			break
		}
		path = "/v1/sales/customers?limit=5&cursor=" + esc(*l.PageInfo.NextCursor)
	}
	if len(forward) != 23 || !slices.IsSorted(forward) || len(slices.Compact(slices.Clone(forward))) != 23 {
		t.Fatalf("forward walk: %v", forward)
	}
	var backward []string
	for l := last; l.PageInfo.HasPrevPage; {
		path := "/v1/sales/customers?limit=5&cursor=" + esc(*l.PageInfo.PrevCursor)
		l = listPage{}
		ts.call(t, "GET", path, "").decode(t, &l)
		var nums []string
		for _, c := range l.Data {
			nums = append(nums, c["number"].(string))
		}
		backward = append(nums, backward...)
	}
	backward = append(backward, forward[len(forward)-len(last.Data):]...)
	if !slices.Equal(backward, forward) {
		t.Fatalf("backward walk %v != forward %v", backward, forward)
	}

	count := func(query string) []string {
		var l listPage
		r := ts.call(t, "GET", "/v1/sales/customers?limit=100&"+query, "")
		if r.status != 200 {
			t.Fatalf("%s: %d %s", query, r.status, r.body)
		}
		r.decode(t, &l)
		var out []string
		for _, c := range l.Data {
			out = append(out, c["number"].(string))
		}
		return out
	}
	cases := []struct {
		query string
		want  []string
	}{
		{"numbers[]=C-1003&numbers[]=C-1001&numbers[]=C-9999", []string{"C-1001", "C-1003"}},
		{"ids[]=" + customerID(4) + "&ids[]=cus_missing", []string{"C-1005"}},
		{"ids[]=", nil},
		{"parent_account_id=" + customerID(10), []string{"C-1012", "C-1013", "C-1014"}},
		{"parent_account_id=cus_missing", nil},
		{"q=ACME", []string{"C-1001", "C-1021"}},
		{"q=" + esc("globex industrial"), []string{"C-1002"}},
		{"status=hold_shipment", []string{"C-1004", "C-1008", "C-1012", "C-1016", "C-1020"}},
		{"status=preferred&q=industrial", []string{"C-1003", "C-1007", "C-1011", "C-1015", "C-1019"}},
		{"q=" + esc("&status=normal"), nil},
	}
	for _, tc := range cases {
		if got := count(tc.query); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.query, got, tc.want)
		}
	}

	// An embedded child list continues through the customers list.
	var p map[string]any
	ts.call(t, "GET", "/v1/sales/customers/"+customerID(20)+"?include[]=child_accounts", "").decode(t, &p)
	if n := len(p["child_accounts"].(map[string]any)["data"].([]any)); n != 2 {
		t.Fatalf("customer 20 has %d children, want 2 (21 and 22)", n)
	}
}

func TestAddressesAndGroups(t *testing.T) {
	t.Parallel()
	ts := newTestSim(t, 60)
	var l listPage
	ts.call(t, "GET", "/v1/sales/addresses?limit=100", "").decode(t, &l)
	if len(l.Data) != 100 || !l.PageInfo.HasNextPage {
		t.Fatalf("addresses page: %d, has_next %v", len(l.Data), l.PageInfo.HasNextPage)
	}
	next := *l.PageInfo.NextCursor
	l = listPage{}
	ts.call(t, "GET", "/v1/sales/addresses?limit=100&cursor="+esc(next), "").decode(t, &l)
	if len(l.Data) != 20 || l.PageInfo.HasNextPage || !l.PageInfo.HasPrevPage {
		t.Fatalf("second addresses page: %d %+v", len(l.Data), l.PageInfo)
	}
	l = listPage{}
	ts.call(t, "GET", "/v1/sales/account_groups", "").decode(t, &l)
	types := map[string]int{}
	for _, g := range l.Data {
		types[g["type"].(string)]++
	}
	if types[sales.GroupTypePricing] != 8 || types[sales.GroupTypeType] != 4 {
		t.Fatalf("groups by type: %v", types)
	}
	l = listPage{}
	pricing := makeID("ag", "pricing_group", 0)
	ts.call(t, "GET", "/v1/sales/account_groups?type=type_group&ids[]="+pricing+"&ids[]="+makeID("ag", "type_group", 1), "").decode(t, &l)
	if len(l.Data) != 1 || l.Data[0]["name"] != "Retailer" {
		t.Fatalf("type filter: %v", l.Data)
	}
}

func TestSeedSpreadsValues(t *testing.T) {
	t.Parallel()
	ts := newTestSim(t, 200)
	seen := map[string]map[any]bool{}
	note := func(k string, v any) {
		if seen[k] == nil {
			seen[k] = map[any]bool{}
		}
		seen[k][v] = true
	}
	priceGroups := map[string]bool{}
	for _, c := range ts.st.customers {
		w := ts.st.renderCustomer(c, includeSet{sales.IncludeFreightPreferences: true, sales.IncludeDefaults: true,
			sales.IncludeCreditLimit: true, sales.IncludeContactInfo: true})
		note("status", w.Status)
		note("commission", w.CommissionPolicy)
		note("note null", w.Note == nil)
		note("credit null", w.CreditLimit == nil)
		note("carrier", w.FreightPreferences.Carrier.Name)
		note("carrier code null", w.FreightPreferences.Carrier.Code == nil)
		note("service level null", w.FreightPreferences.ServiceLevel == nil)
		note("billing type null", w.FreightPreferences.BillingType == nil)
		note("priority", w.Defaults.Priority.Code)
		note("sales rep null", w.Defaults.SalesRep == nil)
		note("email null", w.ContactInfo.Email == nil)
		if n := len(c.PriceGroupIDs); n < 1 || n > 3 {
			t.Errorf("%s has %d price groups", c.Number, n)
		}
		for _, g := range c.PriceGroupIDs {
			priceGroups[g] = true
		}
		if *c.BillToID == *c.ShipToID {
			t.Errorf("%s shares bill-to and ship-to", c.Number)
		}
	}
	for k, n := range map[string]int{"status": 3, "commission": 2, "note null": 2, "credit null": 2, "carrier": 4,
		"carrier code null": 2, "service level null": 2, "billing type null": 2, "priority": 3, "sales rep null": 2, "email null": 2} {
		if len(seen[k]) != n {
			t.Errorf("%s takes %d values, want %d: %v", k, len(seen[k]), n, seen[k])
		}
	}
	if len(priceGroups) != 8 {
		t.Errorf("%d pricing groups in use, want 8", len(priceGroups))
	}
	// The same seed renders the same store.
	other := New(Options{Seed: ts.st.ds})
	for id, c := range ts.st.customers {
		if !reflect.DeepEqual(c, other.st.customers[id]) {
			t.Fatalf("seeding is not deterministic for %s", id)
		}
	}
}

func TestPatchSemantics(t *testing.T) {
	t.Parallel()
	c1 := customerID(1)
	path := "/v1/sales/customers/" + c1 + "?" + includeAll()
	get := func(t *testing.T, ts *testSim) map[string]any {
		var m map[string]any
		ts.call(t, "GET", path, "").decode(t, &m)
		return m
	}
	pricing := func(i int) string { return makeID("ag", "pricing_group", i) }
	ts0 := newTestSim(t, 12)
	// slOf picks deterministically: a carrier can have several non-default service levels, and
	// the table names one when it builds a body and again when it checks the answer.
	slOf := func(carrier string, def bool) string {
		var ids []string
		for id, l := range ts0.st.serviceLevels {
			if l.CarrierID == carrier && l.IsDefault == def {
				ids = append(ids, id)
			}
		}
		if len(ids) == 0 {
			t.Fatal("no service level")
		}
		slices.Sort(ids)
		return ids[0]
	}
	carrierNamed := func(name string) string {
		for id, c := range ts0.st.carriers {
			if c.Name == name {
				return id
			}
		}
		t.Fatal("no carrier " + name)
		return ""
	}
	fedex, ups := carrierNamed("FedEx"), carrierNamed("UPS")

	cases := []struct {
		name  string
		body  string
		check func(t *testing.T, before, after map[string]any)
	}{
		{"omitted fields unchanged", `{"name": "Renamed Co."}`, func(t *testing.T, b, a map[string]any) {
			if a["name"] != "Renamed Co." {
				t.Errorf("name %v", a["name"])
			}
			delete(a, "name")
			delete(b, "name")
			delete(a, "updated_at")
			delete(b, "updated_at")
			if fmt.Sprint(a) != fmt.Sprint(b) {
				t.Errorf("other fields changed:\n%v\n%v", b, a)
			}
		}},
		{"null clears nullable fields", `{"note": null, "email": null, "url": null, "credit_limit": null,
			"bill_to_address_id": null, "ship_to_address_id": null, "default_sales_rep_user_id": null,
			"default_service_level_id": null, "carrier_billing_account": null}`, func(t *testing.T, b, a map[string]any) {
			ci := a["contact_info"].(map[string]any)
			fp := a["freight_preferences"].(map[string]any)
			d := a["defaults"].(map[string]any)
			for k, v := range map[string]any{"note": a["note"], "email": ci["email"], "url": ci["url"],
				"credit_limit": a["credit_limit"], "bill_to": a["bill_to_address"], "ship_to": a["ship_to_address"],
				"sales_rep": d["sales_rep"], "service_level": fp["service_level"], "billing_account": fp["billing_account"]} {
				if v != nil {
					t.Errorf("%s = %v after null", k, v)
				}
			}
			if ci["phone"] != b["contact_info"].(map[string]any)["phone"] {
				t.Errorf("phone changed")
			}
		}},
		{"set values", `{"note": "n", "status": "hold_shipment", "is_edi_enabled": true, "commission_policy": "commission_exempt",
			"freight_policy": "free_freight", "default_priority": "low", "phone": "+1 555 0000",
			"carrier_billing_type": "third_party", "carrier_billing_account": "ACC-1",
			"credit_limit": {"value": "1234567.5", "unit_id": "unit_eur"}}`, func(t *testing.T, b, a map[string]any) {
			fp := a["freight_preferences"].(map[string]any)
			cl := a["credit_limit"].(map[string]any)
			got := []any{a["note"], a["status"], a["is_edi_enabled"], a["commission_policy"], fp["status"],
				a["defaults"].(map[string]any)["priority"].(map[string]any)["code"], a["contact_info"].(map[string]any)["phone"],
				fp["billing_type"], fp["billing_account"], cl["value"], cl["display_value"], cl["id"]}
			want := []any{"n", "hold_shipment", true, "commission_exempt", "free_freight", "low", "+1 555 0000",
				"third_party", "ACC-1", "1234567.5", "€1,234,567.50", qtyID(c1)}
			if fmt.Sprint(got) != fmt.Sprint(want) {
				t.Errorf("got %v\nwant %v", got, want)
			}
		}},
		{"price groups replace all", `{"customer_price_group_ids": ["` + pricing(5) + `", "` + pricing(1) + `", "` + pricing(5) + `"]}`,
			func(t *testing.T, b, a map[string]any) {
				var ids []string
				for _, g := range a["price_groups"].(map[string]any)["data"].([]any) {
					ids = append(ids, g.(map[string]any)["id"].(string))
				}
				if !slices.Equal(ids, []string{pricing(5), pricing(1)}) {
					t.Errorf("price groups %v", ids)
				}
			}},
		{"empty price groups clear", `{"customer_price_group_ids": []}`, func(t *testing.T, b, a map[string]any) {
			if d := a["price_groups"].(map[string]any)["data"].([]any); len(d) != 0 {
				t.Errorf("price groups %v", d)
			}
		}},
		{"type group and addresses", `{"customer_type_group_id": "` + makeID("ag", "type_group", 3) + `", "bill_to_address_id": "` +
			makeID("addr", "address", 7) + `"}`, func(t *testing.T, b, a map[string]any) {
			if a["type"].(map[string]any)["name"] != "End User" || a["bill_to_address"].(map[string]any)["id"] != makeID("addr", "address", 7) {
				t.Errorf("type %v bill_to %v", a["type"], a["bill_to_address"])
			}
		}},
		{"new carrier clears service level", `{"default_carrier_id": "` + fedex + `"}`, func(t *testing.T, b, a map[string]any) {
			fp := a["freight_preferences"].(map[string]any)
			if fp["carrier"].(map[string]any)["id"] != fedex || fp["service_level"] != nil {
				t.Errorf("carrier %v service level %v", fp["carrier"], fp["service_level"])
			}
		}},
		{"new carrier with its service level", `{"default_carrier_id": "` + fedex + `", "default_service_level_id": "` + slOf(fedex, false) + `"}`,
			func(t *testing.T, b, a map[string]any) {
				fp := a["freight_preferences"].(map[string]any)
				if fp["service_level"].(map[string]any)["id"] != slOf(fedex, false) {
					t.Errorf("service level %v", fp["service_level"])
				}
			}},
		{"same carrier keeps service level", `{"default_carrier_id": "` + ups + `"}`, func(t *testing.T, b, a map[string]any) {
			if fmt.Sprint(a["freight_preferences"]) != fmt.Sprint(b["freight_preferences"]) {
				t.Errorf("freight preferences changed")
			}
		}},
		{"number changes lookups", `{"number": "Z-1"}`, func(t *testing.T, b, a map[string]any) {
			if a["number"] != "Z-1" {
				t.Errorf("number %v", a["number"])
			}
		}},
		{"empty patch touches", `{}`, func(t *testing.T, b, a map[string]any) {
			if a["updated_at"] == b["updated_at"] {
				t.Errorf("updated_at did not advance")
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts := newTestSim(t, 12)
			before := get(t, ts)
			r := ts.call(t, "PATCH", path, tc.body)
			if r.status != 200 {
				t.Fatalf("%d %s", r.status, r.body)
			}
			var resp map[string]any
			r.decode(t, &resp)
			after := get(t, ts)
			if fmt.Sprint(resp) != fmt.Sprint(after) {
				t.Errorf("PATCH response differs from a later GET:\n%v\n%v", resp, after)
			}
			b, _ := time.Parse(time.RFC3339Nano, before["updated_at"].(string))
			a, _ := time.Parse(time.RFC3339Nano, after["updated_at"].(string))
			if !a.After(b) {
				t.Errorf("updated_at %v did not advance past %v", a, b)
			}
			if ts.Writes() != 1 {
				t.Errorf("writes = %d", ts.Writes())
			}
			tc.check(t, before, after)
		})
	}

	t.Run("number moves in lists", func(t *testing.T) {
		t.Parallel()
		ts := newTestSim(t, 12)
		ts.call(t, "PATCH", "/v1/sales/customers/"+customerID(0), `{"number": "C-9999"}`)
		var l listPage
		ts.call(t, "GET", "/v1/sales/customers?numbers[]=C-1001&numbers[]=C-9999", "").decode(t, &l)
		if len(l.Data) != 1 || l.Data[0]["id"] != customerID(0) {
			t.Fatalf("by number: %v", l.Data)
		}
		l = listPage{}
		ts.call(t, "GET", "/v1/sales/customers?limit=100", "").decode(t, &l)
		if l.Data[len(l.Data)-1]["number"] != "C-9999" {
			t.Fatalf("order not by number after change")
		}
	})
}

func TestPatchRejects(t *testing.T) {
	t.Parallel()
	ts := newTestSim(t, 12)
	id := customerID(1) // carrier UPS
	var fedexLevel string
	for lid, l := range ts.st.serviceLevels {
		if ts.st.carriers[l.CarrierID].Name == "FedEx" {
			fedexLevel = lid
		}
	}
	typeGroup, pricing := makeID("ag", "type_group", 0), makeID("ag", "pricing_group", 0)
	cases := []struct {
		name, body  string
		status      int
		code, param string
	}{
		{"not an object", `[1]`, 400, sales.CodeParameterInvalid, ""},
		{"not json", `{"name":`, 400, sales.CodeParameterInvalid, ""},
		{"unknown field", `{"name": "x", "nickname": "y"}`, 400, sales.CodeParameterUnknown, "nickname"},
		{"wrong type", `{"name": 5}`, 400, sales.CodeParameterInvalid, "name"},
		{"bool type", `{"is_edi_enabled": "yes"}`, 400, sales.CodeParameterInvalid, "is_edi_enabled"},
		{"list type", `{"customer_price_group_ids": "` + pricing + `"}`, 400, sales.CodeParameterInvalid, "customer_price_group_ids"},
		{"null list item", `{"customer_price_group_ids": [null]}`, 400, sales.CodeParameterInvalid, "customer_price_group_ids"},
		{"blank name", `{"name": "  "}`, 400, sales.CodeParameterInvalid, "name"},
		{"control char number", `{"number": "C\n1"}`, 400, sales.CodeParameterInvalid, "number"},
		{"taken number", `{"number": "C-1001"}`, 400, sales.CodeResourceAlreadyExists, "number"},
		{"bad status", `{"status": "gold"}`, 400, sales.CodeParameterInvalid, "status"},
		{"bad commission", `{"commission_policy": "none"}`, 400, sales.CodeParameterInvalid, "commission_policy"},
		{"bad freight", `{"freight_policy": "free"}`, 400, sales.CodeParameterInvalid, "freight_policy"},
		{"bad priority", `{"default_priority": "urgent"}`, 400, sales.CodeParameterInvalid, "default_priority"},
		{"bad billing type", `{"carrier_billing_type": "receiver"}`, 400, sales.CodeParameterInvalid, "carrier_billing_type"},
		{"missing carrier", `{"default_carrier_id": "car_x"}`, 400, sales.CodeParameterInvalid, "default_carrier_id"},
		{"missing service level", `{"default_service_level_id": "sl_x"}`, 400, sales.CodeParameterInvalid, "default_service_level_id"},
		{"other carrier's level", `{"default_service_level_id": "` + fedexLevel + `"}`, 400, sales.CodeParameterInvalid, "default_service_level_id"},
		{"missing payment term", `{"default_payment_term_id": "pt_x"}`, 400, sales.CodeParameterInvalid, "default_payment_term_id"},
		{"missing shipping term", `{"default_shipping_term_id": "st_x"}`, 400, sales.CodeParameterInvalid, "default_shipping_term_id"},
		{"missing sales rep", `{"default_sales_rep_user_id": "usr_x"}`, 400, sales.CodeParameterInvalid, "default_sales_rep_user_id"},
		{"missing bill-to", `{"bill_to_address_id": "addr_x"}`, 400, sales.CodeParameterInvalid, "bill_to_address_id"},
		{"missing ship-to", `{"ship_to_address_id": "addr_x"}`, 400, sales.CodeParameterInvalid, "ship_to_address_id"},
		{"type group as price group", `{"customer_price_group_ids": ["` + typeGroup + `"]}`, 400, sales.CodeParameterInvalid, "customer_price_group_ids"},
		{"price group as type group", `{"customer_type_group_id": "` + pricing + `"}`, 400, sales.CodeParameterInvalid, "customer_type_group_id"},
		{"credit not object", `{"credit_limit": "100"}`, 400, sales.CodeParameterInvalid, "credit_limit"},
		{"credit missing value", `{"credit_limit": {"unit_id": "unit_usd"}}`, 400, sales.CodeParameterMissing, "credit_limit.value"},
		{"credit missing unit", `{"credit_limit": {"value": "1"}}`, 400, sales.CodeParameterMissing, "credit_limit.unit_id"},
		{"credit unknown field", `{"credit_limit": {"value": "1", "unit_id": "unit_usd", "currency": "USD"}}`, 400, sales.CodeParameterUnknown, "credit_limit.currency"},
		{"credit number value", `{"credit_limit": {"value": 1, "unit_id": "unit_usd"}}`, 400, sales.CodeParameterInvalid, "credit_limit.value"},
		{"credit exponent", `{"credit_limit": {"value": "1e5", "unit_id": "unit_usd"}}`, 400, sales.CodeParameterInvalid, "credit_limit.value"},
		{"credit negative", `{"credit_limit": {"value": "-1.00", "unit_id": "unit_usd"}}`, 400, sales.CodeParameterInvalid, "credit_limit.value"},
		{"credit unit", `{"credit_limit": {"value": "1.00", "unit_id": "unit_gbp"}}`, 400, sales.CodeParameterInvalid, "credit_limit.unit_id"},
		{"first bad field wins, nothing applied", `{"name": "Applied?", "status": "gold", "default_priority": "urgent"}`, 400, sales.CodeParameterInvalid, "status"},
	}
	for _, p := range patchParams() {
		if !p.nullable {
			cases = append(cases, struct {
				name, body  string
				status      int
				code, param string
			}{"null " + p.name, `{"` + p.name + `": null}`, 400, sales.CodeParameterInvalid, p.name})
		}
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			ts.call(t, "PATCH", "/v1/sales/customers/"+id, tc.body).wantError(t, tc.status, tc.code, tc.param)
		})
	}
	t.Cleanup(func() {
		if w := ts.Writes(); w != 0 {
			t.Errorf("rejected PATCHes applied %d writes", w)
		}
		if ts.st.customers[id].Name == "Applied?" {
			t.Error("a rejected PATCH changed the customer")
		}
	})
}

func TestIdempotency(t *testing.T) {
	t.Parallel()
	path := "/v1/sales/customers/" + customerID(3)

	t.Run("replay", func(t *testing.T) {
		t.Parallel()
		ts := newTestSim(t, 12)
		first := ts.call(t, "PATCH", path, `{"note": "a", "status": "normal"}`, "Idempotency-Key", "k1")
		ts.call(t, "PATCH", "/v1/sales/customers/"+customerID(3), `{"note": "someone else"}`)
		again := ts.call(t, "PATCH", path, "{\"status\":\"normal\",\n \"note\":\"a\"}", "Idempotency-Key", "k1")
		if first.status != 200 || again.status != 200 || !bytes.Equal(first.body, again.body) {
			t.Fatalf("replay differs:\n%d %s\n%d %s", first.status, first.body, again.status, again.body)
		}
		if first.header.Get("Idempotent-Replayed") != "" || again.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("Idempotent-Replayed headers: %q, %q", first.header.Get("Idempotent-Replayed"), again.header.Get("Idempotent-Replayed"))
		}
		if ts.Writes() != 2 {
			t.Fatalf("writes = %d, want 2 (the keyed PATCH once, the other once)", ts.Writes())
		}
		if n := *ts.st.customers[customerID(3)].Note; n != "someone else" {
			t.Fatalf("replay re-applied: note %q", n)
		}
	})
	t.Run("reused key", func(t *testing.T) {
		t.Parallel()
		ts := newTestSim(t, 12)
		ts.call(t, "PATCH", path, `{"note": "a"}`, "Idempotency-Key", "k2")
		ts.call(t, "PATCH", path, `{"note": "b"}`, "Idempotency-Key", "k2").wantError(t, 409, sales.CodeIdempotencyKeyReused, "Idempotency-Key")
		ts.call(t, "PATCH", path+"?include[]=type", `{"note": "a"}`, "Idempotency-Key", "k2").wantError(t, 409, sales.CodeIdempotencyKeyReused, "Idempotency-Key")
		ts.call(t, "PATCH", "/v1/sales/customers/"+customerID(4), `{"note": "a"}`, "Idempotency-Key", "k2").wantError(t, 409, sales.CodeIdempotencyKeyReused, "Idempotency-Key")
		if ts.Writes() != 1 {
			t.Fatalf("writes = %d", ts.Writes())
		}
	})
	t.Run("failed first try is not stored", func(t *testing.T) {
		t.Parallel()
		ts := newTestSim(t, 12)
		ts.call(t, "PATCH", path, `{"status": "gold"}`, "Idempotency-Key", "k3").wantError(t, 400, sales.CodeParameterInvalid, "status")
		if r := ts.call(t, "PATCH", path, `{"status": "preferred"}`, "Idempotency-Key", "k3"); r.status != 200 {
			t.Fatalf("%d %s", r.status, r.body)
		}
	})
	t.Run("expires after 24 hours", func(t *testing.T) {
		t.Parallel()
		ts := newTestSim(t, 12)
		clock := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
		ts.st.mu.Lock()
		ts.st.now = func() time.Time { return clock }
		ts.st.mu.Unlock()
		ts.call(t, "PATCH", path, `{"note": "a"}`, "Idempotency-Key", "k4")
		ts.st.mu.Lock()
		clock = clock.Add(23 * time.Hour)
		ts.st.mu.Unlock()
		if r := ts.call(t, "PATCH", path, `{"note": "a"}`, "Idempotency-Key", "k4"); r.header.Get("Idempotent-Replayed") != "true" {
			t.Fatalf("not replayed within 24 h")
		}
		ts.st.mu.Lock()
		clock = clock.Add(2 * time.Hour)
		ts.st.mu.Unlock()
		r := ts.call(t, "PATCH", path, `{"note": "b"}`, "Idempotency-Key", "k4")
		if r.status != 200 || r.header.Get("Idempotent-Replayed") != "" || ts.Writes() != 2 {
			t.Fatalf("expired key: %d replayed=%q writes=%d", r.status, r.header.Get("Idempotent-Replayed"), ts.Writes())
		}
	})
	t.Run("reset forgets keys and restores the seed", func(t *testing.T) {
		t.Parallel()
		ts := newTestSim(t, 12)
		ts.call(t, "PATCH", path, `{"note": "a"}`, "Idempotency-Key", "k5")
		ts.Server().Reset()
		if ts.Writes() != 0 || ts.st.customers[customerID(3)].Note == nil || *ts.st.customers[customerID(3)].Note == "a" {
			t.Fatal("reset did not restore the seed")
		}
		if r := ts.call(t, "PATCH", path, `{"note": "b"}`, "Idempotency-Key", "k5"); r.status != 200 {
			t.Fatalf("key survived reset: %d %s", r.status, r.body)
		}
	})
}

func TestFaultBodies(t *testing.T) {
	t.Parallel()
	st := newStore(seed.Generate(seed.Options{Customers: 3}))
	cases := []struct {
		fault       sim.Fault
		status      int
		typ, code   string
		retryAfter  string
		description string
	}{
		{sim.Fault{Kind: sim.FaultUnavailable, Status: 503}, 503, sales.ErrorTypeAPI, sales.CodeServiceUnavailable, "", "down"},
		{sim.Fault{Kind: sim.FaultUnavailable, Status: 503, RetryAfter: 7}, 503, sales.ErrorTypeAPI, sales.CodeServiceUnavailable, "7", "down with retry"},
		{sim.Fault{Kind: sim.FaultUnavailable, Status: 500}, 500, sales.ErrorTypeAPI, "", "", "500"},
		{sim.Fault{Kind: sim.FaultRateLimited, Status: 429}, 429, sales.ErrorTypeRateLimit, sales.CodeRateLimit, "1", "rate limited"},
		{sim.Fault{Kind: sim.FaultRateLimited, Status: 429, RetryAfter: 3}, 429, sales.ErrorTypeRateLimit, sales.CodeRateLimit, "3", "rate limited 3s"},
		{sim.Fault{Kind: sim.FaultConcurrency, Status: 429}, 429, sales.ErrorTypeRateLimit, sales.CodeConcurrencyLimit, "1", "concurrency"},
		{sim.Fault{Kind: sim.FaultUnavailable, Status: 401}, 401, sales.ErrorTypeAuthentication, sales.CodeAPIKeyInvalid, "", "401"},
		{sim.Fault{Kind: sim.FaultUnavailable, Status: 404}, 404, sales.ErrorTypeInvalidRequest, sales.CodeResourceMissing, "", "404"},
		{sim.Fault{Kind: sim.FaultUnavailable, Status: 422}, 422, sales.ErrorTypeInvalidRequest, "", "", "422"},
	}
	for _, tc := range cases {
		t.Run(tc.description, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			st.WriteFault(rec, httptest.NewRequest("GET", "/v1/sales/customers", nil), tc.fault)
			r := response{rec.Code, rec.Header(), rec.Body.Bytes()}
			e := r.errorOf(t)
			if r.status != tc.status || e.Type != tc.typ || e.Code != tc.code || r.header.Get("Retry-After") != tc.retryAfter {
				t.Fatalf("got %d %s %s Retry-After %q", r.status, e.Type, e.Code, r.header.Get("Retry-After"))
			}
		})
	}

	t.Run("through the server", func(t *testing.T) {
		t.Parallel()
		ts := newTestSim(t, 12)
		if err := ts.Server().SetFaults(sim.Faults{Down: true}); err != nil {
			t.Fatal(err)
		}
		ts.call(t, "GET", "/v1/sales/customers", "").wantError(t, 503, sales.CodeServiceUnavailable, "")
		if got := ts.Server().Stats().Routes["GET /v1/sales/customers"]; got != 1 {
			t.Fatalf("route count %d", got)
		}
	})
}

func TestLatencyOption(t *testing.T) {
	t.Parallel()
	s := New(Options{Latency: 30 * time.Millisecond})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	req, _ := http.NewRequestWithContext(t.Context(), "GET", srv.URL+"/v1/sales/account_groups", nil)
	req.Header.Set("Authorization", "Bearer "+APIKey)
	start := time.Now()
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if d := time.Since(start); d < 30*time.Millisecond || resp.StatusCode != 200 {
		t.Fatalf("status %d after %v", resp.StatusCode, d)
	}
	if len(s.st.customers) != 200 {
		t.Fatalf("zero Options should seed the default data set, got %d customers", len(s.st.customers))
	}
}
