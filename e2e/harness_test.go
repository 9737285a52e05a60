// Package e2e runs the gateway over the three simulators on real sockets and checks what a
// client sees: data, errors and the number of upstream requests.
package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"custgraph/cache"
	"custgraph/gateway"
	"custgraph/simstack"
	"custgraph/simstack/simstacktest"
	"custgraph/upstream/seed"
	"custgraph/upstream/sim"
)

type harness struct {
	t     testing.TB
	stack *simstack.Stack
	url   string
	seed  seed.Dataset
}

type harnessOptions struct {
	seed    seed.Options
	latency time.Duration
	cache   *cache.Cache // nil: no cache
}

func newHarness(t testing.TB, o harnessOptions) *harness {
	t.Helper()
	stack := simstacktest.Start(t, simstack.Options{Seed: o.seed, Latency: o.latency})
	audit.configure(stack)
	h := &harness{t: t, stack: stack, seed: seed.Generate(o.seed)}
	h.url = h.addGateway(o.cache)
	return h
}

// addGateway starts another gateway instance over the same simulators (a second replica when
// it shares c's store) and returns its URL.
func (h *harness) addGateway(c *cache.Cache) string {
	h.t.Helper()
	log := audit.logger()
	up, err := gateway.SandboxUpstreams(h.stack, audit.client(), log)
	if err != nil {
		h.t.Fatal(err)
	}
	srv := httptest.NewServer(gateway.New(gateway.Options{Upstreams: up, Logger: log, Playground: true,
		Introspection: true, Cache: c}))
	h.t.Cleanup(srv.Close)
	return srv.URL
}

type gqlError struct {
	Message    string         `json:"message"`
	Path       []any          `json:"path"`
	Extensions map[string]any `json:"extensions"`
}

type gqlResponse struct {
	Status int
	Data   json.RawMessage `json:"data"`
	Errors []gqlError      `json:"errors"`
}

// do posts a GraphQL request to the first gateway and decodes the response.
func (h *harness) do(query string, vars map[string]any) gqlResponse {
	h.t.Helper()
	return h.doAt(h.url, query, vars)
}

// doAt posts a GraphQL request to the gateway at url.
func (h *harness) doAt(url, query string, vars map[string]any) gqlResponse {
	h.t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	resp, err := http.Post(url+"/graphql", "application/json", bytes.NewReader(body))
	if err != nil {
		h.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out gqlResponse
	if err := json.Unmarshal(raw, &out); err != nil {
		h.t.Fatalf("response is not JSON (%d): %s", resp.StatusCode, raw)
	}
	out.Status = resp.StatusCode
	audit.response(raw, resp.Header)
	return out
}

// data runs a query that must succeed and decodes its data into v.
func (h *harness) data(query string, vars map[string]any, v any) {
	h.t.Helper()
	r := h.do(query, vars)
	if len(r.Errors) > 0 {
		h.t.Fatalf("unexpected errors: %+v", r.Errors)
	}
	if err := json.Unmarshal(r.Data, v); err != nil {
		h.t.Fatalf("decode data: %v: %s", err, r.Data)
	}
}

// requests returns each simulator's request count since the last reset, not counting token
// fetches (a client fetches a token once per hour, not per query), read from its /_sim/stats
// over HTTP as an operator would.
func (h *harness) requests() map[string]int64 {
	h.t.Helper()
	out := map[string]int64{}
	for name := range h.stack.Servers() {
		resp, err := http.Get(h.stack.URL + "/" + name + "/_sim/stats")
		if err != nil {
			h.t.Fatal(err)
		}
		var st sim.Stats
		err = json.NewDecoder(resp.Body).Decode(&st)
		resp.Body.Close()
		if err != nil {
			h.t.Fatalf("%s /_sim/stats: %v", name, err)
		}
		for route, n := range st.Routes {
			if isTokenRoute(route) {
				continue
			}
			out[name] += n
		}
	}
	return out
}

func isTokenRoute(route string) bool {
	return bytes.Contains([]byte(route), []byte("/token"))
}

// resetCounts zeroes the simulators' counters without touching their data.
func (h *harness) resetCounts() {
	for _, srv := range h.stack.Servers() {
		srv.ResetStats()
	}
}

// errorCode is the extensions.code of the only error of r.
func errorCode(t *testing.T, r gqlResponse) string {
	t.Helper()
	if len(r.Errors) != 1 {
		t.Fatalf("want exactly one error, got %+v", r.Errors)
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

func seedOptions(customers int) seed.Options { return seed.Options{Customers: customers} }

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
