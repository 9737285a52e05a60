package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"

	"custgraph/gateway"
)

// addGatewayWith starts another gateway over the harness's simulators with opts (upstreams
// and logger filled in) and returns its URL.
func (h *harness) addGatewayWith(opts gateway.Options) string {
	h.t.Helper()
	log := slog.New(slog.DiscardHandler)
	up, err := gateway.SandboxUpstreams(h.stack, &http.Client{Timeout: 30 * time.Second}, log)
	if err != nil {
		h.t.Fatal(err)
	}
	opts.Upstreams, opts.Logger = up, log
	srv := httptest.NewServer(gateway.New(opts))
	h.t.Cleanup(srv.Close)
	return srv.URL
}

// httpResult is an HTTP exchange as a client sees it, before any GraphQL decoding.
type httpResult struct {
	status int
	header http.Header
	body   []byte
	// The GraphQL response, when the body is one; hasData tells "data": null from no data.
	hasData bool
	gql     gqlResponse
}

// rawClient sends requests as they are (no transparent decompression) and keeps no idle
// connection behind (goleak checks the suite).
func rawClient() *http.Client {
	return &http.Client{Transport: &http.Transport{DisableCompression: true, DisableKeepAlives: true}, Timeout: 30 * time.Second}
}

// exchange sends req as it is: no transparent decompression, no added Accept.
func exchange(t *testing.T, req *http.Request) httpResult {
	t.Helper()
	resp, err := rawClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	out := httpResult{status: resp.StatusCode, header: resp.Header, body: body}
	var keys map[string]json.RawMessage
	if json.Unmarshal(body, &keys) == nil {
		_, out.hasData = keys["data"]
		_ = json.Unmarshal(body, &out.gql)
	}
	return out
}

func newRequest(t *testing.T, method, url string, body string, header ...string) *http.Request {
	t.Helper()
	var r io.Reader
	if body != "" {
		r = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, r)
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	return req
}

func firstCode(r httpResult) string {
	if len(r.gql.Errors) == 0 {
		return ""
	}
	c, _ := r.gql.Errors[0].Extensions["code"].(string)
	return c
}

func getURL(base string, params map[string]string) string {
	v := url.Values{}
	for k, p := range params {
		v.Set(k, p)
	}
	return base + "/graphql?" + v.Encode()
}

// TestGraphQLOverHTTP checks the status codes, media types and bodies the GraphQL-over-HTTP
// specification asks for, one row per case of its text (and where gqlgen's defaults differ).
func TestGraphQLOverHTTP(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	const (
		gqlJSON = "application/graphql-response+json"
		appJSON = "application/json"
		ok      = `{"query":"{ customers(first: 1) { nodes { number } } }"}`
	)
	post := func(body, accept string) *http.Request {
		r := newRequest(t, http.MethodPost, h.url+"/graphql", body, "Content-Type", "application/json")
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		return r
	}
	get := func(params map[string]string, accept string) *http.Request {
		r := newRequest(t, http.MethodGet, getURL(h.url, params), "")
		if accept != "" {
			r.Header.Set("Accept", accept)
		}
		return r
	}
	cases := []struct {
		name    string
		req     *http.Request
		status  int
		media   string // response Content-Type without parameters
		code    string // extensions.code of the first error; "" = no errors
		hasData bool
		allow   string // the Allow header, when one is due
	}{
		{"POST, no Accept: graphql-response+json", post(ok, ""), 200, gqlJSON, "", true, ""},
		{"POST, application/json", post(ok, appJSON), 200, appJSON, "", true, ""},
		{"POST, */*: application/json", post(ok, "*/*"), 200, appJSON, "", true, ""},
		{"POST, preference by q", post(ok, "application/json;q=0.5, application/graphql-response+json"), 200, gqlJSON, "", true, ""},
		{"parse error, graphql-response+json: 400", post(`{"query":"{"}`, gqlJSON), 400, gqlJSON, "GRAPHQL_PARSE_FAILED", false, ""},
		{"parse error, application/json: 200", post(`{"query":"{"}`, appJSON), 200, appJSON, "GRAPHQL_PARSE_FAILED", false, ""},
		{"validation error, graphql-response+json: 400", post(`{"query":"{ nope }"}`, gqlJSON), 400, gqlJSON, "GRAPHQL_VALIDATION_FAILED", false, ""},
		{"validation error, application/json: 200", post(`{"query":"{ nope }"}`, appJSON), 200, appJSON, "GRAPHQL_VALIDATION_FAILED", false, ""},
		{"variable coercion, graphql-response+json: 400",
			post(`{"query":"query($n: Int!) { customers(first: $n) { nodes { number } } }","variables":{"n":"x"}}`, gqlJSON), 400, gqlJSON, "GRAPHQL_VALIDATION_FAILED", false, ""},
		{"variable coercion, application/json: 200",
			post(`{"query":"query($n: Int!) { customers(first: $n) { nodes { number } } }","variables":{"n":"x"}}`, appJSON), 200, appJSON, "GRAPHQL_VALIDATION_FAILED", false, ""},
		{"unknown operationName: 400", post(`{"query":"query A { __typename }","operationName":"B"}`, gqlJSON), 400, gqlJSON, "GRAPHQL_VALIDATION_FAILED", false, ""},
		{"field error with data: 200", post(`{"query":"{ customer(id: \"cus_1\") { name } }"}`, gqlJSON), 200, gqlJSON, "BAD_USER_INPUT", true, ""},
		{"null data is still data: 200", post(`{"query":"{ customers(first: 501) { nodes { name } } }"}`, gqlJSON), 200, gqlJSON, "BAD_USER_INPUT", true, ""},
		{"invalid JSON: 400", post(`{"query":`, appJSON), 400, appJSON, "BAD_REQUEST", false, ""},
		{"misspelt parameter: 400", post(`{"qeury":"{ __typename }"}`, gqlJSON), 400, gqlJSON, "BAD_REQUEST", false, ""},
		{"variables not an object: 400", post(`{"query":"{ __typename }","variables":[7]}`, gqlJSON), 400, gqlJSON, "BAD_REQUEST", false, ""},
		{"query not a string: 400", post(`{"query":1}`, appJSON), 400, appJSON, "BAD_REQUEST", false, ""},
		{"a batch (array): 400", post(`[{"query":"{ __typename }"}]`, appJSON), 400, appJSON, "BAD_REQUEST", false, ""},
		{"nothing acceptable: 406", post(ok, "text/html"), 406, appJSON, "NOT_ACCEPTABLE", false, ""},
		{"text/plain body: 415", newRequest(t, http.MethodPost, h.url+"/graphql", ok, "Content-Type", "text/plain"), 415, appJSON, "UNSUPPORTED_MEDIA_TYPE", false, ""},
		{"no Content-Type: 415", newRequest(t, http.MethodPost, h.url+"/graphql", ok), 415, appJSON, "UNSUPPORTED_MEDIA_TYPE", false, ""},
		{"JSON in latin1: 415", newRequest(t, http.MethodPost, h.url+"/graphql", ok, "Content-Type", "application/json; charset=iso-8859-1"), 415, appJSON, "UNSUPPORTED_MEDIA_TYPE", false, ""},
		{"JSON in UTF-8", newRequest(t, http.MethodPost, h.url+"/graphql", ok, "Content-Type", "application/json; charset=UTF-8"), 200, gqlJSON, "", true, ""},
		{"PUT: 405", newRequest(t, http.MethodPut, h.url+"/graphql", ok, "Content-Type", "application/json"), 405, appJSON, "METHOD_NOT_ALLOWED", false, "GET, POST, OPTIONS"},
		{"GET query", get(map[string]string{"query": "{ customers(first: 1) { nodes { number } } }"}, ""), 200, gqlJSON, "", true, ""},
		{"GET with variables", get(map[string]string{"query": "query($n: Int) { customers(first: $n) { nodes { number } } }", "variables": `{"n":1}`}, appJSON), 200, appJSON, "", true, ""},
		{"GET validation error, application/json: 200", get(map[string]string{"query": "{ nope }"}, appJSON), 200, appJSON, "GRAPHQL_VALIDATION_FAILED", false, ""},
		{"GET mutation: 405", get(map[string]string{"query": `mutation { createCustomerCategory(input: {name: "Via GET"}) { id } }`}, ""), 405, gqlJSON, "METHOD_NOT_ALLOWED", false, "POST"},
		{"GET mutation by operationName: 405",
			get(map[string]string{"query": `query Q { __typename } mutation M { createCustomerCategory(input: {name: "Via GET"}) { id } }`, "operationName": "M"}, ""), 405, gqlJSON, "METHOD_NOT_ALLOWED", false, "POST"},
		{"GET without query: 400", get(map[string]string{"operationName": "Q"}, ""), 400, gqlJSON, "BAD_REQUEST", false, ""},
		{"GET variables not JSON: 400", get(map[string]string{"query": "{ __typename }", "variables": "n=1"}, ""), 400, gqlJSON, "BAD_REQUEST", false, ""},
		{"GET nothing acceptable: 406", get(map[string]string{"query": "{ __typename }"}, "text/html"), 406, appJSON, "NOT_ACCEPTABLE", false, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h.resetCounts()
			r := exchange(t, tc.req)
			ct := r.header.Get("Content-Type")
			if r.status != tc.status || !strings.HasPrefix(ct, tc.media+"; charset=utf-8") {
				t.Errorf("got %d %s, want %d %s; charset=utf-8: %s", r.status, ct, tc.status, tc.media, r.body)
			}
			if got := firstCode(r); got != tc.code {
				t.Errorf("code %q, want %q: %s", got, tc.code, r.body)
			}
			if r.hasData != tc.hasData {
				t.Errorf("data entry present %v, want %v: %s", r.hasData, tc.hasData, r.body)
			}
			if got := r.header.Get("Allow"); got != tc.allow {
				t.Errorf("Allow %q, want %q", got, tc.allow)
			}
			if tc.req.Method == http.MethodGet {
				if cc := r.header.Get("Cache-Control"); cc != "no-store" {
					t.Errorf("GET Cache-Control %q, want no-store (CUSTGRAPH_GET_CACHE_MAX_AGE is 0)", cc)
				}
			}
			if tc.allow == "POST" {
				if n := h.requests(); n["netsuite"] != 0 {
					t.Errorf("a mutation over GET reached NetSuite: %v", n)
				}
			}
		})
	}
	// A plain OPTIONS (not a CORS preflight) names the methods.
	r := exchange(t, newRequest(t, http.MethodOptions, h.url+"/graphql", ""))
	if r.status != http.StatusOK || r.header.Get("Allow") != "GET, POST, OPTIONS" {
		t.Errorf("OPTIONS: %d, Allow %q", r.status, r.header.Get("Allow"))
	}
}

// TestCORS: browsers on an allowed origin get their preflight answered and may read answers;
// other origins, and every origin when none is configured (the default), get no CORS grant.
func TestCORS(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	allowing := h.addGatewayWith(gateway.Options{HTTP: gateway.HTTPOptions{
		CORSOrigins: []string{"https://app.example.com", "https://*.staging.example.com"}}})
	preflight := func(base, origin string) httpResult {
		return exchange(t, newRequest(t, http.MethodOptions, base+"/graphql", "",
			"Origin", origin, "Access-Control-Request-Method", "POST",
			"Access-Control-Request-Headers", "authorization,content-type")) // as browsers send it: lower case, sorted
	}
	cases := []struct {
		name, base, origin string
		allowed            bool
	}{
		{"listed origin", allowing, "https://app.example.com", true},
		{"wildcard origin", allowing, "https://pr-42.staging.example.com", true},
		{"other origin", allowing, "https://evil.example.net", false},
		{"scheme matters", allowing, "http://app.example.com", false},
		{"default: no origin", h.url, "https://app.example.com", false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p := preflight(tc.base, tc.origin)
			acao := p.header.Get("Access-Control-Allow-Origin")
			if tc.allowed {
				if p.status/100 != 2 || acao != tc.origin {
					t.Fatalf("preflight: %d, Allow-Origin %q", p.status, acao)
				}
				methods := p.header.Get("Access-Control-Allow-Methods")
				headers := strings.ToLower(p.header.Get("Access-Control-Allow-Headers"))
				if !strings.Contains(methods, "POST") || !strings.Contains(headers, "content-type") || !strings.Contains(headers, "authorization") {
					t.Errorf("preflight grants methods %q headers %q", methods, headers)
				}
				if p.header.Get("Access-Control-Max-Age") == "" || p.header.Get("Access-Control-Allow-Credentials") != "" {
					t.Errorf("preflight max-age %q, credentials %q", p.header.Get("Access-Control-Max-Age"), p.header.Get("Access-Control-Allow-Credentials"))
				}
			} else if acao != "" {
				t.Fatalf("preflight from %s granted %q", tc.origin, acao)
			}
			req := newRequest(t, http.MethodPost, tc.base+"/graphql", `{"query":"{ __typename }"}`,
				"Content-Type", "application/json", "Origin", tc.origin)
			r := exchange(t, req)
			if r.status != http.StatusOK {
				t.Fatalf("POST: %d %s", r.status, r.body)
			}
			got := r.header.Get("Access-Control-Allow-Origin")
			if tc.allowed != (got == tc.origin) || (!tc.allowed && got != "") {
				t.Errorf("POST from %s: Allow-Origin %q", tc.origin, got)
			}
			if tc.allowed && !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Origin") {
				t.Errorf("Vary %q lacks Origin", r.header.Values("Vary"))
			}
		})
	}
}

// TestCompression: answers over 1 KiB are zstd or gzip compressed as the client asks, decode to
// the same JSON, and small answers or clients that ask for nothing stay plain.
func TestCompression(t *testing.T) {
	t.Parallel()
	h := newHarness(t, harnessOptions{})
	const big = `{"query":"{ customers(first: 50) { nodes { number name status billToAddress { name } } } }"}`
	const small = `{"query":"{ __typename }"}`
	plain := exchange(t, newRequest(t, http.MethodPost, h.url+"/graphql", big, "Content-Type", "application/json"))
	if plain.status != 200 || len(plain.body) < 4096 || plain.header.Get("Content-Encoding") != "" {
		t.Fatalf("uncompressed answer: %d, %d bytes, encoding %q", plain.status, len(plain.body), plain.header.Get("Content-Encoding"))
	}
	decoders := map[string]func([]byte) ([]byte, error){
		"": func(b []byte) ([]byte, error) { return b, nil },
		"gzip": func(b []byte) ([]byte, error) {
			zr, err := gzip.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			return io.ReadAll(zr)
		},
		"zstd": func(b []byte) ([]byte, error) {
			zr, err := zstd.NewReader(bytes.NewReader(b))
			if err != nil {
				return nil, err
			}
			defer zr.Close()
			return io.ReadAll(zr)
		},
	}
	cases := []struct {
		name, acceptEncoding, body, want string
		gateway                          string
	}{
		{"gzip", "gzip", big, "gzip", h.url},
		{"zstd", "zstd", big, "zstd", h.url},
		{"zstd preferred on a tie", "gzip, deflate, br, zstd", big, "zstd", h.url},
		{"by q-value", "zstd;q=0.5, gzip", big, "gzip", h.url},
		{"identity only", "identity", big, "", h.url},
		{"no Accept-Encoding", "", big, "", h.url},
		{"small answer stays plain", "gzip, zstd", small, "", h.url},
		{"turned off", "gzip, zstd", big, "", h.addGatewayWith(gateway.Options{HTTP: gateway.HTTPOptions{DisableCompression: true}})},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			req := newRequest(t, http.MethodPost, tc.gateway+"/graphql", tc.body, "Content-Type", "application/json")
			if tc.acceptEncoding != "" {
				req.Header.Set("Accept-Encoding", tc.acceptEncoding)
			}
			r := exchange(t, req)
			if got := r.header.Get("Content-Encoding"); got != tc.want || r.status != 200 {
				t.Fatalf("%d, Content-Encoding %q, want %q", r.status, got, tc.want)
			}
			decoded, err := decoders[tc.want](r.body)
			if err != nil {
				t.Fatal(err)
			}
			var v map[string]any
			if err := json.Unmarshal(decoded, &v); err != nil || v["data"] == nil {
				t.Fatalf("decoded body is not the answer: %v: %.200s", err, decoded)
			}
			if tc.body == big && !bytes.Equal(decoded, plain.body) {
				t.Errorf("decoded answer differs from the plain one")
			}
			if tc.want != "" {
				t.Logf("%s: %d bytes instead of %d", tc.want, len(r.body), len(plain.body))
				if !strings.Contains(strings.Join(r.header.Values("Vary"), ","), "Accept-Encoding") {
					t.Errorf("Vary %q lacks Accept-Encoding", r.header.Values("Vary"))
				}
			}
		})
	}
}
