package e2e

import (
	"bytes"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"custgraph/auth"
	"custgraph/auth/authtest"
	"custgraph/gateway"
	"custgraph/loaders"
)

// Scopes of the default policy.
const (
	scopeRead           = "customers:read"
	scopeCustomersWrite = "customers:write"
	scopeCatalogWrite   = "catalog:write"
)

// gatewayWith starts another gateway over the harness's simulators with the options mod
// changes (defaults: playground and introspection on, no cache, open) and returns its URL.
func (h *harness) gatewayWith(mod func(o *gateway.Options)) string {
	h.t.Helper()
	log := audit.logger()
	up, err := gateway.SandboxUpstreams(h.stack, audit.client(), log)
	if err != nil {
		h.t.Fatal(err)
	}
	o := gateway.Options{Upstreams: up, Logger: log, Playground: true, Introspection: true}
	if mod != nil {
		mod(&o)
	}
	srv := httptest.NewServer(gateway.New(o))
	h.t.Cleanup(srv.Close)
	return srv.URL
}

// sandboxUpstreams builds the three clients over the harness's simulators with httpClient and
// log, for tests that watch the wire or the log.
func (h *harness) sandboxUpstreams(httpClient *http.Client, log *slog.Logger) loaders.Upstreams {
	h.t.Helper()
	up, err := gateway.SandboxUpstreams(h.stack, httpClient, log)
	if err != nil {
		h.t.Fatal(err)
	}
	return up
}

// serviceKey is the plain API key of the "reporting" service caller in newAuth.
const serviceKey = "cg_e2e_reporting_3b1f0c7a9d2e4f6081726354"

// newAuth returns an authenticator trusting is (when not nil) and the "reporting" API key with
// the given scopes.
func newAuth(t testing.TB, is *authtest.Issuer, keyScopes string, log *slog.Logger) *auth.Authenticator {
	t.Helper()
	cfg := auth.Config{Logger: log}
	if is != nil {
		cfg.JWKSURL, cfg.Issuer, cfg.Audience = is.URL, authtest.IssuerURL, authtest.Audience
	}
	if keyScopes != "" {
		keys, err := auth.ParseAPIKeys("reporting=" + auth.HashAPIKey(serviceKey) + " " + keyScopes)
		if err != nil {
			t.Fatal(err)
		}
		cfg.APIKeys = keys
	}
	a, err := auth.New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

// rawResponse is an HTTP answer of the gateway.
type rawResponse struct {
	gqlResponse
	Header http.Header
	Body   string
}

// post sends a GraphQL request with extra headers.
func post(t testing.TB, url, query string, vars map[string]any, hdr map[string]string) rawResponse {
	t.Helper()
	body, _ := json.Marshal(map[string]any{"query": query, "variables": vars})
	return postBody(t, url+"/graphql", body, hdr)
}

func postBody(t testing.TB, url string, body []byte, hdr map[string]string) rawResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	return send(t, req)
}

func send(t testing.TB, req *http.Request) rawResponse {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := rawResponse{Header: resp.Header, Body: string(raw)}
	_ = json.Unmarshal(raw, &out.gqlResponse)
	out.Status = resp.StatusCode
	return out
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func apiKey(k string) map[string]string { return map[string]string{auth.APIKeyHeader: k} }

// code is the extensions.code of the first error, "" without errors.
func (r rawResponse) code() string {
	if len(r.Errors) == 0 {
		return ""
	}
	c, _ := r.Errors[0].Extensions["code"].(string)
	return c
}

// total is the number of upstream requests in counts.
func total(counts map[string]int64) int64 {
	return counts["netsuite"] + counts["commercetools"] + counts["sales"]
}

// lockedBuffer collects log output written from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
