package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"custgraph/auth"
	"custgraph/auth/authtest"
	"custgraph/cache"
	"custgraph/config"
	"custgraph/gateway"
	"custgraph/ratelimit"
	salessandbox "custgraph/upstream/sales/sandbox"
	"custgraph/upstream/sim"
)

// wireRecorder is the gateway's upstream transport in TestSecretsNeverLeak: it passes every
// call through and remembers each credential that crossed the wire (Authorization headers,
// client assertions and secrets in token requests, access tokens in token answers), so the
// test knows the upstream tokens it must never find in a log or a response.
type wireRecorder struct {
	mu    sync.Mutex
	seen  map[string]bool
	inner http.RoundTripper
}

func (w *wireRecorder) add(s string) {
	if len(s) < 8 {
		return
	}
	w.mu.Lock()
	w.seen[s] = true
	w.mu.Unlock()
}

func (w *wireRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	if a := req.Header.Get("Authorization"); a != "" {
		w.add(a)
		if _, cred, ok := strings.Cut(a, " "); ok {
			w.add(cred)
		}
	}
	if req.Body != nil && strings.HasPrefix(req.Header.Get("Content-Type"), "application/x-www-form-urlencoded") {
		b, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(bytes.NewReader(b))
		form, _ := url.ParseQuery(string(b))
		w.add(form.Get("client_assertion"))
		w.add(form.Get("client_secret"))
	}
	resp, err := w.inner.RoundTrip(req)
	if err != nil || !strings.Contains(req.URL.Path, "token") {
		return resp, err
	}
	b, _ := io.ReadAll(resp.Body)
	_ = resp.Body.Close()
	resp.Body = io.NopCloser(bytes.NewReader(b))
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if json.Unmarshal(b, &tok) == nil {
		w.add(tok.AccessToken)
	}
	return resp, nil
}

func (w *wireRecorder) credentials() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	out := make([]string, 0, len(w.seen))
	for s := range w.seen {
		out = append(out, s)
	}
	return out
}

// TestSecretsNeverLeak runs a realistic mix of requests (good and bad credentials, reads,
// writes, conflicts, bad input, forbidden and rate-limited calls, oversized and malformed
// bodies, upstream outages, rate limits, refused and revoked upstream credentials, a gateway
// start and shutdown) with every log at debug level, and fails if any configured secret or
// issued token appears in a log line, a response body or a response header: the upstream
// credentials (sales API key, commercetools client secret, NetSuite private key), the upstream
// access tokens and client assertions that crossed the wire, the callers' API key and JWTs,
// and a Redis password.
func TestSecretsNeverLeak(t *testing.T) {
	t.Parallel()
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	h := newHarness(t, harnessOptions{seed: seedOptions(20)})
	rec := &wireRecorder{seen: map[string]bool{}, inner: http.DefaultTransport}
	up := h.sandboxUpstreams(&http.Client{Timeout: 30 * time.Second, Transport: rec}, log)
	is := authtest.NewIssuer(t)
	authn := newAuth(t, is, scopeRead, log)
	lim, err := ratelimit.New(ratelimit.Options{Rate: 1, Burst: 1, Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	start := func(l *ratelimit.Limiter) string {
		return h.gatewayWith(func(o *gateway.Options) {
			o.Upstreams, o.Logger = up, log
			o.Cache, _ = cache.New(cache.NewMemory(1000), cache.Options{Namespace: "secrets", Logger: log})
			o.Security = gateway.Security{Auth: authn, RateLimit: l}
			o.MaxBodyBytes = 8 << 10
		})
	}
	gw := start(nil)
	limited := start(lim)
	cust, cats, grps := h.ids()

	var tokens []string
	token := func(c jwt.MapClaims) map[string]string {
		tok := is.Token(t, c)
		tokens = append(tokens, tok)
		return bearer(tok)
	}
	writer := token(authtest.Claims("writer", scopeRead, scopeCustomersWrite, scopeCatalogWrite))
	reader := token(authtest.Claims("reader", scopeRead))
	expired := authtest.Claims("late", scopeRead)
	expired["exp"], expired["iat"], expired["nbf"] = time.Now().Add(-time.Hour).Unix(), time.Now().Add(-2*time.Hour).Unix(), time.Now().Add(-2*time.Hour).Unix()
	forged := authtest.SignWith(t, is.Impostor(t), authtest.Claims("mallory", scopeRead, scopeCatalogWrite))
	tokens = append(tokens, forged)

	var answers strings.Builder
	keep := func(r rawResponse) {
		answers.WriteString(r.Body)
		for k, vs := range r.Header {
			answers.WriteString(k + ": " + strings.Join(vs, ",") + "\n")
		}
	}
	nested := `query($n: Int!) { customers(first: $n) { nodes { number name category { name } groups { key name } billToAddress { name } priceGroups { nodes { name } } } } }`
	q := func(hdr map[string]string, query string, vars map[string]any) { keep(post(t, gw, query, vars, hdr)) }
	faults := func(name string, f sim.Faults) {
		if err := h.stack.Servers()[name].SetFaults(f); err != nil {
			t.Fatal(err)
		}
	}
	revoke := func(prefix string) {
		resp, err := http.Post(h.stack.URL+prefix+"/_sim/tokens/revoke", "application/json", nil)
		if err == nil {
			_ = resp.Body.Close()
		}
	}

	// Good reads and writes, by token and by API key.
	q(writer, nested, map[string]any{"n": 20})
	q(apiKey(serviceKey), nested, map[string]any{"n": 5})
	q(writer, `mutation($c: ID!) { updateCustomer(id: $c, input: {note: "x"}, idempotencyKey: "k-1") { note } }`, map[string]any{"c": cust[0]})
	q(writer, `mutation($g: ID!) { updateCustomerGroup(id: $g, version: 1, input: {name: "Renamed"}) { version } }`, map[string]any{"g": grps[0]})
	// Conflicts, not found, bad input, upstream validation.
	q(writer, `mutation($g: ID!) { updateCustomerGroup(id: $g, version: 1, input: {name: "Stale"}) { version } }`, map[string]any{"g": grps[0]})
	q(writer, `mutation($c: ID!) { deleteCustomerCategory(id: $c) { deletedId } }`, map[string]any{"c": cats[0]})
	q(writer, `mutation { createCustomerGroup(input: {name: "Gold"}) { id } }`, nil)
	q(writer, `mutation { updateCustomer(id: "gid://custgraph/Customer/cus_nope", input: {note: "x"}) { id } }`, nil)
	q(writer, `{ customer(id: "not-an-id") { id } }`, nil)
	q(writer, `mutation($c: ID!) { updateCustomer(id: $c, input: {creditLimit: {value: "abc", unitId: "u"}}) { id } }`, map[string]any{"c": cust[0]})
	q(writer, `{ customers(first: 5000) { nodes { id } } }`, nil)
	q(writer, `{ nope }`, nil)
	// Credentials refused, scope missing, rate limit, oversized and malformed bodies.
	q(nil, nested, map[string]any{"n": 1})
	q(bearer(is.Token(t, expired)), nested, map[string]any{"n": 1})
	q(bearer(forged), nested, map[string]any{"n": 1})
	q(apiKey(serviceKey+"0"), nested, map[string]any{"n": 1})
	q(apiKey(auth.HashAPIKey(serviceKey)), nested, map[string]any{"n": 1})
	q(map[string]string{"Authorization": "Basic " + serviceKey}, nested, map[string]any{"n": 1})
	q(reader, `mutation { createCustomerCategory(input: {name: "x"}) { id } }`, nil)
	for range 3 {
		keep(post(t, limited, nested, map[string]any{"n": 1}, reader))
	}
	keep(postBody(t, gw+"/graphql", []byte(`{"query": "{ __typename }"`+strings.Repeat(" ", 9000)+`}`), writer))
	keep(postBody(t, gw+"/graphql", []byte(`{"query": `), writer))
	// Upstream outages, rate limits and refused or revoked upstream credentials.
	for _, f := range []struct {
		upstream string
		faults   sim.Faults
	}{
		{"netsuite", sim.Faults{Down: true}},
		{"commercetools", sim.Faults{ErrorRate: 1, ErrorStatus: 429, RetryAfterS: 1}},
		{"sales", sim.Faults{ErrorRate: 1, ErrorStatus: 500}},
		{"sales", sim.Faults{ErrorRate: 1, ErrorStatus: 401}},
		{"netsuite", sim.Faults{ErrorRate: 1, ErrorStatus: 401}},
		{"commercetools", sim.Faults{ErrorRate: 1, ErrorStatus: 403}},
	} {
		faults(f.upstream, f.faults)
		q(writer, nested, map[string]any{"n": 3})
		q(writer, `mutation($c: ID!, $cat: ID!) { assignCustomerCategory(customerId: $c, categoryId: $cat) { id } }`,
			map[string]any{"c": cust[1], "cat": cats[2]})
		faults(f.upstream, sim.Faults{})
	}
	revoke("/netsuite")
	revoke("/commercetools")
	q(writer, nested, map[string]any{"n": 20})
	// Operations endpoints.
	for _, path := range []string{"/", "/metrics", "/healthz", "/readyz"} {
		resp, err := http.Get(gw + path)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			_ = resp.Body.Close()
			answers.Write(b)
		}
	}

	// A whole gateway lifetime through gateway.Run, configured from the environment with
	// secrets in it, a Redis URL carrying a password among them.
	const redisPassword = "hunter2-redis-password"
	key := "cg_run_" + strings.Repeat("k", 32)
	env := map[string]string{
		"CUSTGRAPH_ADDR": "127.0.0.1:0", "CUSTGRAPH_SANDBOX_ADDR": "127.0.0.1:0", "CUSTGRAPH_SANDBOX_CUSTOMERS": "10",
		"CUSTGRAPH_AUTH_API_KEYS": "ops=" + auth.HashAPIKey(key) + " " + scopeRead,
		"CUSTGRAPH_REDIS_URL":     "redis://:" + redisPassword + "@127.0.0.1:6379/0",
		"CUSTGRAPH_LOG_LEVEL":     "debug",
	}
	cfg, err := config.Load(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	ready := make(chan string, 1)
	done := make(chan error, 1)
	go func() { done <- gateway.Run(ctx, cfg, log, func(s gateway.Started) { ready <- s.URL }) }()
	select {
	case u := <-ready:
		keep(post(t, u, nested, map[string]any{"n": 3}, apiKey(key)))
		keep(post(t, u, nested, map[string]any{"n": 3}, apiKey("wrong")))
	case err := <-done:
		t.Fatalf("gateway.Run: %v", err)
	}
	cancel()
	if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
		t.Errorf("gateway.Run: %v", err)
	}

	// Everything that must stay secret.
	secrets := map[string]string{
		"sales API key":                 salessandbox.APIKey,
		"commercetools client secret":   h.stack.CommercetoolsConfig().ClientSecret,
		"service API key":               serviceKey,
		"gateway.Run API key":           key,
		"Redis password":                redisPassword,
		"Redis password (URL-encoded)":  url.QueryEscape(redisPassword),
		"commercetools basic auth pair": h.stack.CommercetoolsConfig().ClientID + ":" + h.stack.CommercetoolsConfig().ClientSecret,
	}
	for i, line := range strings.Split(string(h.stack.NetSuiteConfig().PrivateKeyPEM), "\n") {
		if len(line) >= 16 && !strings.HasPrefix(line, "-----") {
			secrets["NetSuite private key line "+strconv.Itoa(i)] = line
		}
	}
	for i, tok := range tokens {
		secrets["caller JWT "+strconv.Itoa(i)] = tok
		secrets["caller JWT signature "+strconv.Itoa(i)] = tok[strings.LastIndex(tok, ".")+1:]
	}
	wire := rec.credentials()
	if len(wire) < 4 {
		t.Fatalf("recorded only %d upstream credentials: the recorder is not on the wire", len(wire))
	}
	for i, c := range wire {
		secrets["upstream credential "+strconv.Itoa(i)] = c
	}

	logText, answerText := logs.String(), answers.String()
	if len(logText) < 10_000 || !strings.Contains(logText, "level=DEBUG") || !strings.Contains(answerText, "UNAUTHENTICATED") {
		t.Fatalf("the run produced too little to check: %d bytes of log, %d of answers", len(logText), len(answerText))
	}
	for name, s := range secrets {
		if strings.Contains(logText, s) {
			i := strings.Index(logText, s)
			t.Errorf("%s appears in the log: ...%s...", name, logText[max(0, i-200):i])
		}
		if strings.Contains(answerText, s) {
			t.Errorf("%s appears in a response", name)
		}
	}
	t.Logf("checked %d secrets against %d bytes of debug log and %d bytes of responses", len(secrets), len(logText), len(answerText))
}
