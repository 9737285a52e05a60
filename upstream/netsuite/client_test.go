package netsuite_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.uber.org/goleak"

	"custgraph/upstream"
	"custgraph/upstream/netsuite"
	"custgraph/upstream/netsuite/sandbox"
	"custgraph/upstream/rest"
	"custgraph/upstream/seed"
	"custgraph/upstream/sim"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// Route patterns as the simulator's stats count them.
const (
	routeToken       = "POST /services/rest/auth/oauth2/v1/token"
	routeList        = "GET /services/rest/record/v1/customerCategory"
	routeGet         = "GET /services/rest/record/v1/customerCategory/{id}"
	routeCreate      = "POST /services/rest/record/v1/customerCategory"
	routeUpdate      = "PATCH /services/rest/record/v1/customerCategory/{id}"
	routeDelete      = "DELETE /services/rest/record/v1/customerCategory/{id}"
	routeSuiteQL     = "POST /services/rest/query/v1/suiteql"
	routeCustomerPut = "PATCH /services/rest/record/v1/customer/{id}"
)

type env struct {
	client *netsuite.Client
	sb     *sandbox.Simulator
	srv    *httptest.Server
	data   seed.Dataset
}

type setupOpts struct {
	seed    seed.Options
	retry   *rest.RetryPolicy
	wrap    func(*sandbox.Simulator, http.Handler) http.Handler
	prefix  string
	mutate  func(*netsuite.Config)
	latency time.Duration
}

// setup runs a fresh simulator over a real socket and a client configured for it. Retries are
// quick so fault tests stay fast.
func setup(t *testing.T, o setupOpts) *env {
	t.Helper()
	if o.seed == (seed.Options{}) {
		o.seed = seed.Options{Customers: 30, Categories: 10, Groups: 5}
	}
	data := seed.Generate(o.seed)
	sb := sandbox.New(sandbox.Options{Seed: data, Latency: o.latency})
	var h http.Handler = sb
	if o.prefix != "" {
		h = sim.Mount(o.prefix, sb)
	}
	if o.wrap != nil {
		h = o.wrap(sb, h)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	cfg := sandbox.ClientConfig(srv.URL + o.prefix)
	cfg.HTTPClient = srv.Client()
	cfg.Retry = o.retry
	if cfg.Retry == nil {
		cfg.Retry = &rest.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 50 * time.Millisecond}
	}
	if o.mutate != nil {
		o.mutate(&cfg)
	}
	c, err := netsuite.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return &env{client: c, sb: sb, srv: srv, data: data}
}

func (e *env) count(route string) int64 { return e.sb.Server().Stats().Routes[route] }

func (e *env) setFaults(t *testing.T, f sim.Faults) {
	t.Helper()
	if err := e.sb.Server().SetFaults(f); err != nil {
		t.Fatal(err)
	}
}

// warm fetches the token so fault tests only fault the call under test.
func (e *env) warm(t *testing.T) {
	t.Helper()
	if _, err := e.client.GetCategory(t.Context(), "1"); err != nil {
		t.Fatal(err)
	}
}

func ptr[T any](v T) *T { return &v }

// wantKind asserts err is an *upstream.Error of kind (and code, when given).
func wantKind(t *testing.T, err error, kind upstream.Kind, code string) *upstream.Error {
	t.Helper()
	ue := upstream.As(err)
	if ue == nil {
		t.Fatalf("error = %v (%T), want *upstream.Error of kind %s", err, err, kind)
	}
	if ue.Kind != kind || (code != "" && ue.Code != code) {
		t.Fatalf("error = %v: kind %s code %q, want kind %s code %q", err, ue.Kind, ue.Code, kind, code)
	}
	if ue.Upstream != "netsuite" {
		t.Errorf("Upstream = %q, want netsuite", ue.Upstream)
	}
	return ue
}

func TestListCategories(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	all := make([]string, 10)
	for i := range all {
		all[i] = strconv.Itoa(i + 1)
	}
	tests := []struct {
		name      string
		opts      netsuite.ListOptions
		want      []string
		hasMore   bool
		total     int
		wantField string // a validation error on this field, no request
	}{
		{name: "all", want: all, total: 10},
		{name: "inactive", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{IsInactive: ptr(true)}}, want: []string{"9", "10"}, total: 2},
		{name: "name ignores case", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{Name: ptr("enterprise")}}, want: []string{"1"}, total: 1},
		{name: "starts with", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{NameStartsWith: ptr("Mid")}}, want: []string{"2"}, total: 1},
		{name: "contains and active", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{NameContains: ptr("e"), IsInactive: ptr(false)}},
			want: []string{"1", "2", "3", "5", "6", "7", "8"}, total: 7}, // "Startup" has no e
		{name: "ids", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{IDs: []string{"3", "1", "999"}}}, want: []string{"1", "3"}, total: 2},
		{name: "text that looks like q stays text", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{
			NameContains: ptr(`" OR isInactive IS false OR name IS "`)}}, want: []string{}, total: 0},
		{name: "page", opts: netsuite.ListOptions{Limit: 3, Offset: 3}, want: []string{"4", "5", "6"}, hasMore: true, total: 10},
		{name: "last page", opts: netsuite.ListOptions{Limit: 3, Offset: 9}, want: []string{"10"}, total: 10},
		{name: "limit too big", opts: netsuite.ListOptions{Limit: 1001}, wantField: "limit"},
		{name: "offset not a multiple of limit", opts: netsuite.ListOptions{Limit: 3, Offset: 2}, want: []string{"3", "4", "5"}, hasMore: true, total: 10},
		{name: "window across two pages", opts: netsuite.ListOptions{Limit: 1000, Offset: 7}, want: []string{"8", "9", "10"}, total: 10},
		{name: "window past the end", opts: netsuite.ListOptions{Limit: 4, Offset: 13}, want: []string{}, total: 10},
		{name: "negative offset", opts: netsuite.ListOptions{Offset: -1}, wantField: "offset"},
		{name: "bad id", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{IDs: []string{"1) OR (1"}}}, wantField: "q"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			page, err := e.client.ListCategories(t.Context(), tt.opts)
			if tt.wantField != "" {
				ue := wantKind(t, err, upstream.KindValidation, "invalid_argument")
				if ue.Field != tt.wantField || ue.Status != 0 {
					t.Errorf("Field %q Status %d, want %q and no request", ue.Field, ue.Status, tt.wantField)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(page.IDs, tt.want) || page.HasMore != tt.hasMore || page.TotalResults != tt.total ||
				page.Count != len(tt.want) || page.Offset != tt.opts.Offset {
				t.Errorf("page = %+v, want ids %v hasMore %t total %d", page, tt.want, tt.hasMore, tt.total)
			}
		})
	}
}

func TestGetCategory(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	got, err := e.client.GetCategory(t.Context(), "9")
	if err != nil {
		t.Fatal(err)
	}
	if *got != (netsuite.Category{ID: "9", Name: e.data.Categories[8].Name, IsInactive: true}) {
		t.Errorf("GetCategory(9) = %+v", got)
	}
	_, err = e.client.GetCategory(t.Context(), "999")
	ue := wantKind(t, err, upstream.KindNotFound, "NONEXISTENT_ID")
	if ue.Status != http.StatusNotFound || ue.Method != http.MethodGet || ue.Path != "/services/rest/record/v1/customerCategory/999" {
		t.Errorf("error = %+v", ue)
	}
	if !upstream.IsNotFound(err) {
		t.Error("IsNotFound is false")
	}
	before := e.count(routeGet)
	_, err = e.client.GetCategory(t.Context(), "../customer/5001")
	wantKind(t, err, upstream.KindNotFound, "")
	if e.count(routeGet) != before {
		t.Error("an id that is not an internal id reached the upstream")
	}
}

func TestCreateCategory(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	got, err := e.client.CreateCategory(t.Context(), netsuite.CategoryInput{Name: "Wholesale", IsInactive: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if *got != (netsuite.Category{ID: "11", Name: "Wholesale", IsInactive: true}) {
		t.Errorf("created %+v", got)
	}
	if e.count(routeCreate) != 1 || e.count(routeGet) != 1 {
		t.Errorf("want one POST then one GET (204 + Location), stats %v", e.sb.Server().Stats().Routes)
	}
	again, err := e.client.GetCategory(t.Context(), got.ID)
	if err != nil || *again != *got {
		t.Errorf("read back %+v, %v", again, err)
	}

	tests := []struct {
		name  string
		in    netsuite.CategoryInput
		kind  upstream.Kind
		field string
	}{
		{"duplicate ignoring case", netsuite.CategoryInput{Name: " ENTERPRISE "}, upstream.KindDuplicate, "name"},
		{"empty name", netsuite.CategoryInput{Name: "  "}, upstream.KindValidation, "name"},
		{"invalid UTF-8", netsuite.CategoryInput{Name: "\xff"}, upstream.KindValidation, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := e.client.CreateCategory(t.Context(), tt.in)
			ue := wantKind(t, err, tt.kind, "")
			if ue.Field != tt.field {
				t.Errorf("Field = %q, want %q", ue.Field, tt.field)
			}
		})
	}
	if n := e.count(routeCreate); n != 2 {
		t.Errorf("creates sent = %d, want 2 (invalid input is rejected locally)", n)
	}
}

func TestUpdateCategory(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	got, err := e.client.UpdateCategory(t.Context(), "2", netsuite.CategoryPatch{Name: ptr("Mid Market"), IsInactive: ptr(true)})
	if err != nil {
		t.Fatal(err)
	}
	if *got != (netsuite.Category{ID: "2", Name: "Mid Market", IsInactive: true}) {
		t.Errorf("updated %+v", got)
	}
	got, err = e.client.UpdateCategory(t.Context(), "2", netsuite.CategoryPatch{IsInactive: ptr(false)})
	if err != nil || *got != (netsuite.Category{ID: "2", Name: "Mid Market"}) {
		t.Errorf("second update %+v, %v", got, err)
	}
	patches := e.count(routeUpdate)
	if _, err := e.client.UpdateCategory(t.Context(), "2", netsuite.CategoryPatch{}); err != nil {
		t.Fatal(err)
	}
	if e.count(routeUpdate) != patches {
		t.Error("an empty patch was sent")
	}
	// Renaming a category to its own name is not a duplicate.
	if _, err := e.client.UpdateCategory(t.Context(), "2", netsuite.CategoryPatch{Name: ptr("mid market")}); err != nil {
		t.Errorf("rename to own name: %v", err)
	}

	_, err = e.client.UpdateCategory(t.Context(), "2", netsuite.CategoryPatch{Name: ptr("Enterprise")})
	wantKind(t, err, upstream.KindDuplicate, "")
	_, err = e.client.UpdateCategory(t.Context(), "999", netsuite.CategoryPatch{Name: ptr("x")})
	wantKind(t, err, upstream.KindNotFound, "NONEXISTENT_ID")
	_, err = e.client.UpdateCategory(t.Context(), "2", netsuite.CategoryPatch{Name: ptr("")})
	wantKind(t, err, upstream.KindValidation, "invalid_argument")
}

func TestDeleteCategory(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	// The seed leaves the last two categories unassigned.
	if err := e.client.DeleteCategory(t.Context(), "10"); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.GetCategory(t.Context(), "10")
	wantKind(t, err, upstream.KindNotFound, "")

	used := e.data.Categories[e.data.Customers[0].Category].ID
	err = e.client.DeleteCategory(t.Context(), used)
	ue := wantKind(t, err, upstream.KindConflict, "")
	if ue.Status != http.StatusBadRequest || !strings.Contains(ue.Message, "still assigned to customers") {
		t.Errorf("in-use error = %+v, want a 400 with a clear message", ue)
	}
	if _, err := e.client.GetCategory(t.Context(), used); err != nil {
		t.Errorf("the in-use category is gone: %v", err)
	}
	err = e.client.DeleteCategory(t.Context(), "10")
	wantKind(t, err, upstream.KindNotFound, "NONEXISTENT_ID")
}

func TestCategoriesByID(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	got, err := e.client.CategoriesByID(t.Context(), []string{"1", "9", "1", "999", "abc", "", "07"})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]netsuite.Category{
		"1": {ID: "1", Name: "Enterprise"},
		"9": {ID: "9", Name: e.data.Categories[8].Name, IsInactive: true},
	}
	if len(got) != len(want) || got["1"] != want["1"] || got["9"] != want["9"] {
		t.Errorf("CategoriesByID = %v, want %v", got, want)
	}
	if n := e.count(routeSuiteQL); n != 1 {
		t.Errorf("SuiteQL requests = %d, want 1", n)
	}
	empty, err := e.client.CategoriesByID(t.Context(), []string{"x"})
	if err != nil || len(empty) != 0 || e.count(routeSuiteQL) != 1 {
		t.Errorf("no valid ids: %v, %v, want an empty map and no request", empty, err)
	}
}

func TestSearchCategories(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	if _, err := e.client.CreateCategory(t.Context(), netsuite.CategoryInput{Name: `50%_off\deals`}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		opts    netsuite.ListOptions
		want    []string
		hasMore bool
		total   int
	}{
		{name: "all", opts: netsuite.ListOptions{Limit: 4}, want: []string{"1", "2", "3", "4"}, hasMore: true, total: 11},
		{name: "second page", opts: netsuite.ListOptions{Limit: 4, Offset: 4}, want: []string{"5", "6", "7", "8"}, hasMore: true, total: 11},
		{name: "inactive", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{IsInactive: ptr(true)}}, want: []string{"9", "10"}, total: 2},
		{name: "name ignores case", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{Name: ptr("RETAIL")}}, want: []string{"8"}, total: 1},
		{name: "starts with", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{NameStartsWith: ptr("s")}}, want: []string{"3", "4"}, total: 2},
		{name: "percent is literal", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{NameContains: ptr("%")}}, want: []string{"11"}, total: 1},
		{name: "underscore is literal", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{NameContains: ptr("_o")}}, want: []string{"11"}, total: 1},
		{name: "backslash is literal", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{NameStartsWith: ptr(`50%_off\d`)}}, want: []string{"11"}, total: 1},
		{name: "wildcard text matches nothing else", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{NameStartsWith: ptr("_")}}, want: []string{}, total: 0},
		{name: "quote", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{Name: ptr("x' OR '1' = '1")}}, want: []string{}, total: 0},
		{name: "ids and contains", opts: netsuite.ListOptions{Filter: netsuite.CategoryFilter{IDs: []string{"1", "2", "3"}, NameContains: ptr("market")}}, want: []string{"2"}, total: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			page, err := e.client.SearchCategories(t.Context(), tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			ids := []string{}
			for _, c := range page.Categories {
				ids = append(ids, c.ID)
				if c.Name == "" {
					t.Errorf("category %s has no name", c.ID)
				}
			}
			if !slices.Equal(ids, tt.want) || page.HasMore != tt.hasMore || page.TotalResults != tt.total || page.Count != len(tt.want) {
				t.Errorf("page ids %v hasMore %t total %d, want %v %t %d", ids, page.HasMore, page.TotalResults, tt.want, tt.hasMore, tt.total)
			}
		})
	}
	before := e.count(routeSuiteQL)
	page, err := e.client.SearchCategories(t.Context(), netsuite.ListOptions{Limit: 5, Offset: 7})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Categories) != 4 || page.Categories[0].ID != "8" || page.HasMore || page.Offset != 7 || page.TotalResults != 11 {
		t.Errorf("window at 7: %+v", page)
	}
	if n := e.count(routeSuiteQL) - before; n != 1 {
		t.Errorf("SuiteQL requests for an unaligned window = %d, want 1", n)
	}
	_, err = e.client.SearchCategories(t.Context(), netsuite.ListOptions{Limit: 5, Offset: -5})
	wantKind(t, err, upstream.KindValidation, "invalid_argument")
}

func TestCategoriesOfCustomers(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	c0, c1 := e.data.Customers[0], e.data.Customers[1]
	if err := e.client.SetCustomerCategory(t.Context(), c1.Number, ""); err != nil {
		t.Fatal(err)
	}
	got, err := e.client.CategoriesOfCustomers(t.Context(), []string{c0.Number, c1.Number, "C-9999", "it's", c0.Number})
	if err != nil {
		t.Fatal(err)
	}
	cat0 := e.data.Categories[c0.Category]
	want0 := netsuite.CustomerCategory{EntityID: c0.Number, CustomerID: "5001", CategoryID: cat0.ID,
		Category: &netsuite.Category{ID: cat0.ID, Name: cat0.Name}}
	if g := got[c0.Number]; g.EntityID != want0.EntityID || g.CustomerID != want0.CustomerID || g.CategoryID != want0.CategoryID ||
		g.Category == nil || *g.Category != *want0.Category {
		t.Errorf("customer 0 = %+v, want %+v", g, want0)
	}
	if g := got[c1.Number]; g.CategoryID != "" || g.Category != nil || g.CustomerID != "5002" {
		t.Errorf("customer 1 after clearing = %+v, want no category", g)
	}
	if len(got) != 2 {
		t.Errorf("got %d customers, want 2 (unknown ones absent)", len(got))
	}
}

func TestCustomersInCategories(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	want := map[string][]string{}
	for _, c := range e.data.Customers {
		id := e.data.Categories[c.Category].ID
		want[id] = append(want[id], c.Number)
	}
	ids := []string{"1", "2", "3", "9", "bogus"}
	got, err := e.client.CustomersInCategories(t.Context(), ids)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range ids {
		if !slices.Equal(got[id], want[id]) {
			t.Errorf("category %s: %v, want %v", id, got[id], want[id])
		}
	}
	if _, ok := got["9"]; ok {
		t.Error("a category without customers is present")
	}
	if n := e.count(routeSuiteQL); n != 1 {
		t.Errorf("SuiteQL requests = %d, want 1", n)
	}
}

func TestSetCustomerCategory(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	num := e.data.Customers[3].Number
	if err := e.client.SetCustomerCategory(t.Context(), num, "7"); err != nil {
		t.Fatal(err)
	}
	got, err := e.client.CategoriesOfCustomers(t.Context(), []string{num})
	if err != nil || got[num].CategoryID != "7" || got[num].Category == nil || got[num].Category.Name != e.data.Categories[6].Name {
		t.Fatalf("after set: %+v, %v", got[num], err)
	}
	if e.count(routeCustomerPut) != 1 {
		t.Errorf("customer PATCHes = %d, want 1", e.count(routeCustomerPut))
	}

	tests := []struct {
		name, entity, category string
		kind                   upstream.Kind
		field                  string
	}{
		{"unknown customer", "C-9999", "1", upstream.KindNotFound, ""},
		{"quote in number", "C-1001' OR '1' = '1", "1", upstream.KindNotFound, ""},
		{"unknown category", num, "999", upstream.KindValidation, "category"},
		{"inactive category", num, "9", upstream.KindValidation, "category"},
		{"bad category id", num, "5; DROP", upstream.KindValidation, "category"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := e.client.SetCustomerCategory(t.Context(), tt.entity, tt.category)
			ue := wantKind(t, err, tt.kind, "")
			if tt.field != "" && ue.Field != tt.field {
				t.Errorf("Field = %q, want %q", ue.Field, tt.field)
			}
		})
	}
	got, _ = e.client.CategoriesOfCustomers(t.Context(), []string{num})
	if got[num].CategoryID != "7" {
		t.Errorf("a failed set changed the category to %q", got[num].CategoryID)
	}
}

// TestBatchIsOneRequest is the loader contract: 100 keys cost one SuiteQL request each.
func TestBatchIsOneRequest(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{seed: seed.Options{Customers: 100, Categories: 120, Groups: 5}})
	ids := make([]string, 100)
	for i := range ids {
		ids[i] = strconv.Itoa(i + 1)
	}
	cats, err := e.client.CategoriesByID(t.Context(), ids)
	if err != nil {
		t.Fatal(err)
	}
	if len(cats) != 100 || cats["100"].Name != e.data.Categories[99].Name {
		t.Errorf("got %d categories, category 100 = %+v", len(cats), cats["100"])
	}
	if n := e.count(routeSuiteQL); n != 1 {
		t.Errorf("CategoriesByID(100 ids): %d SuiteQL requests, want 1", n)
	}

	nums := make([]string, 100)
	for i, c := range e.data.Customers {
		nums[i] = c.Number
	}
	ofCustomers, err := e.client.CategoriesOfCustomers(t.Context(), nums)
	if err != nil {
		t.Fatal(err)
	}
	if len(ofCustomers) != 100 {
		t.Errorf("got %d customers, want 100", len(ofCustomers))
	}
	for _, c := range e.data.Customers {
		if got := ofCustomers[c.Number]; got.CategoryID != e.data.Categories[c.Category].ID || got.Category == nil {
			t.Errorf("%s: %+v, want category %s", c.Number, got, e.data.Categories[c.Category].ID)
		}
	}
	st := e.sb.Server().Stats()
	if st.Routes[routeSuiteQL] != 2 || st.Routes[routeToken] != 1 || st.Requests != 3 {
		t.Errorf("stats %+v, want 2 SuiteQL requests and 1 token fetch, nothing else", st)
	}
}

func TestTokenCachedAndSingleFlight(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{latency: 20 * time.Millisecond})
	var wg sync.WaitGroup
	errs := make(chan error, 8)
	for range 8 {
		wg.Go(func() {
			_, err := e.client.GetCategory(t.Context(), "1")
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if n := e.count(routeToken); n != 1 {
		t.Errorf("token fetches = %d, want 1 for 8 concurrent calls", n)
	}
}

func TestTokenRefreshAfterRevoke(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	e.warm(t)
	resp, err := e.srv.Client().Post(e.srv.URL+"/_sim/tokens/revoke", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	_ = resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("revoke: %s", resp.Status)
	}
	if _, err := e.client.GetCategory(t.Context(), "2"); err != nil {
		t.Fatalf("call after revoke: %v", err)
	}
	if n := e.count(routeToken); n != 2 {
		t.Errorf("token fetches = %d, want 2 (one refresh after the 401)", n)
	}
	if n := e.count(routeGet); n != 3 {
		t.Errorf("GETs = %d, want 3 (ok, 401, retried ok)", n)
	}
}

func TestTokenRejected(t *testing.T) {
	t.Parallel()
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	der, _ := x509.MarshalPKCS8PrivateKey(other)
	tests := []struct {
		name   string
		mutate func(*netsuite.Config)
	}{
		{"another key", func(c *netsuite.Config) {
			c.PrivateKeyPEM = pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der})
		}},
		{"another client id", func(c *netsuite.Config) { c.ClientID = "someone-else" }},
		{"another certificate", func(c *netsuite.Config) { c.CertificateID = "cert-2" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, setupOpts{mutate: tt.mutate})
			_, err := e.client.GetCategory(t.Context(), "1")
			wantKind(t, err, upstream.KindUnauthorized, "")
			te := tokenError(err)
			if te == nil || te.Code != "invalid_grant" || te.Status != http.StatusBadRequest ||
				te.Path != "/services/rest/auth/oauth2/v1/token" || te.Kind != upstream.KindUnauthorized {
				t.Errorf("token error = %+v, want the endpoint's 400 invalid_grant as KindUnauthorized", te)
			}
			if e.count(routeGet) != 0 {
				t.Error("the API was called without a token")
			}
		})
	}
	t.Run("token endpoint down", func(t *testing.T) {
		t.Parallel()
		e := setup(t, setupOpts{})
		e.setFaults(t, sim.Faults{Down: true})
		_, err := e.client.GetCategory(t.Context(), "1")
		wantKind(t, err, upstream.KindUnavailable, "")
		if !upstream.Transient(err) || e.count(routeGet) != 0 {
			t.Errorf("error %v: want a transient outage and no API call", err)
		}
	})
}

// tokenError is the token endpoint's own error in err: err itself, or (as older rest wrapped it)
// the Err of a token_fetch_failed error.
func tokenError(err error) *upstream.Error {
	ue := upstream.As(err)
	if ue != nil && ue.Code == "token_fetch_failed" {
		return upstream.As(ue.Err)
	}
	return ue
}

func TestRateLimited(t *testing.T) {
	t.Parallel()
	t.Run("Retry-After longer than the client waits", func(t *testing.T) {
		t.Parallel()
		e := setup(t, setupOpts{})
		e.warm(t)
		e.setFaults(t, sim.Faults{ErrorRate: 1, ErrorStatus: http.StatusTooManyRequests, RetryAfterS: 1})
		_, err := e.client.GetCategory(t.Context(), "1")
		ue := wantKind(t, err, upstream.KindRateLimited, "CONCURRENCY_LIMIT_EXCEEDED")
		if ue.RetryAfter != time.Second || ue.Status != http.StatusTooManyRequests {
			t.Errorf("error = %+v, want 429 with RetryAfter 1s", ue)
		}
		if n := e.count(routeGet); n != 2 {
			t.Errorf("GETs = %d, want 2 (warm-up and one try: waiting 1s exceeds MaxDelay)", n)
		}
	})
	t.Run("Retry-After honoured", func(t *testing.T) {
		t.Parallel()
		e := setup(t, setupOpts{retry: &rest.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Second}})
		e.warm(t)
		e.setFaults(t, sim.Faults{ErrorRate: 1, ErrorStatus: http.StatusTooManyRequests, RetryAfterS: 1})
		start := time.Now()
		_, err := e.client.CategoriesByID(t.Context(), []string{"1"})
		wantKind(t, err, upstream.KindRateLimited, "CONCURRENCY_LIMIT_EXCEEDED")
		if time.Since(start) < time.Second {
			t.Errorf("retried after %v, want at least the 1s Retry-After", time.Since(start))
		}
		if n := e.count(routeSuiteQL); n != 2 {
			t.Errorf("SuiteQL requests = %d, want 2", n)
		}
	})
	t.Run("concurrency limit", func(t *testing.T) {
		t.Parallel()
		e := setup(t, setupOpts{retry: &rest.RetryPolicy{MaxAttempts: 1}})
		e.warm(t)
		e.setFaults(t, sim.Faults{MaxConcurrent: 1, LatencyMS: 300})
		first := make(chan error, 1)
		go func() {
			_, err := e.client.GetCategory(t.Context(), "1")
			first <- err
		}()
		time.Sleep(100 * time.Millisecond)
		_, err := e.client.GetCategory(t.Context(), "2")
		wantKind(t, err, upstream.KindRateLimited, "CONCURRENCY_LIMIT_EXCEEDED")
		if err := <-first; err != nil {
			t.Errorf("the request within the limit failed: %v", err)
		}
	})
}

func TestUnavailable(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	e.warm(t)
	e.setFaults(t, sim.Faults{ErrorRate: 1, ErrorStatus: http.StatusServiceUnavailable})
	tests := []struct {
		name  string
		call  func(context.Context) error
		route string
		tries int64
	}{
		{"get is retried", func(ctx context.Context) error { _, err := e.client.GetCategory(ctx, "1"); return err }, routeGet, 3},
		{"list is retried", func(ctx context.Context) error {
			_, err := e.client.ListCategories(ctx, netsuite.ListOptions{})
			return err
		}, routeList, 3},
		{"SuiteQL is retried", func(ctx context.Context) error {
			_, err := e.client.CategoriesByID(ctx, []string{"1"})
			return err
		}, routeSuiteQL, 3},
		{"create is not", func(ctx context.Context) error {
			_, err := e.client.CreateCategory(ctx, netsuite.CategoryInput{Name: "New"})
			return err
		}, routeCreate, 1},
		{"update is not", func(ctx context.Context) error {
			_, err := e.client.UpdateCategory(ctx, "1", netsuite.CategoryPatch{Name: ptr("New")})
			return err
		}, routeUpdate, 1},
		{"delete is not", func(ctx context.Context) error { return e.client.DeleteCategory(ctx, "10") }, routeDelete, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.count(tt.route)
			err := tt.call(t.Context())
			ue := wantKind(t, err, upstream.KindUnavailable, "UNEXPECTED_ERROR")
			if ue.Status != http.StatusServiceUnavailable {
				t.Errorf("Status = %d", ue.Status)
			}
			if n := e.count(tt.route) - before; n != tt.tries {
				t.Errorf("requests = %d, want %d", n, tt.tries)
			}
		})
	}
}

// flaky fails the first n requests on route with an injected 503 (rendered by the simulator),
// then lets requests through.
func flaky(method, pathPrefix string, n int64) func(*sandbox.Simulator, http.Handler) http.Handler {
	var seen atomic.Int64
	return func(sb *sandbox.Simulator, next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.Method == method && strings.HasPrefix(r.URL.Path, pathPrefix) {
				f := sim.Faults{}
				if seen.Add(1) <= n {
					f = sim.Faults{ErrorRate: 1, ErrorStatus: http.StatusServiceUnavailable}
				}
				_ = sb.Server().SetFaults(f)
			}
			next.ServeHTTP(w, r)
		})
	}
}

func TestTransientFailureThenSuccess(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{wrap: flaky(http.MethodPost, "/services/rest/query/v1/suiteql", 2)})
	got, err := e.client.CategoriesByID(t.Context(), []string{"1", "2"})
	if err != nil {
		t.Fatalf("CategoriesByID after two 503s: %v", err)
	}
	if len(got) != 2 {
		t.Errorf("got %v", got)
	}
	if n := e.count(routeSuiteQL); n != 3 {
		t.Errorf("SuiteQL requests = %d, want 3 (two 503s, then success)", n)
	}
}

func TestContextEnded(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{latency: 200 * time.Millisecond})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := e.client.GetCategory(ctx, "1"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: error = %v, want context.Canceled", err)
	}
	ctx, cancel = context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if _, err := e.client.CategoriesByID(ctx, []string{"1"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("deadline: error = %v, want context.DeadlineExceeded", err)
	}
}

// TestMountedUnderPrefix runs the client against the simulator mounted under a path, as
// cmd/sandbox serves all three upstreams from one port.
func TestMountedUnderPrefix(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{prefix: "/netsuite"})
	got, err := e.client.CreateCategory(t.Context(), netsuite.CategoryInput{Name: "Mounted"})
	if err != nil {
		t.Fatal(err)
	}
	if got.ID != "11" || got.Name != "Mounted" {
		t.Errorf("created %+v", got)
	}
	if _, err := e.client.CategoriesOfCustomers(t.Context(), []string{"C-1001"}); err != nil {
		t.Fatal(err)
	}
}

// seedStyleWrites answers creates and updates the way the seed document shows them: 200 with
// the record in the body (read from the simulator) instead of 204.
func seedStyleWrites(_ *sandbox.Simulator, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		isWrite := (r.Method == http.MethodPost || r.Method == http.MethodPatch) &&
			strings.HasPrefix(r.URL.Path, "/services/rest/record/v1/customerCategory")
		if !isWrite {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		if rec.Code != http.StatusNoContent {
			for k, v := range rec.Header() {
				w.Header()[k] = v
			}
			w.WriteHeader(rec.Code)
			_, _ = w.Write(rec.Body.Bytes())
			return
		}
		self := rec.Header().Get("Location")
		if self == "" {
			self = "http://" + r.Host + r.URL.Path
		}
		get := httptest.NewRequestWithContext(r.Context(), http.MethodGet, self, nil)
		get.Header.Set("Authorization", r.Header.Get("Authorization"))
		next.ServeHTTP(w, get)
	})
}

func TestWritesAcceptBodies(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{wrap: seedStyleWrites})
	got, err := e.client.CreateCategory(t.Context(), netsuite.CategoryInput{Name: "Enterprise - Healthcare"})
	if err != nil {
		t.Fatal(err)
	}
	if *got != (netsuite.Category{ID: "11", Name: "Enterprise - Healthcare"}) {
		t.Errorf("created %+v", got)
	}
	got, err = e.client.UpdateCategory(t.Context(), "11", netsuite.CategoryPatch{Name: ptr("Enterprise - Updated")})
	if err != nil || *got != (netsuite.Category{ID: "11", Name: "Enterprise - Updated"}) {
		t.Errorf("updated %+v, %v", got, err)
	}
	// The wrapper's two reads are the only GETs: the client used the bodies and read nothing back.
	if n := e.count(routeGet); n != 2 {
		t.Errorf("GETs = %d, want only the wrapper's 2 reads", n)
	}
	_, err = e.client.CreateCategory(t.Context(), netsuite.CategoryInput{Name: "enterprise"})
	wantKind(t, err, upstream.KindDuplicate, "")
}
