package e2e

import (
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"custgraph/cache"
	"custgraph/gateway"
	"custgraph/upstream/sim"
)

// deferredView is a mobile customer screen: the account at once, the NetSuite category and
// the commercetools groups when they come.
const deferredView = `query CustomerScreen($id: ID!) {
  customer(id: $id) {
    number
    name
    status
    ... @defer(label: "category") { category { name } }
    ... @defer(label: "groups") { groups { key name } }
  }
}`

// payload is one part of a multipart/mixed answer, stamped with its arrival.
type payload struct {
	at          time.Duration
	Data        map[string]json.RawMessage `json:"data"`
	HasNext     *bool                      `json:"hasNext"`
	Errors      []gqlError                 `json:"errors"`
	Incremental []struct {
		Data   map[string]json.RawMessage `json:"data"`
		Label  string                     `json:"label"`
		Path   []any                      `json:"path"`
		Errors []gqlError                 `json:"errors"`
	} `json:"incremental"`
}

// TestDeferStreamsTheSlowUpstreamLater: with NetSuite slow, the customer (sales) arrives in the
// first payload while NetSuite is still answering, and the deferred category arrives after
// it, in a later payload of the same response; also through gzip, which must not hold the
// first payload back.
func TestDeferStreamsTheSlowUpstreamLater(t *testing.T) {
	t.Parallel()
	const netsuiteLatency = 1500 * time.Millisecond
	for _, encoding := range []string{"identity", "gzip"} {
		t.Run(encoding, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{})
			cust, _, _ := h.ids() // also fetches every upstream token before NetSuite slows down
			if err := h.stack.NetSuite.Server().SetFaults(sim.Faults{LatencyMS: int(netsuiteLatency / time.Millisecond)}); err != nil {
				t.Fatal(err)
			}
			body, _ := json.Marshal(map[string]any{"query": deferredView, "variables": map[string]any{"id": cust[0]}})
			req := newRequest(t, http.MethodPost, h.url+"/graphql", string(body), "Content-Type", "application/json",
				"Accept", `multipart/mixed;deferSpec=20220824, application/json`, "Accept-Encoding", encoding)
			start := time.Now()
			resp, err := rawClient().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			mt, params, err := mime.ParseMediaType(resp.Header.Get("Content-Type"))
			if err != nil || resp.StatusCode != 200 || mt != "multipart/mixed" || params["deferspec"] != "20220824" {
				t.Fatalf("%d %q: %v", resp.StatusCode, resp.Header.Get("Content-Type"), err)
			}
			var stream io.Reader = resp.Body
			if encoding == "gzip" {
				if resp.Header.Get("Content-Encoding") != "gzip" {
					t.Fatalf("Content-Encoding %q", resp.Header.Get("Content-Encoding"))
				}
				zr, err := gzip.NewReader(resp.Body)
				if err != nil {
					t.Fatal(err)
				}
				stream = zr
			}
			var parts []payload
			mr := multipart.NewReader(stream, params["boundary"])
			for {
				p, err := mr.NextPart()
				if err == io.EOF {
					break
				}
				if err != nil {
					t.Fatalf("after %d parts: %v", len(parts), err)
				}
				var pl payload
				if err := json.NewDecoder(p).Decode(&pl); err != nil {
					t.Fatal(err)
				}
				pl.at = time.Since(start)
				parts = append(parts, pl)
			}
			if len(parts) < 2 {
				t.Fatalf("%d parts, want the initial payload and at least one deferred", len(parts))
			}

			first := parts[0]
			var c map[string]json.RawMessage
			if err := json.Unmarshal(first.Data["customer"], &c); err != nil || string(c["number"]) != `"C-1001"` {
				t.Fatalf("first payload %s: %v", first.Data["customer"], err)
			}
			// gqlgen puts null placeholders where the deferred fields will go.
			for _, f := range []string{"category", "groups"} {
				if v, ok := c[f]; ok && string(v) != "null" {
					t.Errorf("first payload has %s = %s: it should come later", f, v)
				}
			}
			if first.HasNext == nil || !*first.HasNext {
				t.Errorf("first payload must announce more: hasNext %v", first.HasNext)
			}
			if first.at >= netsuiteLatency {
				t.Errorf("first payload after %v: it waited for NetSuite (%v)", first.at, netsuiteLatency)
			}

			var categoryAt time.Duration
			labels := map[string]bool{}
			for _, p := range parts[1:] {
				for _, inc := range p.Incremental {
					labels[inc.Label] = true
					if fmt.Sprint(inc.Path) != "[customer]" || len(inc.Errors) > 0 {
						t.Errorf("deferred part %q at %v, errors %+v", inc.Label, inc.Path, inc.Errors)
					}
					if cat, ok := inc.Data["category"]; ok {
						categoryAt = p.at
						if !strings.Contains(string(cat), `"name":"`) {
							t.Errorf("category %s", cat)
						}
					}
					if g, ok := inc.Data["groups"]; ok && !strings.Contains(string(g), `"key":"grp-`) {
						t.Errorf("groups %s", g)
					}
				}
			}
			if !labels["category"] || !labels["groups"] {
				t.Errorf("deferred labels %v, want category and groups", labels)
			}
			if categoryAt < netsuiteLatency || categoryAt <= first.at {
				t.Errorf("category arrived at %v, first payload at %v, NetSuite latency %v", categoryAt, first.at, netsuiteLatency)
			}
			if last := parts[len(parts)-1]; last.HasNext == nil || *last.HasNext {
				t.Errorf("last payload must end the stream: hasNext %v", last.HasNext)
			}
			t.Logf("first payload at %v, category at %v (NetSuite latency %v), %d parts", first.at, categoryAt, netsuiteLatency, len(parts))
		})
	}
}

// TestDeferNeedsMultipart: a deferring operation sent without Accept: multipart/mixed (or over
// GET) is refused with 406, not answered with only its first part.
func TestDeferNeedsMultipart(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	cust, _, _ := h.ids()
	vars, _ := json.Marshal(map[string]any{"id": cust[0]})
	body, _ := json.Marshal(map[string]any{"query": deferredView, "variables": map[string]any{"id": cust[0]}})
	cases := []struct {
		name string
		req  *http.Request
	}{
		{"POST, JSON only", newRequest(t, http.MethodPost, h.url+"/graphql", string(body), "Content-Type", "application/json", "Accept", "application/json")},
		{"GET", newRequest(t, http.MethodGet, getURL(h.url, map[string]string{"query": deferredView, "variables": string(vars)}), "",
			"Accept", "multipart/mixed, application/json")},
	}
	for _, tc := range cases {
		r := exchange(t, tc.req)
		if r.status != http.StatusNotAcceptable || firstCode(r) != gateway.CodeNotAcceptable {
			t.Errorf("%s: %d %s", tc.name, r.status, r.body)
		}
	}
	// @defer(if: false) is no deferral: a plain answer.
	off := strings.ReplaceAll(deferredView, `@defer(label:`, `@defer(if: false, label:`)
	body, _ = json.Marshal(map[string]any{"query": off, "variables": map[string]any{"id": cust[0]}})
	r := exchange(t, newRequest(t, http.MethodPost, h.url+"/graphql", string(body), "Content-Type", "application/json", "Accept", "application/json"))
	if r.status != 200 || !strings.Contains(string(r.body), `"category":{"name"`) {
		t.Errorf("@defer(if: false): %d %s", r.status, r.body)
	}
}

// TestPersistedQueriesOverGET: the APQ flow over GET, as a CDN sees it. An unknown hash is
// PERSISTED_QUERY_NOT_FOUND (404 with graphql-response+json, the legacy 200 with
// application/json, never cached); once registered (by POST, or by GET with the query), a GET
// by hash alone is answered, with the configured max-age. With the shared cache, the query
// registered on one replica is known to the other.
func TestPersistedQueriesOverGET(t *testing.T) {
	t.Parallel()
	const query = `query TwoCustomers { customers(first: 2) { nodes { number name } } }`
	sum := sha256.Sum256([]byte(query))
	ext := fmt.Sprintf(`{"persistedQuery":{"version":1,"sha256Hash":"%s"}}`, hex.EncodeToString(sum[:]))
	byHash := map[string]string{"operationName": "TwoCustomers", "extensions": ext}
	stores := []struct {
		name  string
		cache func(t *testing.T) *cache.Cache
	}{
		{"in-process APQ store", func(*testing.T) *cache.Cache { return nil }},
		{"shared Redis, two replicas", func(t *testing.T) *cache.Cache { return redisCache(t, "127.0.0.1:6379") }},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			t.Parallel()
			c := st.cache(t)
			h := newHarness(t, harnessOptions{cache: c})
			// A second replica over the same cache (or, with none, its own APQ store), configured
			// to let CDNs keep GET answers for a minute.
			replica := h.addGatewayWith(gateway.Options{Cache: c, HTTP: gateway.HTTPOptions{GETMaxAge: time.Minute}})

			for _, accept := range []struct{ accept, media string }{
				{"", "application/graphql-response+json"}, {"application/json", "application/json"},
			} {
				r := exchange(t, newRequest(t, http.MethodGet, getURL(replica, byHash), "", "Accept", accept.accept))
				wantStatus := map[string]int{"application/json": 200}[accept.media]
				if wantStatus == 0 {
					wantStatus = http.StatusNotFound
				}
				if r.status != wantStatus || firstCode(r) != "PERSISTED_QUERY_NOT_FOUND" || r.gql.Errors[0].Message != "PersistedQueryNotFound" ||
					r.hasData || !strings.HasPrefix(r.header.Get("Content-Type"), accept.media) {
					t.Fatalf("unknown hash, Accept %q: %d %s %s", accept.accept, r.status, r.header.Get("Content-Type"), r.body)
				}
				if cc := r.header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("a miss must not be cached: Cache-Control %q", cc)
				}
			}

			// Register on the first gateway by POST (Apollo's retry), as a mobile app does.
			reg, _ := json.Marshal(map[string]any{"query": query, "operationName": "TwoCustomers", "extensions": json.RawMessage(ext)})
			if r := exchange(t, newRequest(t, http.MethodPost, h.url+"/graphql", string(reg), "Content-Type", "application/json")); r.status != 200 || !r.hasData {
				t.Fatalf("register: %d %s", r.status, r.body)
			}
			if c == nil {
				// Without the shared cache each gateway has its own store: register there too,
				// this time over GET with the query (the other registration path).
				params := map[string]string{"query": query, "operationName": "TwoCustomers", "extensions": ext}
				if r := exchange(t, newRequest(t, http.MethodGet, getURL(replica, params), "")); r.status != 200 {
					t.Fatalf("register over GET: %d %s", r.status, r.body)
				}
			}

			h.resetCounts()
			r := exchange(t, newRequest(t, http.MethodGet, getURL(replica, byHash), ""))
			var d struct {
				Customers struct {
					Nodes []struct{ Number, Name string }
				}
			}
			if err := json.Unmarshal(r.gql.Data, &d); r.status != 200 || err != nil || len(d.Customers.Nodes) != 2 || len(r.gql.Errors) > 0 {
				t.Fatalf("GET by hash: %d %s", r.status, r.body)
			}
			if cc := r.header.Get("Cache-Control"); cc != "max-age=60" {
				t.Errorf("Cache-Control %q, want max-age=60", cc)
			}
			vary := strings.Join(r.header.Values("Vary"), ",")
			for _, v := range []string{"Accept", "Authorization"} {
				if !strings.Contains(vary, v) {
					t.Errorf("Vary %q lacks %s", vary, v)
				}
			}
			// One sales page; none when the shared cache kept it from the registration.
			if got, want := h.requests()["sales"], map[bool]int64{true: 1, false: 0}[c == nil]; got != want {
				t.Errorf("GET by hash: %d sales requests, want %d", got, want)
			}

			// The default gateway (max-age 0) answers by hash too, never cacheable.
			if c == nil {
				params := map[string]string{"query": query, "extensions": ext}
				_ = exchange(t, newRequest(t, http.MethodGet, getURL(h.url, params), ""))
			}
			r = exchange(t, newRequest(t, http.MethodGet, getURL(h.url, byHash), ""))
			if r.status != 200 || r.header.Get("Cache-Control") != "no-store" {
				t.Errorf("default gateway: %d, Cache-Control %q", r.status, r.header.Get("Cache-Control"))
			}

			// A hash that does not match the query is refused, and stores nothing.
			bad := map[string]string{"query": `{ __typename }`, "extensions": ext}
			if r := exchange(t, newRequest(t, http.MethodGet, getURL(replica, bad), "")); r.status != 400 || r.hasData {
				t.Errorf("mismatched hash: %d %s", r.status, r.body)
			}
		})
	}
}

// TestPersistedMutationOverGETIsRefused: a mutation registered as a persisted query still
// cannot run over GET.
func TestPersistedMutationOverGETIsRefused(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	const mutation = `mutation { createCustomerCategory(input: {name: "Persisted"}) { id } }`
	sum := sha256.Sum256([]byte(mutation))
	ext := fmt.Sprintf(`{"persistedQuery":{"version":1,"sha256Hash":"%s"}}`, hex.EncodeToString(sum[:]))
	if r := exchange(t, newRequest(t, http.MethodGet, getURL(h.url, map[string]string{"query": mutation, "extensions": ext}), "")); r.status != 405 {
		t.Fatalf("register a mutation over GET: %d %s", r.status, r.body)
	}
	h.resetCounts()
	r := exchange(t, newRequest(t, http.MethodGet, getURL(h.url, map[string]string{"extensions": ext}), ""))
	if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") != "POST" || firstCode(r) != gateway.CodeMethodNotAllowed {
		t.Fatalf("persisted mutation over GET: %d Allow %q %s", r.status, r.header.Get("Allow"), r.body)
	}
	if n := h.requests()["netsuite"]; n != 0 {
		t.Errorf("the mutation reached NetSuite %d times", n)
	}
}

// TestDeferClientLeavesMidStream: a client that hangs up after the first payload (an app sent
// to the background) does not leave the request running: the handler ends once the deferred
// upstream call is over, and the server can close.
func TestDeferClientLeavesMidStream(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	cust, _, _ := h.ids()
	if err := h.stack.NetSuite.Server().SetFaults(sim.Faults{LatencyMS: 500}); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	up, err := gateway.SandboxUpstreams(h.stack, &http.Client{Timeout: 30 * time.Second}, log)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gateway.New(gateway.Options{Upstreams: up, Logger: log}))
	closed := make(chan struct{})
	closeServer := sync.OnceFunc(func() {
		go func() {
			srv.Close() // waits for every handler
			close(closed)
		}()
	})
	t.Cleanup(closeServer)

	body, _ := json.Marshal(map[string]any{"query": deferredView, "variables": map[string]any{"id": cust[0]}})
	req := newRequest(t, http.MethodPost, srv.URL+"/graphql", string(body), "Content-Type", "application/json",
		"Accept", "multipart/mixed;deferSpec=20220824")
	resp, err := rawClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, params, _ := mime.ParseMediaType(resp.Header.Get("Content-Type"))
	if _, err := multipart.NewReader(resp.Body, params["boundary"]).NextPart(); err != nil {
		t.Fatal(err)
	}
	resp.Body.Close() // gone before NetSuite answers

	closeServer()
	select {
	case <-closed:
	case <-time.After(15 * time.Second):
		t.Fatal("the deferred request is still running 15s after its client left")
	}
}
