package e2e

import (
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"custgraph/gateway"
	"custgraph/simstack"
	"custgraph/simstack/simstacktest"
)

// salesQueries records the query strings of the requests sent to the sales API.
type salesQueries struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []map[string][]string
}

func (s *salesQueries) RoundTrip(r *http.Request) (*http.Response, error) {
	if strings.Contains(r.URL.Path, "/sales/") && !isTokenRoute(r.URL.Path) {
		s.mu.Lock()
		s.seen = append(s.seen, r.URL.Query())
		s.mu.Unlock()
	}
	return s.next.RoundTrip(r)
}

func (s *salesQueries) take() []map[string][]string {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := s.seen
	s.seen = nil
	return out
}

// TestSalesIncludesFollowTheSelection: without the shared cache (which fetches customers whole,
// one entry each), the sales API is asked for exactly the include[] the query's selection needs:
// a query for names fetches no addresses, one for the bill-to address fetches only that.
func TestSalesIncludesFollowTheSelection(t *testing.T) {
	t.Parallel()
	stack := simstacktest.Start(t, simstack.Options{Seed: seedOptions(10)})
	rec := &salesQueries{next: http.DefaultTransport}
	log := slog.New(slog.DiscardHandler)
	up, err := gateway.SandboxUpstreams(stack, &http.Client{Timeout: 30 * time.Second, Transport: rec}, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gateway.New(gateway.Options{Upstreams: up, Logger: log}))
	t.Cleanup(srv.Close)

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
			h := &harness{t: t, stack: stack, url: srv.URL}
			rec.take()
			h.data(tc.query, nil, &struct{}{})
			seen := rec.take()
			if len(seen) != 1 {
				t.Fatalf("%d sales requests, want 1: %v", len(seen), seen)
			}
			got := slices.Clone(seen[0]["include[]"])
			slices.Sort(got)
			if !slices.Equal(got, tc.want) {
				t.Errorf("include[] = %v, want %v", got, tc.want)
			}
		})
	}
}
