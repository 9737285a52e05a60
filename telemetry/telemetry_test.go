package telemetry

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/sony/gobreaker/v2"
)

// TestRoute covers every path shape the three clients send (the simulators' routes with real
// ids): record ids become {id}, key references {key}, API words stay.
func TestRoute(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ path, want string }{
		{"/services/rest/auth/oauth2/v1/token", "/services/rest/auth/oauth2/v1/token"},
		{"/services/rest/record/v1/customerCategory", "/services/rest/record/v1/customerCategory"},
		{"/services/rest/record/v1/customerCategory/5", "/services/rest/record/v1/customerCategory/{id}"},
		{"/services/rest/record/v1/customerCategory/1234567", "/services/rest/record/v1/customerCategory/{id}"},
		{"/services/rest/record/v1/customer/107", "/services/rest/record/v1/customer/{id}"},
		{"/services/rest/query/v1/suiteql", "/services/rest/query/v1/suiteql"},
		{"/netsuite/services/rest/query/v1/suiteql", "/netsuite/services/rest/query/v1/suiteql"},
		{"/oauth/token", "/oauth/token"},
		{"/custgraph-sandbox/customer-groups", "/custgraph-sandbox/customer-groups"},
		{"/custgraph-sandbox/customer-groups/3f1c2b9e-8d4a-4f6b-9c2d-1e0f5a6b7c8d", "/custgraph-sandbox/customer-groups/{id}"},
		{"/custgraph-sandbox/customer-groups/key=grp-006", "/custgraph-sandbox/customer-groups/{key}"},
		{"/custgraph-sandbox/customer-groups/key=gold", "/custgraph-sandbox/customer-groups/{key}"},
		{"/custgraph-sandbox/customers/b2c6d7e8-0000-4000-8000-000000000001", "/custgraph-sandbox/customers/{id}"},
		{"/v1/sales/customers", "/v1/sales/customers"},
		{"/v1/sales/customers/cus_0001", "/v1/sales/customers/{id}"},
		{"/v1/sales/customers/C-1001", "/v1/sales/customers/{id}"},
		{"/v1/sales/addresses/addr_0001", "/v1/sales/addresses/{id}"},
		{"/v1/sales/account_groups/ag_12", "/v1/sales/account_groups/{id}"},
		{"/v1/sales/customers/some%20escaped%20text", "/v1/sales/customers/{id}"},
		{"/v1/sales/customers/" + fmt.Sprintf("%040d", 0)[:33], "/v1/sales/customers/{id}"},
		{"/", "/"},
		{"", ""},
	} {
		if got := Route(tc.path); got != tc.want {
			t.Errorf("Route(%q) = %q, want %q", tc.path, got, tc.want)
		}
	}
}

func TestBoundedLabels(t *testing.T) {
	t.Parallel()
	b := newBoundedLabels(2)
	for _, tc := range []struct{ in, want string }{
		{"A", "A"}, {"B", "B"}, {"C", otherLabel}, {"A", "A"}, {"D", otherLabel}, {"B", "B"},
	} {
		if got := b.get(tc.in); got != tc.want {
			t.Errorf("get(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

// TestWatchBreaker trips a real gobreaker and reads its state from /metrics at each scrape.
func TestWatchBreaker(t *testing.T) {
	t.Parallel()
	tel := New(Options{})
	cb := gobreaker.NewCircuitBreaker[struct{}](gobreaker.Settings{Name: "netsuite", Timeout: time.Hour,
		ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= 1 }})
	WatchBreaker(tel, "netsuite", cb.State)
	srv := httptest.NewServer(tel.MetricsHandler())
	t.Cleanup(srv.Close)
	state := func() string {
		resp, err := http.Get(srv.URL)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		for _, line := range strings.Split(string(b), "\n") {
			if strings.HasPrefix(line, `custgraph_breaker_state{breaker="netsuite"}`) {
				return strings.Fields(line)[1]
			}
		}
		t.Fatalf("no breaker state in:\n%s", b)
		return ""
	}
	if got := state(); got != "0" {
		t.Errorf("closed breaker exported as %s", got)
	}
	_, _ = cb.Execute(func() (struct{}, error) { return struct{}{}, errors.New("down") })
	if got := state(); got != "2" {
		t.Errorf("open breaker exported as %s", got)
	}
}
