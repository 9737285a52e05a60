package e2e

import (
	"io"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"custgraph/auth"
	"custgraph/auth/authtest"
	"custgraph/config"
	"custgraph/gateway"
	"custgraph/graph"
	"custgraph/ratelimit"
)

const customersQuery = `{ customers(first: 3) { nodes { number category { name } groups { key } } } }`

// TestAuthenticationOverTheSimulators: without valid credentials the gateway answers 401 with
// a GraphQL error, a WWW-Authenticate challenge and no data, and asks no upstream anything.
func TestAuthenticationOverTheSimulators(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	is := authtest.NewIssuer(t)
	url := h.gatewayWith(func(o *gateway.Options) {
		o.Security = gateway.Security{Auth: newAuth(t, is, scopeRead, nil)}
	})
	claims := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := authtest.Claims("alice", scopeRead)
		if mod != nil {
			mod(c)
		}
		return c
	}
	past := time.Now().Add(-2 * time.Hour).Unix()
	tests := []struct {
		name   string
		hdr    map[string]string
		reason string // "" = accepted
	}{
		{"valid token", bearer(is.Token(t, claims(nil))), ""},
		{"valid API key", apiKey(serviceKey), ""},
		{"no credential", nil, "missing"},
		{"expired token", bearer(is.Token(t, claims(func(c jwt.MapClaims) { c["exp"], c["iat"], c["nbf"] = past+3600, past, past }))), "expired"},
		{"wrong audience", bearer(is.Token(t, claims(func(c jwt.MapClaims) { c["aud"] = "https://someone-else/" }))), "audience"},
		{"wrong issuer", bearer(is.Token(t, claims(func(c jwt.MapClaims) { c["iss"] = "https://evil.example/" }))), "issuer"},
		{"bad signature", bearer(authtest.SignWith(t, is.Impostor(t), claims(nil))), "signature"},
		{"unknown key", bearer(authtest.SignWith(t, is.UnpublishedKey(t), claims(nil))), "unknown_key"},
		{"bad API key", apiKey("cg_guess"), "api_key"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// Not parallel: each case counts the upstream requests it caused.
			h.resetCounts()
			r := post(t, url, customersQuery, nil, tc.hdr)
			if tc.reason == "" {
				if r.Status != 200 || len(r.Errors) > 0 || !strings.Contains(string(r.Data), "C-1001") {
					t.Fatalf("accepted credential: %d %s", r.Status, r.Body)
				}
				return
			}
			if r.Status != http.StatusUnauthorized || r.code() != auth.CodeUnauthenticated || r.Errors[0].Extensions["reason"] != tc.reason {
				t.Fatalf("want 401 %s (%s), got %d %s", auth.CodeUnauthenticated, tc.reason, r.Status, r.Body)
			}
			if r.Data != nil && string(r.Data) != "null" {
				t.Errorf("data in a 401: %s", r.Data)
			}
			if ch := r.Header.Values("WWW-Authenticate"); len(ch) == 0 || !strings.HasPrefix(ch[0], "Bearer ") {
				t.Errorf("WWW-Authenticate: %q", ch)
			}
			if got := h.requests(); total(got) != 0 {
				t.Errorf("a rejected request reached the upstreams: %v", got)
			}
		})
	}
	// The open gateway of the same harness still answers without credentials: authentication
	// is an option of the handler, and sandbox mode is open.
	if r := post(t, h.url, customersQuery, nil, nil); r.Status != 200 || len(r.Errors) > 0 {
		t.Errorf("open gateway: %d %s", r.Status, r.Body)
	}
}

// mutationCalls is one call of every mutation, with valid arguments for the harness's seed.
func mutationCalls(cust, cats, grps []string) map[string]string {
	c, cat, g := strconv.Quote(cust[0]), strconv.Quote(cats[1]), strconv.Quote(grps[1])
	return map[string]string{
		"updateCustomer":         `updateCustomer(id: ` + c + `, input: {note: "scoped"}) { id }`,
		"assignCustomerCategory": `assignCustomerCategory(customerId: ` + c + `, categoryId: ` + cat + `) { id }`,
		"setCustomerGroups":      `setCustomerGroups(customerId: ` + c + `, groupIds: [` + g + `]) { id }`,
		"createCustomerCategory": `createCustomerCategory(input: {name: "Scoped Category"}) { id }`,
		"updateCustomerCategory": `updateCustomerCategory(id: ` + cat + `, input: {name: "Scoped Rename"}) { id }`,
		"deleteCustomerCategory": `deleteCustomerCategory(id: ` + cat + `) { deletedId }`,
		"createCustomerGroup":    `createCustomerGroup(input: {name: "Scoped Group"}) { id }`,
		"updateCustomerGroup":    `updateCustomerGroup(id: ` + g + `, version: 1, input: {name: "Scoped Group Rename"}) { id }`,
		"deleteCustomerGroup":    `deleteCustomerGroup(id: ` + g + `, version: 1) { id }`,
	}
}

// TestMutationScopes: every mutation without its scope is FORBIDDEN and reaches no upstream;
// with the scope it goes through to its upstream. A query without the read scope is refused
// the same way.
func TestMutationScopes(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{seed: seedOptions(20)})
	cust, cats, grps := h.ids()
	is := authtest.NewIssuer(t)
	url := h.gatewayWith(func(o *gateway.Options) {
		o.Security = gateway.Security{Auth: newAuth(t, is, scopeRead, nil)}
	})
	all := []string{scopeRead, scopeCustomersWrite, scopeCatalogWrite}
	without := func(drop string) []string {
		var out []string
		for _, s := range all {
			if s != drop {
				out = append(out, s)
			}
		}
		return out
	}
	calls := mutationCalls(cust, cats, grps)
	for field, need := range gateway.MutationScopes() {
		call, ok := calls[field]
		if !ok {
			t.Errorf("no test call for mutation %s", field)
			continue
		}
		t.Run(field, func(t *testing.T) {
			for _, c := range []struct {
				who    string
				hdr    map[string]string
				scopes []string
			}{
				{"read-only token", nil, []string{scopeRead}},
				{"token lacking " + need, nil, without(need)},
				{"read-only API key", apiKey(serviceKey), nil},
				{"write scopes without read", nil, []string{scopeCustomersWrite, scopeCatalogWrite}},
			} {
				hdr := c.hdr
				if hdr == nil {
					hdr = bearer(is.Token(t, authtest.Claims("writer", c.scopes...)))
				}
				h.resetCounts()
				for _, q := range []string{"mutation { " + call + " }", "mutation { ...M } fragment M on Mutation { " + call + " }"} {
					r := post(t, url, q, nil, hdr)
					if r.code() != auth.CodeForbidden || (r.Data != nil && string(r.Data) != "null") {
						t.Errorf("%s: %s: want FORBIDDEN and no data, got %d %s", c.who, q, r.Status, r.Body)
					}
				}
				if got := h.requests(); total(got) != 0 {
					t.Errorf("%s: a forbidden mutation reached the upstreams: %v", c.who, got)
				}
			}
			// With the scope the mutation runs (its outcome is the upstream's business).
			h.resetCounts()
			r := post(t, url, "mutation { "+call+" }", nil, bearer(is.Token(t, authtest.Claims("writer", scopeRead, need))))
			if r.code() == auth.CodeForbidden || total(h.requests()) == 0 {
				t.Errorf("with %s: %d %s, upstream requests %v", need, r.Status, r.Body, h.requests())
			}
		})
	}

	h.resetCounts()
	r := post(t, url, customersQuery, nil, bearer(is.Token(t, authtest.Claims("writer", scopeCustomersWrite, scopeCatalogWrite))))
	if r.code() != auth.CodeForbidden || r.Errors[0].Extensions["requiredScope"] != scopeRead || total(h.requests()) != 0 {
		t.Errorf("query without %s: %s, upstream requests %v", scopeRead, r.Body, h.requests())
	}
}

// TestEveryMutationHasAScope: a mutation added to the schema without a scope in the policy
// would be refused to everyone; this names it.
func TestEveryMutationHasAScope(t *testing.T) {
	t.Parallel()
	scopes := gateway.MutationScopes()
	schema := graph.NewExecutableSchema(graph.Config{}).Schema()
	for _, f := range schema.Mutation.Fields {
		if strings.HasPrefix(f.Name, "__") {
			continue
		}
		if scopes[f.Name] == "" {
			t.Errorf("mutation %s has no scope in gateway.Security.policy", f.Name)
		}
	}
}

// TestIntrospectionAndPlaygroundSwitches: CUSTGRAPH_INTROSPECTION=false refuses __schema and
// __type (not __typename); CUSTGRAPH_PLAYGROUND=false serves no page at /. The page, when on,
// carries the security headers.
func TestIntrospectionAndPlaygroundSwitches(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{seed: seedOptions(10)})
	for _, on := range []bool{true, false} {
		cfg, err := config.Load(nil, func(k string) string {
			if k == "CUSTGRAPH_INTROSPECTION" || k == "CUSTGRAPH_PLAYGROUND" {
				return strconv.FormatBool(on)
			}
			return ""
		})
		if err != nil {
			t.Fatal(err)
		}
		url := h.gatewayWith(func(o *gateway.Options) { o.Introspection, o.Playground = cfg.Introspection, cfg.Playground })
		for _, q := range []string{`{ __schema { queryType { name } } }`, `{ __type(name: "Customer") { name } }`} {
			r := post(t, url, q, nil, nil)
			if got := len(r.Errors) == 0 && strings.Contains(string(r.Data), "name"); got != on {
				t.Errorf("introspection %v: %s answered %d %s", on, q, r.Status, r.Body)
			}
		}
		if r := post(t, url, `{ __typename }`, nil, nil); len(r.Errors) > 0 {
			t.Errorf("introspection %v: __typename refused: %s", on, r.Body)
		}
		resp, err := http.Get(url + "/")
		if err != nil {
			t.Fatal(err)
		}
		page, _ := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if (resp.StatusCode == 200) != on {
			t.Errorf("playground %v: GET / answered %d", on, resp.StatusCode)
		}
		if on {
			hd := resp.Header
			csp := strings.Join(hd.Values("Content-Security-Policy"), "; ")
			if hd.Get("X-Content-Type-Options") != "nosniff" || !strings.Contains(csp, "frame-ancestors 'none'") ||
				hd.Get("Referrer-Policy") == "" || !strings.Contains(string(page), "graphql") {
				t.Errorf("playground headers: %v", hd)
			}
		}
	}
}

// TestRateLimitPerCaller: each caller has its own bucket (token subject, API key, or IP when the
// gateway is open); a request over it gets 429 with Retry-After and RATE_LIMITED and reaches no
// upstream. Replicas over one Redis share a caller's bucket.
func TestRateLimitPerCaller(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{seed: seedOptions(10)})
	is := authtest.NewIssuer(t)
	rc := testRedisClient(t, "127.0.0.1:6379")
	ns := uniqueNamespace()
	limiter := func(redisBacked bool) *ratelimit.Limiter {
		o := ratelimit.Options{Rate: 1, Burst: 2, Namespace: ns}
		if redisBacked {
			o.Redis = rc
		}
		l, err := ratelimit.New(o)
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	authn := newAuth(t, is, scopeRead, nil)
	secured := func(l *ratelimit.Limiter) string {
		return h.gatewayWith(func(o *gateway.Options) { o.Security = gateway.Security{Auth: authn, RateLimit: l} })
	}
	open := h.gatewayWith(func(o *gateway.Options) { o.Security = gateway.Security{RateLimit: limiter(false)} })
	memory := secured(limiter(false))
	replica1, replica2 := secured(limiter(true)), secured(limiter(true))

	alice := bearer(is.Token(t, authtest.Claims("alice", scopeRead)))
	aliceAgain := bearer(is.Token(t, authtest.Claims("alice", scopeRead))) // another token, same caller
	bob := bearer(is.Token(t, authtest.Claims("bob", scopeRead)))
	tests := []struct {
		name     string
		requests []struct {
			url string
			hdr map[string]string
		}
	}{
		{"token subject", []struct {
			url string
			hdr map[string]string
		}{{memory, alice}, {memory, aliceAgain}, {memory, alice}}},
		{"API key", []struct {
			url string
			hdr map[string]string
		}{{memory, apiKey(serviceKey)}, {memory, apiKey(serviceKey)}, {memory, apiKey(serviceKey)}}},
		{"IP when open", []struct {
			url string
			hdr map[string]string
		}{{open, nil}, {open, nil}, {open, nil}}},
		{"replicas share Redis", []struct {
			url string
			hdr map[string]string
		}{{replica1, alice}, {replica2, alice}, {replica1, alice}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for i, rq := range tc.requests[:2] {
				if r := post(t, rq.url, `{ __typename }`, nil, rq.hdr); r.Status != 200 {
					t.Fatalf("request %d within the burst: %d %s", i+1, r.Status, r.Body)
				}
			}
			h.resetCounts()
			last := tc.requests[2]
			r := post(t, last.url, customersQuery, nil, last.hdr)
			ra, _ := strconv.Atoi(r.Header.Get("Retry-After"))
			if r.Status != http.StatusTooManyRequests || r.code() != ratelimit.CodeRateLimited || ra < 1 ||
				r.Errors[0].Extensions["retryAfterSeconds"] != float64(ra) {
				t.Fatalf("over the burst: %d Retry-After %q %s", r.Status, r.Header.Get("Retry-After"), r.Body)
			}
			if got := h.requests(); total(got) != 0 {
				t.Errorf("a rate-limited request reached the upstreams: %v", got)
			}
		})
	}
	// Bob's bucket is untouched by Alice's requests, on every replica.
	for _, u := range []string{memory, replica1} {
		if r := post(t, u, `{ __typename }`, nil, bob); r.Status != 200 {
			t.Errorf("another caller limited: %d %s", r.Status, r.Body)
		}
	}
}

// TestBodyLimit: a body over the limit is refused with 413 and a GraphQL error, whether its size
// is announced (Content-Length) or not (chunked); the default limit is 1 MiB.
func TestBodyLimit(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{seed: seedOptions(10)})
	cfg, err := config.Load(nil, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	const small = 4 << 10
	limited := h.gatewayWith(func(o *gateway.Options) { o.MaxBodyBytes = small })
	byDefault := h.gatewayWith(func(o *gateway.Options) { o.MaxBodyBytes = cfg.Security.MaxBodyBytes })
	padded := func(n int) []byte { // a body of n bytes: a tiny query and JSON whitespace
		b := `{"query": "{ __typename }"`
		return []byte(b + strings.Repeat(" ", n-len(b)-1) + `}`)
	}
	tests := []struct {
		name    string
		url     string
		body    []byte
		chunked bool
		want    int
	}{
		{"under the limit", limited, padded(small), false, 200},
		{"over the limit", limited, padded(small + 1), false, http.StatusRequestEntityTooLarge},
		{"over the limit, chunked", limited, padded(small + 1), true, http.StatusRequestEntityTooLarge},
		{"1 MiB by default", byDefault, padded(1 << 20), false, 200},
		{"over 1 MiB by default", byDefault, padded(1<<20 + 1), true, http.StatusRequestEntityTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var body io.Reader = strings.NewReader(string(tc.body))
			if tc.chunked {
				body = io.MultiReader(body) // hides the length: sent chunked
			}
			req, _ := http.NewRequest(http.MethodPost, tc.url+"/graphql", body)
			req.Header.Set("Content-Type", "application/json")
			r := send(t, req)
			if r.Status != tc.want {
				t.Fatalf("status %d, want %d: %.200s", r.Status, tc.want, r.Body)
			}
			if tc.want == 413 && (r.code() != gateway.CodeRequestTooLarge || r.Errors[0].Extensions["limitBytes"] == nil) {
				t.Errorf("413 without a GraphQL error: %s", r.Body)
			}
		})
	}
}
