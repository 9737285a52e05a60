package sales_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"custgraph/upstream"
	"custgraph/upstream/rest"
	"custgraph/upstream/sales"
	"custgraph/upstream/sales/sandbox"
	"custgraph/upstream/seed"
	"custgraph/upstream/sim"
)

// Route patterns as the simulator counts them.
const (
	routeList  = "GET /v1/sales/customers"
	routeGet   = "GET /v1/sales/customers/{id}"
	routePatch = "PATCH /v1/sales/customers/{id}"
)

// env is a client talking to a simulator over a real socket.
type env struct {
	sim *sandbox.Simulator
	srv *httptest.Server
	c   *sales.Client
}

type envOptions struct {
	customers int
	latency   time.Duration
	// wrap, when set, puts a handler around the simulator (e.g. to clear a fault after one hit).
	wrap func(*sandbox.Simulator) http.Handler
	// transport, when set, wraps the client's transport.
	transport func(http.RoundTripper) http.RoundTripper
	apiKey    string
}

func newEnv(t *testing.T, o envOptions) *env {
	t.Helper()
	if o.customers == 0 {
		o.customers = 30
	}
	s := sandbox.New(sandbox.Options{Seed: seed.Generate(seed.Options{Customers: o.customers}), Latency: o.latency})
	var h http.Handler = s
	if o.wrap != nil {
		h = o.wrap(s)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := sandbox.ClientConfig(srv.URL)
	hc := srv.Client()
	if o.transport != nil {
		hc = &http.Client{Transport: o.transport(hc.Transport)}
		t.Cleanup(hc.CloseIdleConnections)
	}
	cfg.HTTPClient = hc
	cfg.Retry = &rest.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Second}
	if o.apiKey != "" {
		cfg.APIKey = o.apiKey
	}
	c, err := sales.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{sim: s, srv: srv, c: c}
}

func (e *env) count(route string) int64 { return e.sim.Server().Stats().Routes[route] }

// all lists every customer through the client, then resets the simulator's counters (and data).
func (e *env) all(t *testing.T) []sales.Customer {
	t.Helper()
	var out []sales.Customer
	opts := sales.ListCustomersOptions{Limit: 100}
	for {
		p, err := e.c.ListCustomers(t.Context(), opts)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, p.Customers...)
		if !p.PageInfo.HasNextPage {
			break
		}
		opts.Cursor = p.PageInfo.NextCursor
	}
	e.sim.Server().Reset()
	return out
}

// clearFaultAfterFirst lets one request meet the injected fault, then clears it.
func clearFaultAfterFirst(s *sandbox.Simulator) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		faulty := s.Server().Faults() != (sim.Faults{})
		s.ServeHTTP(w, r)
		if faulty {
			_ = s.Server().SetFaults(sim.Faults{})
		}
	})
}

func wantKind(t *testing.T, err error, kind upstream.Kind, code, field string) *upstream.Error {
	t.Helper()
	ue := upstream.As(err)
	if ue == nil || ue.Kind != kind || (code != "" && ue.Code != code) || ue.Field != field {
		t.Fatalf("error %v (%#v), want kind %v code %q field %q", err, ue, kind, code, field)
	}
	return ue
}

func TestContractGetCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	cs := e.all(t)
	parent, child := cs[0], cs[1] // C-1001 is the parent of C-1002..C-1004

	bare, err := e.c.GetCustomer(t.Context(), child.ID)
	if err != nil {
		t.Fatal(err)
	}
	if bare.Number != "C-1002" || bare.Object != sales.ObjectCustomer || bare.CreatedAt.IsZero() || bare.UpdatedAt.Before(bare.CreatedAt) {
		t.Fatalf("bare customer %+v", bare)
	}
	if bare.CreditLimit != nil || bare.ContactInfo != nil || bare.FreightPreferences != nil || bare.Defaults != nil ||
		bare.NotificationPreferences != nil || bare.BillToAddress != nil || bare.ShipToAddress != nil || bare.Type != nil ||
		bare.PriceGroups != nil || bare.ParentAccount != nil || bare.ChildAccounts != nil {
		t.Fatalf("sub-objects expanded without include: %+v", bare)
	}

	full, err := e.c.GetCustomer(t.Context(), child.ID, sales.AllIncludes()...)
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case full.CreditLimit == nil || full.CreditLimit.Value == "" || full.CreditLimit.Object != sales.ObjectQuantity:
		t.Fatalf("credit limit %+v", full.CreditLimit)
	case full.ContactInfo == nil || full.ContactInfo.Object != sales.ObjectContactInfo:
		t.Fatalf("contact info %+v", full.ContactInfo)
	case full.FreightPreferences == nil || full.FreightPreferences.Carrier == nil || full.FreightPreferences.Carrier.Code == nil ||
		*full.FreightPreferences.Carrier.Code != sales.CarrierUPS || full.FreightPreferences.ServiceLevel == nil:
		t.Fatalf("freight preferences %+v", full.FreightPreferences)
	case full.Defaults == nil || full.Defaults.PaymentTerm == nil || full.Defaults.ShippingTerm == nil ||
		full.Defaults.Priority == nil || full.Defaults.SalesRep == nil || full.Defaults.SalesRep.Name == nil:
		t.Fatalf("defaults %+v", full.Defaults)
	case full.NotificationPreferences == nil:
		t.Fatal("notification preferences missing")
	case full.BillToAddress == nil || full.ShipToAddress == nil || full.BillToAddress.ID == full.ShipToAddress.ID:
		t.Fatalf("addresses %+v %+v", full.BillToAddress, full.ShipToAddress)
	case full.Type == nil || full.Type.Type != sales.GroupTypeType:
		t.Fatalf("type %+v", full.Type)
	case full.PriceGroups == nil || len(full.PriceGroups.Data) == 0 || full.PriceGroups.Data[0].Type != sales.GroupTypePricing:
		t.Fatalf("price groups %+v", full.PriceGroups)
	case full.ParentAccount == nil || full.ParentAccount.ID != parent.ID || full.ParentAccount.Type != nil:
		t.Fatalf("parent account %+v", full.ParentAccount)
	case full.ChildAccounts != nil || full.IsParentAccount:
		t.Fatalf("a child has child accounts %+v", full.ChildAccounts)
	}
	if string(full.CreditLimit.Unit) != "null" || string(full.BillToAddress.Geolocation) != "null" {
		t.Fatalf("always-null fields: unit %s geolocation %s", full.CreditLimit.Unit, full.BillToAddress.Geolocation)
	}

	p, err := e.c.GetCustomer(t.Context(), parent.ID, sales.IncludeChildAccounts)
	if err != nil {
		t.Fatal(err)
	}
	if !p.IsParentAccount || p.ChildAccounts == nil || len(p.ChildAccounts.Data) != 3 || p.ChildAccounts.Data[0].ID != child.ID {
		t.Fatalf("parent %+v children %+v", p, p.ChildAccounts)
	}

	_, err = e.c.GetCustomer(t.Context(), "cus_missing")
	wantKind(t, err, upstream.KindNotFound, sales.CodeResourceMissing, "id")
	if !upstream.IsNotFound(err) {
		t.Fatal("IsNotFound")
	}
	_, err = e.c.GetCustomer(t.Context(), child.ID, "owner")
	wantKind(t, err, upstream.KindValidation, sales.CodeParameterInvalid, "include")
}

func TestContractListCustomers(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := t.Context()

	var forward []string
	var last *sales.CustomerPage
	opts := sales.ListCustomersOptions{Limit: 7}
	for {
		p, err := e.c.ListCustomers(ctx, opts)
		if err != nil {
			t.Fatal(err)
		}
		for _, c := range p.Customers {
			forward = append(forward, c.Number)
		}
		last = p
		if !p.PageInfo.HasNextPage {
			break
		}
		opts.Cursor = p.PageInfo.NextCursor
	}
	if len(forward) != 30 || !slices.IsSorted(forward) || last.PageInfo.NextCursor != "" || !last.PageInfo.HasPrevPage {
		t.Fatalf("forward walk %v, last page info %+v", forward, last.PageInfo)
	}
	prev, err := e.c.ListCustomers(ctx, sales.ListCustomersOptions{Limit: 7, Cursor: last.PageInfo.PrevCursor})
	if err != nil {
		t.Fatal(err)
	}
	if len(prev.Customers) != 7 || prev.Customers[6].Number != forward[len(forward)-len(last.Customers)-1] {
		t.Fatalf("previous page %v", prev.Customers)
	}

	def, err := e.c.ListCustomers(ctx, sales.ListCustomersOptions{})
	if err != nil || len(def.Customers) != 30 || def.PageInfo.HasNextPage {
		t.Fatalf("default page: %d customers, %v", len(def.Customers), err)
	}

	cases := []struct {
		name string
		opts sales.ListCustomersOptions
		want []string
	}{
		{"by status", sales.ListCustomersOptions{Status: sales.StatusHoldShipment, Limit: 3}, []string{"C-1004", "C-1008", "C-1012"}},
		{"by name, any case", sales.ListCustomersOptions{Q: "aCmE"}, []string{"C-1001", "C-1021"}},
		{"query text stays text", sales.ListCustomersOptions{Q: "acme&status=preferred"}, nil},
		{"by numbers", sales.ListCustomersOptions{Numbers: []string{"C-1030", "C-1002", "nope"}}, []string{"C-1002", "C-1030"}},
		{"by parent", sales.ListCustomersOptions{ParentAccountID: def.Customers[10].ID}, []string{"C-1012", "C-1013", "C-1014"}},
	}
	for _, tc := range cases {
		p, err := e.c.ListCustomers(ctx, tc.opts)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		var got []string
		for _, c := range p.Customers {
			got = append(got, c.Number)
		}
		if !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}

	kids, err := e.c.ChildAccounts(ctx, def.Customers[20].ID, sales.ListCustomersOptions{Include: []string{sales.IncludeParentAccount}})
	if err != nil || len(kids.Customers) != 3 || kids.Customers[0].ParentAccount == nil || kids.Customers[0].ParentAccount.Number != "C-1021" {
		t.Fatalf("child accounts: %+v, %v", kids, err)
	}

	_, err = e.c.ListCustomers(ctx, sales.ListCustomersOptions{Status: "gold"})
	wantKind(t, err, upstream.KindValidation, sales.CodeParameterInvalid, "status")
	_, err = e.c.ListCustomers(ctx, sales.ListCustomersOptions{Cursor: "not-a-cursor"})
	wantKind(t, err, upstream.KindValidation, sales.CodeParameterInvalid, "cursor")
}

func TestContractBatches(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{customers: 300})
	ctx := t.Context()
	cs := e.all(t)
	ids, numbers := make([]string, len(cs)), make([]string, len(cs))
	for i, c := range cs {
		ids[i], numbers[i] = c.ID, c.Number
	}

	cases := []struct {
		name     string
		keys     []string
		byNumber bool
		requests int64
	}{
		{"100 ids in one request", ids[:100], false, 1},
		{"250 ids in three requests", ids[:250], false, 3},
		{"100 numbers in one request", numbers[100:200], true, 1},
		{"250 numbers in three requests", numbers[50:300], true, 3},
	}
	for _, tc := range cases {
		e.sim.Server().Reset()
		var got map[string]sales.Customer
		var err error
		if tc.byNumber {
			got, err = e.c.CustomersByNumber(ctx, tc.keys)
		} else {
			got, err = e.c.CustomersByID(ctx, tc.keys)
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		if st := e.sim.Server().Stats(); st.Requests != tc.requests || st.Routes[routeList] != tc.requests {
			t.Errorf("%s: %d requests (%v), want %d", tc.name, st.Requests, st.Routes, tc.requests)
		}
		if len(got) != len(tc.keys) {
			t.Errorf("%s: %d results for %d keys", tc.name, len(got), len(tc.keys))
		}
		for _, k := range tc.keys {
			c, ok := got[k]
			if !ok || (tc.byNumber && c.Number != k) || (!tc.byNumber && c.ID != k) {
				t.Fatalf("%s: key %s maps to %+v", tc.name, k, c)
			}
		}
	}

	e.sim.Server().Reset()
	got, err := e.c.CustomersByID(ctx, []string{ids[5], "cus_missing", ids[5], "", ids[7]}, sales.IncludeType)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[ids[5]].Type == nil || got[ids[7]].Type == nil || e.sim.Server().Stats().Requests != 1 {
		t.Fatalf("dedup/absent/include: %d results, %d requests", len(got), e.sim.Server().Stats().Requests)
	}

	// Addresses and account groups.
	full, err := e.c.CustomersByID(ctx, ids[:75], sales.IncludeBillToAddress, sales.IncludeShipToAddress, sales.IncludePriceGroups, sales.IncludeType)
	if err != nil {
		t.Fatal(err)
	}
	var addrIDs []string
	groupIDs := map[string]string{}
	for _, c := range full {
		addrIDs = append(addrIDs, c.BillToAddress.ID, c.ShipToAddress.ID)
		groupIDs[c.Type.ID] = c.Type.Type
		for _, g := range c.PriceGroups.Data {
			groupIDs[g.ID] = g.Type
		}
	}
	e.sim.Server().Reset()
	addrs, err := e.c.AddressesByID(ctx, append(addrIDs, "addr_missing"))
	if err != nil || len(addrs) != 150 || e.sim.Server().Stats().Routes["GET /v1/sales/addresses"] != 2 {
		t.Fatalf("addresses: %d, %v, %v", len(addrs), err, e.sim.Server().Stats())
	}
	a, err := e.c.GetAddress(ctx, addrIDs[0])
	if err != nil || a.ID != addrIDs[0] || a.Object != sales.ObjectAddress || a.Name != addrs[addrIDs[0]].Name {
		t.Fatalf("address %+v, %v", a, err)
	}
	_, err = e.c.GetAddress(ctx, "addr_missing")
	wantKind(t, err, upstream.KindNotFound, sales.CodeResourceMissing, "id")

	var allGroups []string
	for id := range groupIDs {
		allGroups = append(allGroups, id)
	}
	if len(allGroups) != 12 {
		t.Fatalf("%d groups in use, want 12", len(allGroups))
	}
	for _, tc := range []struct {
		typ  string
		want int
	}{{"", 12}, {sales.GroupTypePricing, 8}, {sales.GroupTypeType, 4}} {
		gs, err := e.c.AccountGroupsByID(ctx, allGroups, tc.typ)
		if err != nil || len(gs) != tc.want {
			t.Fatalf("groups of type %q: %d, %v", tc.typ, len(gs), err)
		}
		for id, g := range gs {
			if g.ID != id || (tc.typ != "" && g.Type != tc.typ) || groupIDs[id] != g.Type {
				t.Fatalf("group %s: %+v", id, g)
			}
		}
	}
	g, err := e.c.GetAccountGroup(ctx, allGroups[0])
	if err != nil || g.ID != allGroups[0] || g.Object != sales.ObjectAccountGroup {
		t.Fatalf("group %+v, %v", g, err)
	}
	_, err = e.c.GetAccountGroup(ctx, "ag_missing")
	wantKind(t, err, upstream.KindNotFound, sales.CodeResourceMissing, "id")
	_, err = e.c.AccountGroupsByID(ctx, allGroups, "vip")
	wantKind(t, err, upstream.KindValidation, sales.CodeParameterInvalid, "type")
}

func TestContractUpdateCustomer(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envOptions{})
	ctx := t.Context()
	cs := e.all(t)
	id := cs[4].ID
	inc := sales.AllIncludes()
	before, err := e.c.GetCustomer(ctx, id, inc...)
	if err != nil {
		t.Fatal(err)
	}
	groups, err := e.c.AccountGroupsByID(ctx, []string{before.PriceGroups.Data[0].ID}, sales.GroupTypePricing)
	if err != nil || len(groups) != 1 {
		t.Fatal(err)
	}
	// A pricing group the customer does not have yet.
	other, err := e.c.GetCustomer(ctx, cs[5].ID, sales.IncludePriceGroups)
	if err != nil {
		t.Fatal(err)
	}
	newGroup := other.PriceGroups.Data[len(other.PriceGroups.Data)-1].ID

	after, err := e.c.UpdateCustomer(ctx, id, sales.CustomerPatch{
		Name:                  sales.Set("Renamed Industrial"),
		Note:                  sales.Null[string](),
		Email:                 sales.Set("orders@renamed.example.com"),
		IsEDIEnabled:          sales.Set(!before.IsEDIEnabled),
		Status:                sales.Set(sales.StatusPreferred),
		DefaultPriority:       sales.Set(sales.PriorityHigh),
		ShipToAddressID:       sales.Null[string](),
		CustomerPriceGroupIDs: sales.Set([]string{newGroup}),
		CreditLimit:           sales.Set(sales.CreditLimitInput{Value: "12500.75", UnitID: "unit_usd"}),
	}, sales.UpdateOptions{Include: inc})
	if err != nil {
		t.Fatal(err)
	}
	switch {
	case after.Name != "Renamed Industrial" || after.Note != nil || after.IsEDIEnabled == before.IsEDIEnabled ||
		after.Status != sales.StatusPreferred:
		t.Fatalf("scalar fields: %+v", after)
	case *after.ContactInfo.Email != "orders@renamed.example.com" || !equalPtr(after.ContactInfo.Phone, before.ContactInfo.Phone):
		t.Fatalf("contact info %+v", after.ContactInfo)
	case after.Defaults.Priority.Code != sales.PriorityHigh || after.Defaults.PaymentTerm.ID != before.Defaults.PaymentTerm.ID:
		t.Fatalf("defaults %+v", after.Defaults)
	case after.ShipToAddress != nil || after.BillToAddress == nil || after.BillToAddress.ID != before.BillToAddress.ID:
		t.Fatalf("addresses %+v %+v", after.BillToAddress, after.ShipToAddress)
	case len(after.PriceGroups.Data) != 1 || after.PriceGroups.Data[0].ID != newGroup:
		t.Fatalf("price groups %+v", after.PriceGroups.Data)
	case after.CreditLimit.Value != "12500.75" || after.CreditLimit.DisplayValue != "$12,500.75":
		t.Fatalf("credit limit %+v", after.CreditLimit)
	case !after.UpdatedAt.After(before.UpdatedAt) || !after.CreatedAt.Equal(before.CreatedAt) || after.Number != before.Number:
		t.Fatalf("timestamps/number %v %v %v", after.UpdatedAt, before.UpdatedAt, after.Number)
	}
	again, err := e.c.GetCustomer(ctx, id, inc...)
	if err != nil || !again.UpdatedAt.Equal(after.UpdatedAt) || again.Name != after.Name {
		t.Fatalf("GET after PATCH %+v, %v", again, err)
	}

	_, err = e.c.UpdateCustomer(ctx, "cus_missing", sales.CustomerPatch{Name: sales.Set("x")}, sales.UpdateOptions{})
	wantKind(t, err, upstream.KindNotFound, sales.CodeResourceMissing, "id")
	_, err = e.c.UpdateCustomer(ctx, id, sales.CustomerPatch{DefaultCarrierID: sales.Set("car_missing")}, sales.UpdateOptions{})
	wantKind(t, err, upstream.KindValidation, sales.CodeParameterInvalid, "default_carrier_id")
	_, err = e.c.UpdateCustomer(ctx, id, sales.CustomerPatch{Status: sales.Set("gold")}, sales.UpdateOptions{})
	wantKind(t, err, upstream.KindValidation, sales.CodeParameterInvalid, "status")
	_, err = e.c.UpdateCustomer(ctx, id, sales.CustomerPatch{Number: sales.Set(cs[0].Number)}, sales.UpdateOptions{})
	wantKind(t, err, upstream.KindDuplicate, sales.CodeResourceAlreadyExists, "number")
	_, err = e.c.UpdateCustomer(ctx, id, sales.CustomerPatch{CreditLimit: sales.Set(sales.CreditLimitInput{Value: "1", UnitID: "unit_xyz"})}, sales.UpdateOptions{})
	wantKind(t, err, upstream.KindValidation, sales.CodeParameterInvalid, "credit_limit.unit_id")
	if w := e.sim.Writes(); w != 1 {
		t.Fatalf("writes = %d, want 1", w)
	}
}

func equalPtr(a, b *string) bool { return (a == nil) == (b == nil) && (a == nil || *a == *b) }

// dropFirstPATCH lets the first PATCH reach the server and be applied, then loses its answer,
// as a connection reset after the write would. It records the Idempotent-Replayed header of
// every PATCH answer.
type dropFirstPATCH struct {
	base     http.RoundTripper
	mu       sync.Mutex
	dropped  bool
	replayed []string
}

func (d *dropFirstPATCH) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := d.base.RoundTrip(r)
	if err != nil || r.Method != http.MethodPatch {
		return resp, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.replayed = append(d.replayed, resp.Header.Get("Idempotent-Replayed"))
	if !d.dropped {
		d.dropped = true
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		return nil, errors.New("connection reset by peer")
	}
	return resp, nil
}

func TestContractIdempotentRetry(t *testing.T) {
	t.Parallel()

	t.Run("keyed PATCH is retried and applied once", func(t *testing.T) {
		t.Parallel()
		var drop *dropFirstPATCH
		e := newEnv(t, envOptions{transport: func(rt http.RoundTripper) http.RoundTripper {
			drop = &dropFirstPATCH{base: rt}
			return drop
		}})
		id := e.all(t)[2].ID
		got, err := e.c.UpdateCustomer(t.Context(), id, sales.CustomerPatch{Note: sales.Set("retried")},
			sales.UpdateOptions{IdempotencyKey: "op-42"})
		if err != nil {
			t.Fatal(err)
		}
		if e.count(routePatch) != 2 || e.sim.Writes() != 1 {
			t.Fatalf("%d PATCH requests, %d writes; want 2 and 1", e.count(routePatch), e.sim.Writes())
		}
		if !slices.Equal(drop.replayed, []string{"", "true"}) {
			t.Fatalf("Idempotent-Replayed headers %q", drop.replayed)
		}
		now, err := e.c.GetCustomer(t.Context(), id)
		if err != nil || !now.UpdatedAt.Equal(got.UpdatedAt) || *now.Note != "retried" {
			t.Fatalf("after replay: %+v vs returned updated_at %v (%v)", now, got.UpdatedAt, err)
		}

		// The same key with another body is refused, not applied.
		_, err = e.c.UpdateCustomer(t.Context(), id, sales.CustomerPatch{Note: sales.Set("other")},
			sales.UpdateOptions{IdempotencyKey: "op-42"})
		wantKind(t, err, upstream.KindConflict, sales.CodeIdempotencyKeyReused, "Idempotency-Key")
		if e.sim.Writes() != 1 {
			t.Fatalf("writes = %d after a reused key", e.sim.Writes())
		}
	})

	t.Run("PATCH without key is not retried after a lost answer", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{transport: func(rt http.RoundTripper) http.RoundTripper { return &dropFirstPATCH{base: rt} }})
		id := e.all(t)[2].ID
		_, err := e.c.UpdateCustomer(t.Context(), id, sales.CustomerPatch{Note: sales.Set("once")}, sales.UpdateOptions{})
		wantKind(t, err, upstream.KindUnavailable, "", "")
		if e.count(routePatch) != 1 || e.sim.Writes() != 1 {
			t.Fatalf("%d PATCH requests, %d writes; want 1 and 1", e.count(routePatch), e.sim.Writes())
		}
	})
}

func TestContractRetries(t *testing.T) {
	t.Parallel()
	down := sim.Faults{Down: true}

	t.Run("PATCH without key is not retried on 503", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{})
		id := e.all(t)[0].ID
		_ = e.sim.Server().SetFaults(down)
		_, err := e.c.UpdateCustomer(t.Context(), id, sales.CustomerPatch{Note: sales.Set("x")}, sales.UpdateOptions{})
		wantKind(t, err, upstream.KindUnavailable, sales.CodeServiceUnavailable, "")
		if e.count(routePatch) != 1 {
			t.Fatalf("%d PATCH requests, want 1", e.count(routePatch))
		}
	})
	t.Run("PATCH with key is retried on 503", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{})
		id := e.all(t)[0].ID
		_ = e.sim.Server().SetFaults(down)
		_, err := e.c.UpdateCustomer(t.Context(), id, sales.CustomerPatch{Note: sales.Set("x")}, sales.UpdateOptions{IdempotencyKey: "k"})
		wantKind(t, err, upstream.KindUnavailable, sales.CodeServiceUnavailable, "")
		if e.count(routePatch) != 3 || e.sim.Writes() != 0 {
			t.Fatalf("%d PATCH requests, %d writes; want 3 and 0", e.count(routePatch), e.sim.Writes())
		}
	})
	t.Run("keyed PATCH succeeds after one 503", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{wrap: clearFaultAfterFirst})
		id := e.all(t)[0].ID
		_ = e.sim.Server().SetFaults(down)
		if _, err := e.c.UpdateCustomer(t.Context(), id, sales.CustomerPatch{Note: sales.Set("x")}, sales.UpdateOptions{IdempotencyKey: "k"}); err != nil {
			t.Fatal(err)
		}
		if e.count(routePatch) != 2 || e.sim.Writes() != 1 {
			t.Fatalf("%d PATCH requests, %d writes", e.count(routePatch), e.sim.Writes())
		}
	})
	t.Run("reads are retried on 503", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{wrap: clearFaultAfterFirst})
		id := e.all(t)[0].ID
		_ = e.sim.Server().SetFaults(down)
		if _, err := e.c.GetCustomer(t.Context(), id); err != nil {
			t.Fatal(err)
		}
		if e.count(routeGet) != 2 {
			t.Fatalf("%d GET requests, want 2", e.count(routeGet))
		}
	})
	t.Run("reads give up after the retry budget", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{})
		_ = e.sim.Server().SetFaults(down)
		_, err := e.c.ListCustomers(t.Context(), sales.ListCustomersOptions{})
		wantKind(t, err, upstream.KindUnavailable, sales.CodeServiceUnavailable, "")
		if e.count(routeList) != 3 {
			t.Fatalf("%d list requests, want 3", e.count(routeList))
		}
	})
	t.Run("429 Retry-After is honoured", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{wrap: clearFaultAfterFirst})
		_ = e.sim.Server().SetFaults(sim.Faults{ErrorRate: 1, ErrorStatus: 429, RetryAfterS: 1})
		start := time.Now()
		if _, err := e.c.ListCustomers(t.Context(), sales.ListCustomersOptions{Limit: 1}); err != nil {
			t.Fatal(err)
		}
		if d := time.Since(start); d < time.Second {
			t.Fatalf("retried after %v, before Retry-After (1s)", d)
		}
		if e.count(routeList) != 2 {
			t.Fatalf("%d list requests, want 2", e.count(routeList))
		}
	})
	t.Run("429 beyond the budget is returned with RetryAfter", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{})
		_ = e.sim.Server().SetFaults(sim.Faults{ErrorRate: 1, ErrorStatus: 429, RetryAfterS: 30})
		_, err := e.c.ListCustomers(t.Context(), sales.ListCustomersOptions{})
		ue := wantKind(t, err, upstream.KindRateLimited, sales.CodeRateLimit, "")
		if ue.RetryAfter != 30*time.Second || e.count(routeList) != 1 {
			t.Fatalf("RetryAfter %v after %d requests", ue.RetryAfter, e.count(routeList))
		}
		if !upstream.Transient(err) {
			t.Fatal("a rate limit must be transient")
		}
	})
	t.Run("concurrency limit is a rate limit", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{latency: 200 * time.Millisecond})
		_ = e.sim.Server().SetFaults(sim.Faults{MaxConcurrent: 1, RetryAfterS: 30})
		var wg sync.WaitGroup
		errs := make([]error, 2)
		for i := range errs {
			wg.Go(func() {
				if i == 1 {
					time.Sleep(50 * time.Millisecond) // let the first request take the only slot
				}
				_, errs[i] = e.c.ListCustomers(t.Context(), sales.ListCustomersOptions{Limit: 1})
			})
		}
		wg.Wait()
		if errs[0] != nil {
			t.Fatal(errs[0])
		}
		wantKind(t, errs[1], upstream.KindRateLimited, sales.CodeConcurrencyLimit, "")
	})
}

func TestContractAuthAndContext(t *testing.T) {
	t.Parallel()

	t.Run("wrong key", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{apiKey: "sk_not_the_sandbox_key"})
		_, err := e.c.ListCustomers(t.Context(), sales.ListCustomersOptions{})
		wantKind(t, err, upstream.KindUnauthorized, sales.CodeAPIKeyInvalid, "")
		if strings.Contains(err.Error(), "sk_not_the_sandbox_key") {
			t.Fatal("error leaks the key")
		}
	})
	t.Run("cancelled context", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{})
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		_, err := e.c.CustomersByID(ctx, []string{"a", "b"})
		if !errors.Is(err, context.Canceled) || upstream.As(err) != nil {
			t.Fatalf("got %v, want context.Canceled", err)
		}
	})
	t.Run("deadline during a slow call", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{latency: 2 * time.Second})
		ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
		defer cancel()
		start := time.Now()
		_, err := e.c.GetCustomer(ctx, "cus_x")
		if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) > time.Second {
			t.Fatalf("got %v after %v, want context.DeadlineExceeded quickly", err, time.Since(start))
		}
	})
	t.Run("batch error cancels the rest", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, envOptions{})
		_ = e.sim.Server().SetFaults(sim.Faults{Down: true})
		ids := make([]string, 450)
		for i := range ids {
			ids[i] = "cus_" + strings.Repeat("x", i%7) + string(rune('a'+i%26)) + strings.Repeat("y", i/26)
		}
		_, err := e.c.CustomersByID(t.Context(), ids)
		wantKind(t, err, upstream.KindUnavailable, sales.CodeServiceUnavailable, "")
	})
}
