package commercetools_test

import (
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"custgraph/upstream/commercetools"
	"custgraph/upstream/commercetools/sandbox"
	"custgraph/upstream/rest"
	"custgraph/upstream/seed"
)

// env is one simulator behind a real socket and a client pointed at it.
type env struct {
	sim    *sandbox.Simulator
	srv    *httptest.Server
	client *commercetools.Client
	data   seed.Dataset

	mu   sync.Mutex
	urls []string // request URLs seen, for URL-length checks
}

type setupOpts struct {
	seed   seed.Options
	scopes []string
	mutate func(*commercetools.Config)
}

// fastRetry keeps retry tests quick while still honouring a 1 s Retry-After.
var fastRetry = rest.RetryPolicy{MaxAttempts: 3, BaseDelay: 5 * time.Millisecond, MaxDelay: 2 * time.Second}

func setup(t *testing.T, o setupOpts) *env {
	t.Helper()
	if o.seed == (seed.Options{}) {
		o.seed = seed.Options{Customers: 40, Groups: 30}
	}
	e := &env{data: seed.Generate(o.seed)}
	e.sim = sandbox.New(sandbox.Options{Seed: e.data})
	// The wrapper only records URLs; the simulator answers.
	e.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e.mu.Lock()
		e.urls = append(e.urls, "http://"+r.Host+r.RequestURI)
		e.mu.Unlock()
		e.sim.ServeHTTP(w, r)
	}))
	tr := &http.Transport{}
	t.Cleanup(func() {
		e.srv.Close()
		tr.CloseIdleConnections()
	})
	cfg := sandbox.ClientConfig(e.srv.URL)
	cfg.HTTPClient = &http.Client{Transport: tr, Timeout: 10 * time.Second}
	cfg.Retry = &fastRetry
	cfg.Scopes = o.scopes
	if o.mutate != nil {
		o.mutate(&cfg)
	}
	c, err := commercetools.New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	e.client = c
	return e
}

func (e *env) seenURLs() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.urls...)
}

// route counts requests to a simulator route pattern since the last reset.
func (e *env) route(pattern string) int64 { return e.sim.Server().Stats().Routes[pattern] }

const (
	routeToken   = "POST /oauth/token"
	routeQueryG  = "GET /{projectKey}/customer-groups"
	routeGetG    = "GET /{projectKey}/customer-groups/{ref}"
	routeUpdateG = "POST /{projectKey}/customer-groups/{ref}"
	routeQueryC  = "GET /{projectKey}/customers"
)
