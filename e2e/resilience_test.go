package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"testing"
	"time"

	"custgraph/config"
	"custgraph/gateway"
	"custgraph/upstream/rest"
	"custgraph/upstream/sim"
)

// resilientGateway starts a gateway over the harness's simulators with the upstream policies and
// request budget of cfg, built the way gateway.Run builds them, and returns its URL and policies.
func (h *harness) resilientGateway(cfg config.Resilience) (string, gateway.Resilience) {
	h.t.Helper()
	log := slog.New(slog.DiscardHandler)
	res, err := gateway.NewResilience(cfg, log, nil)
	if err != nil {
		h.t.Fatal(err)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	hc := &http.Client{Timeout: 30 * time.Second, Transport: tr}
	up, err := gateway.SandboxUpstreams(h.stack, hc, log, res.Option())
	if err != nil {
		h.t.Fatal(err)
	}
	srv := httptest.NewServer(gateway.New(gateway.Options{Upstreams: up, Logger: log, RequestBudget: cfg.RequestBudget}))
	h.t.Cleanup(func() {
		srv.Close()
		tr.CloseIdleConnections()
	})
	return srv.URL, res
}

// upPolicy is an upstream policy for tests: no breaker unless failures > 0.
func upPolicy(timeout time.Duration, maxConcurrent, retries, failures int, cooldown time.Duration) config.UpstreamPolicy {
	return config.UpstreamPolicy{Timeout: timeout, MaxConcurrent: maxConcurrent, Retries: retries,
		BreakerFailures: failures, BreakerCooldown: cooldown}
}

// calmPolicy is a policy that stays out of the way of a test about another upstream.
var calmPolicy = upPolicy(5*time.Second, 0, 2, 0, 0)

// gqlPost sends one GraphQL request under ctx.
func gqlPost(ctx context.Context, url, query string, vars map[string]any) (gqlResponse, error) {
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url+"/graphql", bytes.NewReader(body))
	if err != nil {
		return gqlResponse{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return gqlResponse{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return gqlResponse{}, err
	}
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		return gqlResponse{}, fmt.Errorf("response is not JSON (%d): %s", resp.StatusCode, raw)
	}
	out.Status = resp.StatusCode
	return out, nil
}

func injectFaults(t testing.TB, s *sim.Server, f sim.Faults) {
	t.Helper()
	if err := s.SetFaults(f); err != nil {
		t.Fatal(err)
	}
}

// waitUntil polls cond every few milliseconds for up to 5 s.
func waitUntil(t testing.TB, what string, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !cond(); {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// percentile99 is the 99th percentile of d (the maximum below 100 samples).
func percentile99(d []time.Duration) time.Duration {
	s := slices.Clone(d)
	slices.Sort(s)
	return s[(len(s)*99+99)/100-1]
}

const categoriesQuery = `{ customers(first: 50) { nodes { number category { name } groups { key } } } }`

type categoriesData struct {
	Customers struct {
		Nodes []struct {
			Number   string
			Category *struct{ Name string }
			Groups   []struct{ Key string }
		}
	}
}

// TestNetSuiteDown: with NetSuite down, every customer comes back with category null and the
// request carries one error for the failed batch, naming NetSuite; after a few failed batches
// the breaker opens and NetSuite is asked only by one probe per cool-down; every answer arrives
// within the budget. When NetSuite is back, the breaker's probe closes it and categories return.
func TestNetSuiteDown(t *testing.T) {
	t.Parallel()
	const budget, cooldown = 5 * time.Second, time.Second
	h := newHarness(t, harnessOptions{seed: seedOptions(50)})
	url, res := h.resilientGateway(config.Resilience{RequestBudget: budget,
		NetSuite: upPolicy(500*time.Millisecond, 5, 2, 6, cooldown), Commercetools: calmPolicy, Sales: calmPolicy})
	ns := h.stack.NetSuite.Server()
	if r, err := gqlPost(t.Context(), url, categoriesQuery, nil); err != nil || len(r.Errors) > 0 {
		t.Fatalf("warm-up: %v %+v", err, r.Errors)
	}
	h.resetCounts()
	injectFaults(t, ns, sim.Faults{Down: true})

	var took []time.Duration
	var opened time.Time
	for i := range 20 {
		start := time.Now()
		r, err := gqlPost(t.Context(), url, categoriesQuery, nil)
		took = append(took, time.Since(start))
		if err != nil {
			t.Fatal(err)
		}
		var d categoriesData
		if err := json.Unmarshal(r.Data, &d); err != nil || len(d.Customers.Nodes) != 50 {
			t.Fatalf("query %d: %v %s", i, err, r.Data)
		}
		for _, c := range d.Customers.Nodes {
			if c.Category != nil || len(c.Groups) == 0 {
				t.Fatalf("query %d: %s has category %+v, groups %v", i, c.Number, c.Category, c.Groups)
			}
		}
		if len(r.Errors) != 1 {
			t.Fatalf("query %d: want one error for the failed batch, got %d: %+v", i, len(r.Errors), r.Errors)
		}
		e := r.Errors[0]
		wantCode := "" // the first two queries exhaust their retries, then the breaker answers
		if i >= 2 {
			wantCode = rest.CodeCircuitOpen
		}
		if e.Extensions["code"] != "UPSTREAM_UNAVAILABLE" || e.Extensions["upstream"] != "netsuite" ||
			e.Extensions["affectedFields"] != float64(50) || len(e.Path) != 4 || e.Path[3] != "category" ||
			(wantCode != "" && e.Extensions["upstreamCode"] != wantCode) {
			t.Fatalf("query %d: error %+v", i, e)
		}
		if i == 1 {
			opened = time.Now()
			if got := h.requests()["netsuite"]; got != 6 || res.NetSuite.Policy.State() != rest.BreakerOpen {
				t.Fatalf("NetSuite saw %d requests, breaker %s; want 6 (two queries of three attempts) and open",
					got, res.NetSuite.Policy.State())
			}
		}
	}
	// While open, NetSuite sees nothing but one probe per cool-down (each failing, re-opening).
	if probes, most := h.requests()["netsuite"]-6, int64(time.Since(opened)/cooldown)+1; probes > most {
		t.Fatalf("%d requests reached NetSuite in %v of open breaker, want at most %d probes", probes, time.Since(opened), most)
	}
	if p := percentile99(took); p >= budget {
		t.Fatalf("p99 %v is not under the budget %v", p, budget)
	}

	injectFaults(t, ns, sim.Faults{})
	waitUntil(t, "the breaker to let a probe through", func() bool { return res.NetSuite.Policy.State() == rest.BreakerHalfOpen })
	var d categoriesData
	r, err := gqlPost(t.Context(), url, categoriesQuery, nil)
	if err != nil || len(r.Errors) > 0 || json.Unmarshal(r.Data, &d) != nil {
		t.Fatalf("after recovery: %v %+v", err, r.Errors)
	}
	withCategory := 0
	for _, c := range d.Customers.Nodes {
		if c.Category != nil {
			withCategory++
		}
	}
	if withCategory == 0 || res.NetSuite.Policy.State() != rest.BreakerClosed {
		t.Fatalf("after recovery: %d customers with a category, breaker %s", withCategory, res.NetSuite.Policy.State())
	}
}

// TestOtherUpstreamsDownKeepTheRest: a failing commercetools nulls only the customers' groups,
// and a failing sales API only the categories' customer lists; each failed batch is one error
// naming its upstream, and everything else is returned. (The categories' customer lists are
// loaded when each category's members arrive: under load they may fall into more than one
// dataloader window, hence more than one failed batch.)
func TestOtherUpstreamsDownKeepTheRest(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		down, query string
		wantPath    []any
		maxErrors   int
		keep        string // data that must still be there
		nulled      string // how the failed field reads
	}{
		{"commercetools", `{ customers(first: 10) { nodes { number category { name } groups { key } } } }`,
			[]any{"customers", "nodes", "*", "groups"}, 1, `"category":{"name"`, `"groups":null`},
		{"sales", `{ customerCategories(first: 5) { nodes { name customers(first: 3) { nodes { number } } } } }`,
			[]any{"customerCategories", "nodes", "*", "customers"}, 5, `"name":"`, `"customers":null`},
	} {
		t.Run(tc.down, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{seed: seedOptions(20)})
			url, _ := h.resilientGateway(config.Resilience{RequestBudget: 5 * time.Second,
				NetSuite: calmPolicy, Commercetools: calmPolicy, Sales: calmPolicy})
			injectFaults(t, h.stack.Servers()[tc.down], sim.Faults{Down: true})
			r, err := gqlPost(t.Context(), url, tc.query, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(r.Errors) == 0 || len(r.Errors) > tc.maxErrors {
				t.Fatalf("want 1 to %d errors, got %+v", tc.maxErrors, r.Errors)
			}
			for _, e := range r.Errors {
				if len(e.Path) == 4 {
					e.Path[2] = "*"
				}
				if e.Extensions["upstream"] != tc.down || e.Extensions["code"] != "UPSTREAM_UNAVAILABLE" ||
					fmt.Sprint(e.Path) != fmt.Sprint(tc.wantPath) {
					t.Fatalf("error %+v", e)
				}
			}
			if !bytes.Contains(r.Data, []byte(tc.keep)) || !bytes.Contains(r.Data, []byte(tc.nulled)) {
				t.Fatalf("data %s", r.Data)
			}
		})
	}
}

// TestHangingUpstreamBoundedByBudget: a NetSuite that accepts requests and never answers costs
// each request its budget, not more: the fields that need NetSuite fail with a timeout naming
// it, the rest is returned, and NetSuite sees its calls cancelled. Not parallel: it checks answer
// times against the budget, which a starved CPU would blur.
func TestHangingUpstreamBoundedByBudget(t *testing.T) {
	const budget = 3 * time.Second
	h := newHarness(t, harnessOptions{seed: seedOptions(20)})
	url, _ := h.resilientGateway(config.Resilience{RequestBudget: budget,
		NetSuite: upPolicy(0, 0, 2, 0, 0), Commercetools: calmPolicy, Sales: calmPolicy})
	ns := h.stack.NetSuite.Server()
	if r, err := gqlPost(t.Context(), url, categoriesQuery, nil); err != nil || len(r.Errors) > 0 {
		t.Fatalf("warm-up: %v %+v", err, r.Errors)
	}
	injectFaults(t, ns, sim.Faults{LatencyMS: 60_000})

	took := make([]time.Duration, 10)
	errs := make([]error, len(took))
	var wg sync.WaitGroup
	for i := range took {
		wg.Go(func() {
			start := time.Now()
			r, err := gqlPost(t.Context(), url, categoriesQuery, nil)
			took[i] = time.Since(start)
			switch {
			case err != nil:
				errs[i] = err
			case len(r.Errors) != 1 || r.Errors[0].Extensions["upstream"] != "netsuite" ||
				r.Errors[0].Extensions["code"] != "UPSTREAM_UNAVAILABLE":
				errs[i] = fmt.Errorf("errors %+v", r.Errors)
			case !bytes.Contains(r.Data, []byte(`"groups":[{"key"`)):
				errs[i] = fmt.Errorf("data from the other upstreams is missing: %s", r.Data)
			}
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if p := percentile99(took); p >= budget {
		t.Fatalf("p99 %v is not under the budget %v", p, budget)
	}
	waitUntil(t, "NetSuite to see the calls cancelled", func() bool { return ns.Stats().Cancelled >= 10 })
}

// TestRateLimitedRetryAfter: commercetools answers 429 with Retry-After: 1; the gateway waits the
// second and retries, and the query succeeds within the budget.
func TestRateLimitedRetryAfter(t *testing.T) {
	t.Parallel()
	const budget = 3 * time.Second
	h := newHarness(t, harnessOptions{seed: seedOptions(20)})
	url, _ := h.resilientGateway(config.Resilience{RequestBudget: budget,
		NetSuite: calmPolicy, Commercetools: upPolicy(time.Second, 5, 2, 10, time.Second), Sales: calmPolicy})
	ct := h.stack.Commercetools.Server()
	if r, err := gqlPost(t.Context(), url, categoriesQuery, nil); err != nil || len(r.Errors) > 0 {
		t.Fatalf("warm-up: %v %+v", err, r.Errors)
	}
	h.resetCounts()
	injectFaults(t, ct, sim.Faults{ErrorRate: 1, ErrorStatus: http.StatusTooManyRequests, RetryAfterS: 1})

	type result struct {
		r    gqlResponse
		err  error
		took time.Duration
	}
	done := make(chan result, 1)
	go func() {
		start := time.Now()
		r, err := gqlPost(t.Context(), url, categoriesQuery, nil)
		done <- result{r, err, time.Since(start)}
	}()
	waitUntil(t, "commercetools to refuse the first call", func() bool { return ct.Stats().Requests >= 1 })
	injectFaults(t, ct, sim.Faults{})
	got := <-done
	if got.err != nil || len(got.r.Errors) > 0 || !bytes.Contains(got.r.Data, []byte(`"groups":[{"key"`)) {
		t.Fatalf("%v %+v %s", got.err, got.r.Errors, got.r.Data)
	}
	if got.took < time.Second || got.took >= budget {
		t.Fatalf("answered after %v: want after the 1 s Retry-After and within the %v budget", got.took, budget)
	}
	if n := h.requests()["commercetools"]; n != 2 {
		t.Fatalf("commercetools saw %d requests, want the refused one and its retry", n)
	}
}

// TestBurstAgainstConcurrencyLimit: 200 concurrent queries against simulators that refuse more
// than 5 requests at once. With the gateway's limit at 5 the surplus queues: no client sees an
// error and no upstream call was refused (no retries: one call per upstream per query). The
// control run without the limit shows the simulators do refuse. Not parallel: a burst this size
// would starve the tests that check answer times against their budget.
func TestBurstAgainstConcurrencyLimit(t *testing.T) {
	query := `{ customers(first: 2) { nodes { number category { name } groups { key } } } }`
	for _, tc := range []struct {
		name          string
		maxConcurrent int
		queries       int64
	}{
		{"gateway limit 5 queues", 5, 200},
		{"control: no gateway limit", 0, 60},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, harnessOptions{seed: seedOptions(20)})
			p := upPolicy(5*time.Second, tc.maxConcurrent, 0, 0, 0)
			url, _ := h.resilientGateway(config.Resilience{RequestBudget: 20 * time.Second, NetSuite: p, Commercetools: p, Sales: p})
			if r, err := gqlPost(t.Context(), url, query, nil); err != nil || len(r.Errors) > 0 {
				t.Fatalf("warm-up: %v %+v", err, r.Errors)
			}
			h.resetCounts()
			for _, s := range h.stack.Servers() {
				injectFaults(t, s, sim.Faults{MaxConcurrent: 5, LatencyMS: 5})
			}
			var mu sync.Mutex
			codes := map[string]int{}
			var wg sync.WaitGroup
			for range tc.queries {
				wg.Go(func() {
					r, err := gqlPost(t.Context(), url, query, nil)
					mu.Lock()
					defer mu.Unlock()
					if err != nil {
						codes[err.Error()]++
					}
					for _, e := range r.Errors {
						codes[fmt.Sprint(e.Extensions["code"])]++
					}
				})
			}
			wg.Wait()
			counts := h.requests()
			if tc.maxConcurrent == 0 {
				if codes["UPSTREAM_RATE_LIMITED"] == 0 {
					t.Fatalf("control run saw no refusal (errors %v): the test proves nothing", codes)
				}
				return
			}
			if len(codes) > 0 {
				t.Fatalf("clients saw errors: %v", codes)
			}
			for name, n := range counts {
				if n != tc.queries {
					t.Errorf("%s saw %d requests, want %d: some were refused and retried", name, n, tc.queries)
				}
			}
		})
	}
}

// TestSalesFlakyReadsSucceed: with 30% of sales requests failing with 503, reads succeed through
// retries. The simulator's fault draws are seeded and the queries sequential, so the outcome is
// the same on every run.
func TestSalesFlakyReadsSucceed(t *testing.T) {
	t.Parallel()
	const queries = 40
	h := newHarness(t, harnessOptions{seed: seedOptions(20)})
	url, _ := h.resilientGateway(config.Resilience{RequestBudget: 5 * time.Second,
		NetSuite: calmPolicy, Commercetools: calmPolicy, Sales: upPolicy(time.Second, 32, 4, 10, time.Second)})
	injectFaults(t, h.stack.Sales.Server(), sim.Faults{ErrorRate: 0.3})
	for i := range queries {
		r, err := gqlPost(t.Context(), url, `{ customers(first: 5) { nodes { number name } } }`, nil)
		if err != nil || len(r.Errors) > 0 {
			t.Fatalf("query %d: %v %+v", i, err, r.Errors)
		}
	}
	if n := h.requests()["sales"]; n <= queries {
		t.Fatalf("sales saw %d requests for %d queries: no 503 was retried", n, queries)
	}
}

// TestWritesUnderFaults: through the GraphQL API, an update without an idempotency key is sent
// once even when the sales API fails; with a key it is retried, and repeating the mutation with
// the same key is applied once (the simulator replays the first answer). The client-level proof
// that a lost answer is replayed, not re-applied, is sales.TestContractIdempotentRetry.
func TestWritesUnderFaults(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{seed: seedOptions(5)})
	url, _ := h.resilientGateway(config.Resilience{RequestBudget: 5 * time.Second,
		NetSuite: calmPolicy, Commercetools: calmPolicy, Sales: upPolicy(time.Second, 32, 2, 0, 0)})
	var d struct {
		Customers struct{ Nodes []struct{ ID string } }
	}
	h.data(`{ customers(first: 1) { nodes { id } } }`, nil, &d)
	id := d.Customers.Nodes[0].ID
	const mutation = `mutation($id: ID!, $key: String) { updateCustomer(id: $id, input: {note: "resilient"}, idempotencyKey: $key) { note } }`
	sales := h.stack.Sales.Server()
	patches := func() int64 { return sales.Stats().Routes["PATCH /v1/sales/customers/{id}"] }

	injectFaults(t, sales, sim.Faults{Down: true})
	h.resetCounts()
	if r, _ := gqlPost(t.Context(), url, mutation, map[string]any{"id": id}); errorCode(t, r) != "UPSTREAM_UNAVAILABLE" {
		t.Fatalf("%+v", r.Errors)
	}
	if n := patches(); n != 1 {
		t.Fatalf("a PATCH without key was sent %d times", n)
	}
	h.resetCounts()
	if r, _ := gqlPost(t.Context(), url, mutation, map[string]any{"id": id, "key": "e2e-op-1"}); errorCode(t, r) != "UPSTREAM_UNAVAILABLE" {
		t.Fatalf("%+v", r.Errors)
	}
	if n := patches(); n != 3 || h.stack.Sales.Writes() != 0 {
		t.Fatalf("a keyed PATCH was sent %d times (want 3) and applied %d times (want 0)", n, h.stack.Sales.Writes())
	}

	injectFaults(t, sales, sim.Faults{})
	for range 3 {
		r, err := gqlPost(t.Context(), url, mutation, map[string]any{"id": id, "key": "e2e-op-1"})
		if err != nil || len(r.Errors) > 0 || !bytes.Contains(r.Data, []byte(`"resilient"`)) {
			t.Fatalf("%v %+v %s", err, r.Errors, r.Data)
		}
	}
	if w := h.stack.Sales.Writes(); w != 1 {
		t.Fatalf("the same keyed update was applied %d times", w)
	}
}

// TestClientDisconnectCancelsUpstreamCalls: a caller that goes away while NetSuite is slow
// cancels the gateway's NetSuite call (the simulator sees its request context end) and no
// further call (retry, next level) is made for it.
func TestClientDisconnectCancelsUpstreamCalls(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{seed: seedOptions(5)})
	url, _ := h.resilientGateway(config.Resilience{RequestBudget: 30 * time.Second,
		NetSuite: upPolicy(20*time.Second, 5, 2, 10, time.Second), Commercetools: calmPolicy, Sales: calmPolicy})
	if r, err := gqlPost(t.Context(), url, categoriesQuery, nil); err != nil || len(r.Errors) > 0 {
		t.Fatalf("warm-up: %v %+v", err, r.Errors)
	}
	ns := h.stack.NetSuite.Server()
	injectFaults(t, ns, sim.Faults{LatencyMS: 10_000})
	h.resetCounts()

	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() {
		_, err := gqlPost(ctx, url, categoriesQuery, nil)
		done <- err
	}()
	waitUntil(t, "the NetSuite call", func() bool { return ns.Stats().Requests >= 1 })
	cancel()
	if err := <-done; err == nil {
		t.Fatal("the cancelled client got an answer")
	}
	waitUntil(t, "NetSuite to see its request cancelled", func() bool { return ns.Stats().Cancelled == 1 })
	time.Sleep(100 * time.Millisecond) // room for a retry, if one were (wrongly) made
	if n := ns.Stats().Requests; n != 1 {
		t.Fatalf("NetSuite saw %d requests after the caller left, want 1", n)
	}
}

// BenchmarkSalesFlaky measures what 30% random 503s on the sales API cost a read: the share of
// queries that still succeed (success-%) and the time per query, against the same queries with
// no faults. Sales answers after 20 ms, like a nearby SaaS API; retries back off 50 ms, then
// 75 ms (±50% jitter).
//
//	go test ./e2e/ -run '^$' -bench BenchmarkSalesFlaky -benchtime 200x
func BenchmarkSalesFlaky(b *testing.B) {
	for _, bc := range []struct {
		name      string
		errorRate float64
		retries   int
	}{
		{"no faults", 0, 2},
		{"30% 503, 2 retries (default)", 0.3, 2},
		{"30% 503, 4 retries", 0.3, 4},
	} {
		b.Run(bc.name, func(b *testing.B) {
			h := newHarness(b, harnessOptions{seed: seedOptions(20), latency: 20 * time.Millisecond})
			url, _ := h.resilientGateway(config.Resilience{RequestBudget: 10 * time.Second,
				NetSuite: calmPolicy, Commercetools: calmPolicy, Sales: upPolicy(3*time.Second, 32, bc.retries, 0, 0)})
			injectFaults(b, h.stack.Sales.Server(), sim.Faults{ErrorRate: bc.errorRate})
			ok, total := 0, 0
			for b.Loop() {
				r, err := gqlPost(b.Context(), url, `{ customers(first: 20) { nodes { number name } } }`, nil)
				total++
				if err == nil && len(r.Errors) == 0 {
					ok++
				}
			}
			b.ReportMetric(100*float64(ok)/float64(total), "success-%")
			b.ReportMetric(float64(h.requests()["sales"])/float64(total), "sales-calls/op")
		})
	}
}
