package e2e

import (
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"custgraph/gateway"
)

// TestSalesIncludesFollowTheSelection: without the shared cache (which fetches customers whole,
// one entry each), the sales API is asked for exactly the include[] the query's selection needs:
// a query for names fetches no addresses, one for the bill-to address fetches only that.
func TestSalesIncludesFollowTheSelection(t *testing.T) {
	t.Parallel()
	base := newHarness(t, harnessOptions{seed: seedOptions(10)})
	rec := &requestRecorder{next: http.DefaultTransport}
	up := base.sandboxUpstreams(&http.Client{Timeout: 30 * time.Second, Transport: rec}, slog.New(slog.DiscardHandler))
	url := base.gatewayWith(func(o *gateway.Options) { o.Upstreams = up })

	for _, tc := range []struct {
		name, query string
		want        []string
	}{
		{"names", `{ customers(first: 5) { nodes { name number } } }`, nil},
		{"bill-to address", `{ customers(first: 5) { nodes { name billToAddress { name } } } }`, []string{"bill_to_address"}},
		{"through a fragment and both paths", `fragment f on Customer { creditLimit { value } }
			{ customers(first: 5) { nodes { ...f } edges { node { type { name } } } } }`, []string{"credit_limit", "type"}},
		{"one customer, category only (not a sales include)", `{ customers(first: 1) { nodes { category { name } } } }`, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := &harness{t: t, stack: base.stack, url: url}
			rec.take()
			h.data(tc.query, nil, &struct{}{})
			var sales []*http.Request
			for _, req := range rec.take() {
				if strings.Contains(req.URL.Path, "/sales/") {
					sales = append(sales, req)
				}
			}
			if len(sales) != 1 {
				t.Fatalf("%d sales requests, want 1", len(sales))
			}
			got := slices.Clone(sales[0].URL.Query()["include[]"])
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("include[] = %v, want %v", got, tc.want)
			}
		})
	}
}
