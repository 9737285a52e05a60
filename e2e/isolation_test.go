package e2e

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"custgraph/auth/authtest"
	"custgraph/cache"
	"custgraph/gateway"
	"custgraph/upstream/sales"
	salessandbox "custgraph/upstream/sales/sandbox"
)

// redisEntries returns every key and value of namespace ns.
func redisEntries(t *testing.T, ns string) map[string]string {
	t.Helper()
	rc := testRedisClient(t, "127.0.0.1:6379")
	keys, err := rc.Keys(t.Context(), ns+":*").Result()
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, k := range keys {
		v, err := rc.Get(t.Context(), k).Result()
		if err == nil {
			out[k] = v
		}
	}
	return out
}

// TestTenantsOnOneRedisNeverShareEntries: two deployments (tenants) with their own upstreams
// share one Redis under different CUSTGRAPH_CACHE_NAMESPACE values. Tenant A's renamed
// records, cached by A, are never served to B, and B's reads fill B's own entries. The control
// at the end runs a B replica misconfigured with A's namespace: it does see A's data, so the
// namespace is what keeps the tenants apart.
func TestTenantsOnOneRedisNeverShareEntries(t *testing.T) {
	t.Parallel()
	rc := testRedisClient(t, "127.0.0.1:6379")
	store := cache.NewRedis(rc, cache.RedisOptions{OpTimeout: testOpTimeout})
	nsA, nsB := uniqueNamespace(), uniqueNamespace()
	hA := newHarness(t, harnessOptions{seed: seedOptions(20), cache: newCache(t, store, nsA)})
	hB := newHarness(t, harnessOptions{seed: seedOptions(20), cache: newCache(t, store, nsB)})
	_, cats, grps := hA.ids()

	var g struct{ CustomerGroup struct{ Version int } }
	hA.data(`query($g: ID!) { customerGroup(id: $g) { version } }`, map[string]any{"g": grps[0]}, &g)
	hA.data(`mutation($cat: ID!, $g: ID!, $v: Int!) {
		updateCustomerCategory(id: $cat, input: {name: "Tenant A Confidential"}) { name }
		updateCustomerGroup(id: $g, version: $v, input: {name: "Tenant A Key Account"}) { name }
		updateCustomer: updateCustomer(id: "gid://custgraph/Customer/`+url.PathEscape(hA.seedCustomerID(0))+`", input: {note: "Tenant A note"}) { note }
	}`, map[string]any{"cat": cats[0], "g": grps[0], "v": g.CustomerGroup.Version}, &struct{}{})

	read := `query($cat: ID!, $g: ID!) {
		customerCategory(id: $cat) { name }
		customerGroup(id: $g) { name }
		customerByNumber(number: "C-1001") { note category { name } groups { name } }
		customers(first: 5) { nodes { number note } }
	}`
	vars := map[string]any{"cat": cats[0], "g": grps[0]}
	a := hA.do(read, vars) // fills A's namespace
	if !strings.Contains(string(a.Data), "Tenant A Confidential") || !strings.Contains(string(a.Data), "Tenant A note") {
		t.Fatalf("tenant A: %s", a.Data)
	}

	hB.resetCounts()
	b := hB.do(read, vars)
	if strings.Contains(string(b.Data), "Tenant A") || len(b.Errors) > 0 {
		t.Fatalf("tenant B was served tenant A's entries: %s %v", b.Data, b.Errors)
	}
	if got := hB.requests(); got["netsuite"] == 0 || got["commercetools"] == 0 || got["sales"] == 0 {
		t.Errorf("tenant B's first read did not reach B's upstreams: %v", got)
	}
	hB.resetCounts()
	if again := hB.do(read, vars); string(again.Data) != string(b.Data) || total(hB.requests()) != 0 {
		t.Errorf("tenant B's repeat: %v upstream requests, %s", hB.requests(), again.Data)
	}

	entriesA, entriesB := redisEntries(t, nsA), redisEntries(t, nsB)
	if len(entriesA) == 0 || len(entriesB) == 0 {
		t.Fatalf("entries: A %d, B %d", len(entriesA), len(entriesB))
	}
	leaked := 0
	for k, v := range entriesB {
		if strings.Contains(v, "Tenant A") || !strings.HasPrefix(k, nsB+":") {
			leaked++
		}
	}
	if leaked > 0 {
		t.Errorf("%d of tenant B's entries hold tenant A's data", leaked)
	}

	// Control: B's upstreams behind A's namespace read A's entries.
	ctl := hB.addGateway(newCache(t, store, nsA))
	if c := hB.doAt(ctl, read, vars); !strings.Contains(string(c.Data), "Tenant A Confidential") {
		t.Errorf("control: a replica in A's namespace did not read A's entries: %s", c.Data)
	}
}

// seedCustomerID is the sales id the simulator gives seed customer i.
func (h *harness) seedCustomerID(i int) string {
	var d struct{ CustomerByNumber struct{ SalesID string } }
	h.data(`query($n: String!) { customerByNumber(number: $n) { salesId } }`, map[string]any{"n": h.seed.Customers[i].Number}, &d)
	return d.CustomerByNumber.SalesID
}

// callerProxy stands in for a sales API that authenticates each caller: it takes the caller's
// bearer token (a JWT whose subject it reads), forwards the call to the sales simulator with the
// simulator's key, and answers every customer under a name that says who asked. It counts calls
// per subject.
type callerProxy struct {
	url string

	mu    sync.Mutex
	calls map[string]int // by subject; "" = no bearer token
}

func newCallerProxy(t *testing.T, target string) *callerProxy {
	t.Helper()
	p := &callerProxy{calls: map[string]int{}}
	u, _ := url.Parse(target)
	rp := httputil.NewSingleHostReverseProxy(u)
	director := rp.Director
	rp.Director = func(r *http.Request) {
		director(r)
		sub := subjectOf(strings.TrimPrefix(r.Header.Get("Authorization"), "Bearer "))
		p.mu.Lock()
		p.calls[sub]++
		p.mu.Unlock()
		r.Header.Set("X-Test-Subject", sub)
		r.Header.Set("Authorization", "Bearer "+salessandbox.APIKey)
		r.Header.Del("Accept-Encoding")
	}
	rp.ModifyResponse = func(resp *http.Response) error {
		sub := resp.Request.Header.Get("X-Test-Subject")
		if sub == "" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
			return nil
		}
		raw, err := io.ReadAll(resp.Body)
		_ = resp.Body.Close()
		if err != nil {
			return err
		}
		var v any
		if json.Unmarshal(raw, &v) == nil {
			markCustomers(v, " ["+sub+"]")
			raw, _ = json.Marshal(v)
		}
		resp.Body = io.NopCloser(bytes.NewReader(raw))
		resp.ContentLength = int64(len(raw))
		resp.Header.Set("Content-Length", strconv.Itoa(len(raw)))
		return nil
	}
	srv := httptest.NewServer(rp)
	t.Cleanup(srv.Close)
	p.url = srv.URL
	return p
}

func (p *callerProxy) count(sub string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.calls[sub]
}

// subjectOf reads a JWT's subject without verifying it (the gateway already did).
func subjectOf(tok string) string {
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		return ""
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct{ Sub string }
	_ = json.Unmarshal(b, &c)
	return c.Sub
}

// markCustomers appends suffix to the name of every customer object in v.
func markCustomers(v any, suffix string) {
	switch v := v.(type) {
	case map[string]any:
		if v["object"] == "customer" {
			if n, ok := v["name"].(string); ok {
				v["name"] = n + suffix
			}
		}
		for _, x := range v {
			markCustomers(x, suffix)
		}
	case []any:
		for _, x := range v {
			markCustomers(x, suffix)
		}
	}
}

// TestSalesCallerAuthCachesPerCaller: with CUSTGRAPH_SALES_AUTH=caller the sales API is called
// with each caller's own token and may answer each differently; caller A's cached customers
// (entities and list pages, in the shared Redis) are never served to caller B, while each
// caller's repeats are cache hits. NetSuite and commercetools entries stay shared.
func TestSalesCallerAuthCachesPerCaller(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{seed: seedOptions(20)})
	is := authtest.NewIssuer(t)
	proxy := newCallerProxy(t, h.stack.URL)
	ns := uniqueNamespace()
	rc := testRedisClient(t, "127.0.0.1:6379")
	url := h.gatewayWith(func(o *gateway.Options) {
		cfg := h.stack.SalesConfig()
		cfg.BaseURL = proxy.url + "/sales/v1/sales"
		cfg.APIKey, cfg.CallerAuth = "", true
		sc, err := sales.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		o.Upstreams.Sales = sc
		o.Cache = newCache(t, cache.NewRedis(rc, cache.RedisOptions{OpTimeout: testOpTimeout}), ns)
		o.Security = gateway.Security{Auth: newAuth(t, is, scopeRead, nil), SalesCallerAuth: true}
	})
	alice := is.Token(t, authtest.Claims("alice", scopeRead))
	bob := is.Token(t, authtest.Claims("bob", scopeRead))
	read := `{ customerByNumber(number: "C-1001") { name category { name } billToAddress { name } }
		customers(first: 5) { nodes { name } } }`

	ask := func(who, tok string) string {
		t.Helper()
		r := post(t, url, read, nil, bearer(tok))
		if r.Status != 200 || len(r.Errors) > 0 {
			t.Fatalf("%s: %d %s", who, r.Status, r.Body)
		}
		return string(r.Data)
	}
	a1 := ask("alice", alice)
	if !strings.Contains(a1, "[alice]") || strings.Contains(a1, "[bob]") {
		t.Fatalf("alice: %s", a1)
	}
	aliceCalls := proxy.count("alice")
	if a2 := ask("alice", alice); a2 != a1 || proxy.count("alice") != aliceCalls {
		t.Errorf("alice's repeat was not a cache hit: %d more sales calls", proxy.count("alice")-aliceCalls)
	}
	h.resetCounts()
	b1 := ask("bob", bob)
	if strings.Contains(b1, "[alice]") || !strings.Contains(b1, "[bob]") {
		t.Fatalf("bob was served alice's cached customers: %s", b1)
	}
	if proxy.count("bob") == 0 {
		t.Error("bob's read never reached the sales API with bob's token")
	}
	if got := h.requests(); got["netsuite"] != 0 {
		t.Errorf("NetSuite entries are not shared between callers: %v", got)
	}
	bobCalls := proxy.count("bob")
	if b2 := ask("bob", bob); b2 != b1 || proxy.count("bob") != bobCalls {
		t.Errorf("bob's repeat was not a cache hit")
	}
	if proxy.count("") != 0 {
		t.Errorf("%d sales calls went out without the caller's token", proxy.count(""))
	}

	// In Redis: sales entries sit under one prefix per caller, and no token is stored.
	scopes := map[string]bool{}
	for k, v := range redisEntries(t, ns) {
		if strings.Contains(k, alice) || strings.Contains(v, alice) || strings.Contains(k, bob) || strings.Contains(v, bob) {
			t.Errorf("a bearer token is stored in the cache: %s", k)
		}
		if strings.Contains(k, ":customer:") || strings.Contains(k, ":customer-list:") || strings.Contains(k, ":address:") {
			pre, _, ok := strings.Cut(k[strings.LastIndex(k, ":")+1:], "/")
			if !ok || !strings.HasPrefix(pre, "caller-") {
				t.Errorf("sales entry outside a caller scope: %s", k)
			}
			scopes[pre] = true
		}
	}
	if len(scopes) != 2 {
		t.Errorf("want the sales entries of 2 callers, got scopes %v", scopes)
	}
}
