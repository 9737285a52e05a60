package sales_test

import (
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"custgraph/upstream"
	"custgraph/upstream/rest"
	"custgraph/upstream/sales"
)

const testKey = "sk_test_secret_value"

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		cfg   sales.Config
		field string // "" = valid
	}{
		{"valid", sales.Config{BaseURL: "https://api.example.com/v1/sales", APIKey: testKey}, ""},
		{"valid with retry", sales.Config{BaseURL: "http://localhost:1/v1/sales", APIKey: testKey,
			Retry: &rest.RetryPolicy{MaxAttempts: 1}}, ""},
		{"no base URL", sales.Config{APIKey: testKey}, "BaseURL"},
		{"relative base URL", sales.Config{BaseURL: "/v1/sales", APIKey: testKey}, "BaseURL"},
		{"ftp base URL", sales.Config{BaseURL: "ftp://h/v1/sales", APIKey: testKey}, "BaseURL"},
		{"base URL with query", sales.Config{BaseURL: "https://h/v1/sales?x=1", APIKey: testKey}, "BaseURL"},
		{"base URL with user", sales.Config{BaseURL: "https://u:p@h/v1/sales", APIKey: testKey}, "BaseURL"},
		{"no key", sales.Config{BaseURL: "https://h/v1/sales"}, "APIKey"},
		{"key with newline", sales.Config{BaseURL: "https://h/v1/sales", APIKey: testKey + "\n"}, "APIKey"},
		{"bad retry", sales.Config{BaseURL: "https://h/v1/sales", APIKey: testKey, Retry: &rest.RetryPolicy{}}, "Retry"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := sales.New(tc.cfg)
			if tc.field == "" {
				if err != nil || c == nil {
					t.Fatalf("New() = %v, %v", c, err)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), "Config."+tc.field) {
				t.Fatalf("New() error = %v, want one naming Config.%s", err, tc.field)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Fatalf("error leaks the API key: %v", err)
			}
		})
	}
}

// recorded is one request a canned server saw.
type recorded struct {
	method, path, rawQuery string
	header                 http.Header
	body                   string
}

// cannedServer answers every request with status, body and headers, and records requests.
type cannedServer struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

func newCanned(t *testing.T, status int, body string, header ...string) *cannedServer {
	t.Helper()
	cs := &cannedServer{}
	cs.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		cs.mu.Lock()
		cs.reqs = append(cs.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Clone(), string(b)})
		cs.mu.Unlock()
		for i := 0; i+1 < len(header); i += 2 {
			w.Header().Set(header[i], header[i+1])
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(cs.Close)
	return cs
}

func (cs *cannedServer) client(t *testing.T) *sales.Client {
	t.Helper()
	c, err := sales.New(sales.Config{BaseURL: cs.URL + "/v1/sales", APIKey: testKey, HTTPClient: cs.Server.Client(),
		Retry: &rest.RetryPolicy{MaxAttempts: 1}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (cs *cannedServer) requests() []recorded {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	return append([]recorded(nil), cs.reqs...)
}

func errBody(typ, code, msg, param string) string {
	b, _ := json.Marshal(map[string]any{"error": map[string]string{"type": typ, "code": code, "message": msg, "param": param}})
	return string(b)
}

func TestErrorDecoding(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name       string
		status     int
		body       string
		header     []string
		kind       upstream.Kind
		code       string
		field      string
		retryAfter time.Duration
	}{
		{"not found", 404, errBody("invalid_request_error", "resource_missing", "No such customer", "id"), nil, upstream.KindNotFound, "resource_missing", "id", 0},
		{"unknown url is not a missing record", 404, errBody("invalid_request_error", "url_invalid", "Unrecognized request URL", ""), nil, upstream.KindUnknown, "url_invalid", "", 0},
		{"invalid parameter", 400, errBody("invalid_request_error", "parameter_invalid", "bad limit", "limit"), nil, upstream.KindValidation, "parameter_invalid", "limit", 0},
		{"unknown parameter", 400, errBody("invalid_request_error", "parameter_unknown", "unknown", "nickname"), nil, upstream.KindValidation, "parameter_unknown", "nickname", 0},
		{"missing reference in a parameter", 400, errBody("invalid_request_error", "resource_missing", "No such carrier", "default_carrier_id"), nil, upstream.KindValidation, "resource_missing", "default_carrier_id", 0},
		{"422 without code", 422, `{"error": {"type": "invalid_request_error", "message": "bad"}}`, nil, upstream.KindValidation, "invalid_request_error", "", 0},
		{"idempotency key reused", 409, errBody("invalid_request_error", "idempotency_key_reused", "reused", "Idempotency-Key"), nil, upstream.KindConflict, "idempotency_key_reused", "Idempotency-Key", 0},
		{"number taken", 400, errBody("invalid_request_error", "resource_already_exists", "taken", "number"), nil, upstream.KindDuplicate, "resource_already_exists", "number", 0},
		{"rate limited", 429, errBody("rate_limit_error", "rate_limit", "slow down", ""), []string{"Retry-After", "7"}, upstream.KindRateLimited, "rate_limit", "", 7 * time.Second},
		{"concurrency limited", 429, errBody("rate_limit_error", "concurrency_limit", "too many", ""), []string{"Retry-After", "1"}, upstream.KindRateLimited, "concurrency_limit", "", time.Second},
		{"unauthenticated", 401, errBody("authentication_error", "api_key_invalid", "Invalid API key provided.", ""), nil, upstream.KindUnauthorized, "api_key_invalid", "", 0},
		{"unavailable", 503, errBody("api_error", "service_unavailable", "down", ""), nil, upstream.KindUnavailable, "service_unavailable", "", 0},
		{"html 502", 502, `<html>bad gateway</html>`, nil, upstream.KindUnavailable, "", "", 0},
		{"garbage 400", 400, `not json`, nil, upstream.KindValidation, "", "", 0},
		{"error field null", 400, `{"error": null}`, nil, upstream.KindValidation, "", "", 0},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cs := newCanned(t, tc.status, tc.body, tc.header...)
			_, err := cs.client(t).GetCustomer(t.Context(), "cus/1")
			var ue *upstream.Error
			if !errors.As(err, &ue) {
				t.Fatalf("error %T %v is not an *upstream.Error", err, err)
			}
			if ue.Kind != tc.kind || ue.Code != tc.code || ue.Field != tc.field || ue.RetryAfter != tc.retryAfter ||
				ue.Status != tc.status || ue.Upstream != "sales" || ue.Method != "GET" || ue.Path != "/v1/sales/customers/cus%2F1" {
				t.Fatalf("got %+v", ue)
			}
			if strings.Contains(err.Error(), testKey) {
				t.Fatal("error text leaks the API key")
			}
		})
	}
}

const cannedCustomer = `{"id": "cus_1", "object": "customer", "name": "A", "number": "C-1", "status": "normal",
	"credit_limit": {"id": "q", "object": "quantity", "value": "1.00", "display_value": "$1.00", "unit": null},
	"created_at": "2024-01-15T09:00:00Z", "updated_at": "2024-01-16T09:00:00.123Z"}`

// TestUpdateCustomerSendsExactly pins the wire form of PATCH requests: omitted fields absent,
// nulls as null, the key header only when asked.
func TestUpdateCustomerSendsExactly(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		patch     sales.CustomerPatch
		opts      sales.UpdateOptions
		wantBody  string
		wantQuery string
		wantKey   string
	}{
		{"empty patch", sales.CustomerPatch{}, sales.UpdateOptions{}, `{}`, "", ""},
		{"mixed", sales.CustomerPatch{
			Name: sales.Set("Acme"), Note: sales.Null[string](), IsEDIEnabled: sales.Set(false),
			CustomerPriceGroupIDs: sales.Set([]string{}), BillToAddressID: sales.Null[string](),
			CreditLimit: sales.Set(sales.CreditLimitInput{Value: "2500.00", UnitID: "unit_usd"}),
		}, sales.UpdateOptions{IdempotencyKey: "key-1", Include: []string{sales.IncludeType, sales.IncludeBillToAddress}},
			`{"name":"Acme","note":null,"is_edi_enabled":false,"bill_to_address_id":null,"customer_price_group_ids":[],"credit_limit":{"value":"2500.00","unit_id":"unit_usd"}}`,
			"include%5B%5D=type&include%5B%5D=bill_to_address", "key-1"},
		{"clear credit limit", sales.CustomerPatch{CreditLimit: sales.Null[sales.CreditLimitInput]()}, sales.UpdateOptions{},
			`{"credit_limit":null}`, "", ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			cs := newCanned(t, 200, cannedCustomer)
			cu, err := cs.client(t).UpdateCustomer(t.Context(), "cus_1", tc.patch, tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if cu.ID != "cus_1" || cu.CreditLimit == nil || cu.CreditLimit.Value != "1.00" || cu.UpdatedAt.Nanosecond() != 123e6 {
				t.Fatalf("decoded %+v", cu)
			}
			reqs := cs.requests()
			if len(reqs) != 1 {
				t.Fatalf("%d requests", len(reqs))
			}
			r := reqs[0]
			if r.method != "PATCH" || r.path != "/v1/sales/customers/cus_1" || r.rawQuery != tc.wantQuery || r.body != tc.wantBody {
				t.Fatalf("sent %s %s?%s %s\nwant body %s query %s", r.method, r.path, r.rawQuery, r.body, tc.wantBody, tc.wantQuery)
			}
			if r.header.Get("Idempotency-Key") != tc.wantKey || r.header.Get("Authorization") != "Bearer "+testKey ||
				r.header.Get("Content-Type") != "application/json" {
				t.Fatalf("headers %v", r.header)
			}
		})
	}
}

// TestRefusedBeforeSending: arguments the upstream would refuse never leave the client.
func TestRefusedBeforeSending(t *testing.T) {
	t.Parallel()
	cs := newCanned(t, 200, `{}`)
	c := cs.client(t)
	ctx := t.Context()
	cases := []struct {
		name  string
		call  func() error
		field string
	}{
		{"empty customer id", func() error { _, err := c.GetCustomer(ctx, ""); return err }, "id"},
		{"empty address id", func() error { _, err := c.GetAddress(ctx, ""); return err }, "id"},
		{"empty group id", func() error { _, err := c.GetAccountGroup(ctx, ""); return err }, "id"},
		{"empty patch id", func() error {
			_, err := c.UpdateCustomer(ctx, "", sales.CustomerPatch{}, sales.UpdateOptions{})
			return err
		}, "id"},
		{"null non-nullable", func() error {
			_, err := c.UpdateCustomer(ctx, "cus_1", sales.CustomerPatch{Status: sales.Null[string]()}, sales.UpdateOptions{})
			return err
		}, "status"},
		{"limit over 100", func() error { _, err := c.ListCustomers(ctx, sales.ListCustomersOptions{Limit: 101}); return err }, "limit"},
		{"101 ids", func() error {
			_, err := c.ListCustomers(ctx, sales.ListCustomersOptions{IDs: make([]string, 101)})
			return err
		}, "ids"},
		{"empty parent", func() error { _, err := c.ChildAccounts(ctx, "", sales.ListCustomersOptions{}); return err }, "parent_account_id"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.call()
			ue := upstream.As(err)
			if ue == nil || ue.Kind != upstream.KindValidation || ue.Field != tc.field || ue.Status != 0 {
				t.Fatalf("got %#v, want a KindValidation error on %s", err, tc.field)
			}
		})
	}
	if n := len(cs.requests()); n != 0 {
		t.Fatalf("%d requests were sent", n)
	}
}

func TestEmptyBatchesSendNothing(t *testing.T) {
	t.Parallel()
	cs := newCanned(t, 500, `{}`)
	c := cs.client(t)
	m, err := c.CustomersByID(t.Context(), []string{"", ""})
	if err != nil || len(m) != 0 {
		t.Fatalf("%v %v", m, err)
	}
	if _, err := c.CustomersByNumber(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AddressesByID(t.Context(), nil); err != nil {
		t.Fatal(err)
	}
	if _, err := c.AccountGroupsByID(t.Context(), nil, ""); err != nil {
		t.Fatal(err)
	}
	if n := len(cs.requests()); n != 0 {
		t.Fatalf("%d requests", n)
	}
}
