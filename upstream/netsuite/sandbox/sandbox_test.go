package sandbox

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"flag"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/goleak"

	"custgraph/upstream/seed"
	"custgraph/upstream/sim"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

// exampleBase replaces the test server's address in goldens, so they read like the contract's
// examples and do not change with the port.
const exampleBase = "https://1234567.suitetalk.api.netsuite.com"

type harness struct {
	sb    *Simulator
	srv   *httptest.Server
	token string
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	sb := New(Options{Seed: seed.Generate(seed.Options{Customers: 12, Categories: 8, Groups: 4})})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	tok, _ := sb.tokens.Issue()
	return &harness{sb: sb, srv: srv, token: tok}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends one request; header values "" are dropped, and Authorization is added unless
// noAuth. It fails the test on a transport error.
func (h *harness) call(t *testing.T, method, path, body string, header map[string]string, noAuth bool) response {
	t.Helper()
	r, err := h.send(t, method, path, body, header, noAuth)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// send is call without failing the test, for use from other goroutines.
func (h *harness) send(t *testing.T, method, path, body string, header map[string]string, noAuth bool) (response, error) {
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, h.srv.URL+path, rd)
	if err != nil {
		return response{}, err
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	if !noAuth {
		req.Header.Set("Authorization", "Bearer "+h.token)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := h.srv.Client().Do(req)
	if err != nil {
		return response{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return response{}, err
	}
	return response{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

func (h *harness) suiteQL(t *testing.T, q, params string) response {
	t.Helper()
	body, _ := json.Marshal(map[string]string{"q": q})
	return h.call(t, http.MethodPost, "/services/rest/query/v1/suiteql"+params, string(body), map[string]string{"Prefer": "transient"}, false)
}

// errorOf decodes a NetSuite error body.
func errorOf(t *testing.T, r response) errorBody {
	t.Helper()
	var e errorBody
	if err := json.Unmarshal(r.body, &e); err != nil || len(e.Details) != 1 {
		t.Fatalf("not a NetSuite error (%v): %s", err, r.body)
	}
	if e.Status != r.status || e.Title != http.StatusText(r.status) || !strings.HasPrefix(e.Type, "https://www.rfc-editor.org/rfc/") {
		t.Errorf("error envelope %+v does not match status %d", e, r.status)
	}
	return e
}

func q(s string) string { return url.QueryEscape(s) }

func TestGolden(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	suiteQLBody := func(s string) string { b, _ := json.Marshal(map[string]string{"q": s}); return string(b) }
	transient := map[string]string{"Prefer": "transient"}
	tests := []struct {
		name, method, path, body string
		header                   map[string]string
		noAuth                   bool
		status                   int
	}{
		{name: "get_category", method: "GET", path: "/services/rest/record/v1/customerCategory/1", status: 200},
		{name: "get_category_fields", method: "GET", path: "/services/rest/record/v1/customerCategory/2?fields=name", status: 200},
		{name: "list_categories", method: "GET", path: "/services/rest/record/v1/customerCategory?q=" + q("isInactive IS false") + "&limit=2&offset=2", status: 200},
		{name: "list_customers_of_category", method: "GET", path: "/services/rest/record/v1/customer?q=" + q("category ANY_OF [1, 2]") + "&limit=2", status: 200},
		{name: "get_customer", method: "GET", path: "/services/rest/record/v1/customer/5001", status: 200},
		{name: "suiteql_batch", method: "POST", path: "/services/rest/query/v1/suiteql?limit=2",
			body: suiteQLBody("SELECT id, name, isinactive FROM customercategory WHERE id IN (1, 2, 3)"), header: transient, status: 200},
		{name: "suiteql_join", method: "POST", path: "/services/rest/query/v1/suiteql",
			body: suiteQLBody("SELECT c.entityid, c.category, cc.name, cc.isinactive FROM customer c LEFT JOIN customercategory cc " +
				"ON cc.id = c.category WHERE c.entityid IN ('C-1001', 'C-1002')"), header: transient, status: 200},
		{name: "error_not_found", method: "GET", path: "/services/rest/record/v1/customerCategory/999", status: 404},
		{name: "error_in_use", method: "DELETE", path: "/services/rest/record/v1/customerCategory/1", status: 400},
		{name: "error_duplicate", method: "POST", path: "/services/rest/record/v1/customerCategory", body: `{"name": "enterprise"}`, status: 400},
		{name: "error_invalid_q", method: "GET", path: "/services/rest/record/v1/customerCategory?q=" + q("name='Enterprise'"), status: 400},
		{name: "error_invalid_suiteql", method: "POST", path: "/services/rest/query/v1/suiteql",
			body: suiteQLBody("SELECT * FROM customercategory"), header: transient, status: 400},
		{name: "error_unauthorized", method: "GET", path: "/services/rest/record/v1/customerCategory/1", noAuth: true, status: 401},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := h.call(t, tt.method, tt.path, tt.body, tt.header, tt.noAuth)
			if r.status != tt.status {
				t.Fatalf("status %d, want %d: %s", r.status, tt.status, r.body)
			}
			var v any
			if err := json.Unmarshal(r.body, &v); err != nil {
				t.Fatalf("body is not JSON: %v", err)
			}
			var pretty bytes.Buffer
			if err := json.Indent(&pretty, r.body, "", "  "); err != nil {
				t.Fatal(err)
			}
			got := strings.ReplaceAll(pretty.String(), h.srv.URL, exampleBase)
			file := filepath.Join("testdata", tt.name+".golden.json")
			if *update {
				if err := os.WriteFile(file, []byte(got), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(file)
			if err != nil {
				t.Fatalf("%v (run go test -update to create it)", err)
			}
			if got != string(want) {
				t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", tt.name, got, want)
			}
		})
	}
}

func TestAuthRequired(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	routes := []struct{ method, path string }{
		{"GET", "/services/rest/record/v1/customerCategory"},
		{"POST", "/services/rest/record/v1/customerCategory"},
		{"GET", "/services/rest/record/v1/customerCategory/1"},
		{"PATCH", "/services/rest/record/v1/customerCategory/1"},
		{"DELETE", "/services/rest/record/v1/customerCategory/1"},
		{"GET", "/services/rest/record/v1/customer"},
		{"GET", "/services/rest/record/v1/customer/5001"},
		{"PATCH", "/services/rest/record/v1/customer/5001"},
		{"POST", "/services/rest/query/v1/suiteql"},
	}
	for _, rt := range routes {
		t.Run(rt.method+" "+rt.path, func(t *testing.T) {
			t.Parallel()
			for _, auth := range []string{"", "Bearer not-a-token", "Basic abc"} {
				r := h.call(t, rt.method, rt.path, `{}`, map[string]string{"Authorization": auth}, true)
				if r.status != http.StatusUnauthorized || errorOf(t, r).Details[0].Code != "INVALID_LOGIN" {
					t.Errorf("Authorization %q: %d %s, want 401 INVALID_LOGIN", auth, r.status, r.body)
				}
			}
		})
	}
	// Nothing changed.
	if r := h.call(t, "DELETE", "/services/rest/record/v1/customerCategory/8", "", nil, false); r.status != http.StatusNoContent {
		t.Errorf("category 8 after unauthorised calls: %d %s", r.status, r.body)
	}
}

func sandboxKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	block, _ := pem.Decode([]byte(sandboxKeyPEM))
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return k.(*ecdsa.PrivateKey)
}

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	key := sandboxKey(t)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	aud := h.srv.URL + "/services/rest/auth/oauth2/v1/token"
	now := time.Now()
	claims := func(mut func(jwt.MapClaims)) jwt.MapClaims {
		c := jwt.MapClaims{"iss": SandboxClientID, "aud": aud, "scope": []string{"restlets", "rest_webservices"},
			"iat": now.Unix(), "exp": now.Add(5 * time.Minute).Unix()}
		if mut != nil {
			mut(c)
		}
		return c
	}
	sign := func(method jwt.SigningMethod, k any, header map[string]any, c jwt.MapClaims) string {
		tok := jwt.NewWithClaims(method, c)
		tok.Header["kid"] = SandboxCertificateID
		for hk, hv := range header {
			if hv == nil {
				delete(tok.Header, hk)
			} else {
				tok.Header[hk] = hv
			}
		}
		s, err := tok.SignedString(k)
		if err != nil {
			t.Fatal(err)
		}
		return s
	}
	good := sign(jwt.SigningMethodES256, key, nil, claims(nil))
	form := func(grant, assertionType, assertion string) string {
		return url.Values{"grant_type": {grant}, "client_assertion_type": {assertionType}, "client_assertion": {assertion}}.Encode()
	}
	const jwtType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	tests := []struct {
		name    string
		body    string
		wantErr string // "" = success
	}{
		{"valid", form("client_credentials", jwtType, good), ""},
		{"scope as a comma-separated string", form("client_credentials", jwtType,
			sign(jwt.SigningMethodES256, key, nil, claims(func(c jwt.MapClaims) { c["scope"] = "restlets, rest_webservices" }))), ""},
		{"wrong grant", form("password", jwtType, good), "unsupported_grant_type"},
		{"wrong assertion type", form("client_credentials", "jwt", good), "invalid_request"},
		{"no assertion", form("client_credentials", jwtType, ""), "invalid_request"},
		{"not a JWT", form("client_credentials", jwtType, "abc"), "invalid_grant"},
		{"another key", form("client_credentials", jwtType, sign(jwt.SigningMethodES256, other, nil, claims(nil))), "invalid_grant"},
		{"HS256", form("client_credentials", jwtType, sign(jwt.SigningMethodHS256, []byte("secret"), nil, claims(nil))), "invalid_grant"},
		{"unknown kid", form("client_credentials", jwtType, sign(jwt.SigningMethodES256, key, map[string]any{"kid": "x"}, claims(nil))), "invalid_grant"},
		{"no typ", form("client_credentials", jwtType, sign(jwt.SigningMethodES256, key, map[string]any{"typ": nil}, claims(nil))), "invalid_grant"},
		{"wrong iss", form("client_credentials", jwtType, sign(jwt.SigningMethodES256, key, nil, claims(func(c jwt.MapClaims) { c["iss"] = "x" }))), "invalid_grant"},
		{"wrong aud", form("client_credentials", jwtType, sign(jwt.SigningMethodES256, key, nil, claims(func(c jwt.MapClaims) { c["aud"] = "https://x/token" }))), "invalid_grant"},
		{"expired", form("client_credentials", jwtType, sign(jwt.SigningMethodES256, key, nil, claims(func(c jwt.MapClaims) {
			c["iat"] = now.Add(-2 * time.Hour).Unix()
			c["exp"] = now.Add(-time.Hour).Unix()
		}))), "invalid_grant"},
		{"lives over an hour", form("client_credentials", jwtType, sign(jwt.SigningMethodES256, key, nil, claims(func(c jwt.MapClaims) {
			c["exp"] = now.Add(61 * time.Minute).Unix()
		}))), "invalid_grant"},
		{"no iat", form("client_credentials", jwtType, sign(jwt.SigningMethodES256, key, nil, claims(func(c jwt.MapClaims) { delete(c, "iat") }))), "invalid_grant"},
		{"no exp", form("client_credentials", jwtType, sign(jwt.SigningMethodES256, key, nil, claims(func(c jwt.MapClaims) { delete(c, "exp") }))), "invalid_grant"},
		{"no REST scope", form("client_credentials", jwtType, sign(jwt.SigningMethodES256, key, nil, claims(func(c jwt.MapClaims) { c["scope"] = []string{"restlets"} }))), "invalid_grant"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			req, _ := http.NewRequestWithContext(t.Context(), "POST", aud, strings.NewReader(tt.body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			resp, err := h.srv.Client().Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			var out map[string]any
			if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
				t.Fatal(err)
			}
			if tt.wantErr != "" {
				if resp.StatusCode != http.StatusBadRequest || out["error"] != tt.wantErr {
					t.Fatalf("%d %v, want 400 %s", resp.StatusCode, out, tt.wantErr)
				}
				return
			}
			if resp.StatusCode != http.StatusOK || out["token_type"] != "Bearer" || out["expires_in"] != "3600" {
				t.Fatalf("%d %v, want a bearer token living 3600 s", resp.StatusCode, out)
			}
			tok, _ := out["access_token"].(string)
			h2 := &harness{sb: h.sb, srv: h.srv, token: tok}
			if r := h2.call(t, "GET", "/services/rest/record/v1/customerCategory/1", "", nil, false); r.status != http.StatusOK {
				t.Errorf("issued token refused: %d %s", r.status, r.body)
			}
		})
	}
}

func TestSuiteQLRequiresPreferTransient(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	body := `{"q": "SELECT id FROM customercategory"}`
	for _, prefer := range []string{"", "respond-async"} {
		r := h.call(t, "POST", "/services/rest/query/v1/suiteql", body, map[string]string{"Prefer": prefer}, false)
		if e := errorOf(t, r); r.status != http.StatusBadRequest || e.Details[0].Code != "INVALID_HEADER" || e.Details[0].Header != "Prefer" {
			t.Errorf("Prefer %q: %d %s", prefer, r.status, r.body)
		}
	}
	if r := h.call(t, "POST", "/services/rest/query/v1/suiteql", body, map[string]string{"Prefer": "respond-async, Transient"}, false); r.status != http.StatusOK {
		t.Errorf("Prefer with transient among others: %d %s", r.status, r.body)
	}
}

// rows decodes a SuiteQL answer's items without their links.
func rows(t *testing.T, r response) []map[string]string {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("%d %s", r.status, r.body)
	}
	var c struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal(r.body, &c); err != nil {
		t.Fatal(err)
	}
	out := make([]map[string]string, len(c.Items))
	for i, it := range c.Items {
		out[i] = map[string]string{}
		for k, v := range it {
			if k == "links" {
				continue
			}
			s, ok := v.(string)
			if !ok {
				t.Fatalf("column %s is %T, want a string", k, v)
			}
			out[i][k] = s
		}
	}
	return out
}

func TestSuiteQLSemantics(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	if r := h.call(t, "PATCH", "/services/rest/record/v1/customer/5002", `{"category": null}`, nil, false); r.status != http.StatusNoContent {
		t.Fatalf("clear category: %d %s", r.status, r.body)
	}
	if r := h.call(t, "POST", "/services/rest/record/v1/customerCategory", `{"name": "100% a_b\\c"}`, nil, false); r.status != http.StatusNoContent {
		t.Fatalf("create: %d %s", r.status, r.body)
	}
	tests := []struct {
		name, q string
		want    []map[string]string
	}{
		{"left join keeps customers without a category and leaves NULLs out",
			"SELECT c.entityid, c.category, cc.name FROM customer c LEFT JOIN customercategory cc ON cc.id = c.category WHERE c.entityid IN ('C-1002')",
			[]map[string]string{{"entityid": "C-1002"}}},
		{"inner join drops them",
			"SELECT c.entityid FROM customer c JOIN customercategory cc ON cc.id = c.category WHERE c.entityid = 'C-1002'", []map[string]string{}},
		{"booleans are T/F", "SELECT id, isinactive FROM customercategory WHERE id IN (1, 8)",
			[]map[string]string{{"id": "1", "isinactive": "F"}, {"id": "8", "isinactive": "T"}}},
		{"order by desc", "SELECT id FROM customercategory WHERE id IN (1, 2, 3) ORDER BY id DESC",
			[]map[string]string{{"id": "3"}, {"id": "2"}, {"id": "1"}}},
		{"or", "SELECT id FROM customercategory WHERE id = 1 OR name = 'Startup' ORDER BY id",
			[]map[string]string{{"id": "1"}, {"id": "4"}}},
		{"= is case-sensitive", "SELECT id FROM customercategory WHERE name = 'startup'", []map[string]string{}},
		{"UPPER makes it case-insensitive", "SELECT id FROM customercategory WHERE UPPER(name) = UPPER('startup')", []map[string]string{{"id": "4"}}},
		{"LIKE with ESCAPE", `SELECT id FROM customercategory WHERE name LIKE '100\% a\_b\\%' ESCAPE '\'`, []map[string]string{{"id": "9"}}},
		{"unescaped wildcard", "SELECT id FROM customercategory WHERE name LIKE 'S%' ORDER BY id", []map[string]string{{"id": "3"}, {"id": "4"}}},
		{"alias", "SELECT id AS categoryid FROM customercategory WHERE id = 2", []map[string]string{{"categoryid": "2"}}},
		{"quote in a literal", "SELECT id FROM customer WHERE entityid = 'it''s'", []map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := rows(t, h.suiteQL(t, tt.q, ""))
			if len(got) != len(tt.want) {
				t.Fatalf("rows %v, want %v", got, tt.want)
			}
			for i := range got {
				if len(got[i]) != len(tt.want[i]) {
					t.Fatalf("row %d = %v, want %v", i, got[i], tt.want[i])
				}
				for k, v := range tt.want[i] {
					if got[i][k] != v {
						t.Fatalf("row %d = %v, want %v", i, got[i], tt.want[i])
					}
				}
			}
		})
	}
}

func TestSuiteQLPaging(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.suiteQL(t, "SELECT id FROM customer ORDER BY id", "?limit=5&offset=10")
	var c collectionJSON
	if err := json.Unmarshal(r.body, &c); err != nil {
		t.Fatal(err)
	}
	if c.Count != 2 || c.HasMore || c.Offset != 10 || c.TotalResults != 12 {
		t.Errorf("envelope %+v, want the last 2 of 12", c)
	}
	if len(c.Links) != 2 || c.Links[0].Rel != "self" || c.Links[1].Rel != "prev" || !strings.HasSuffix(c.Links[1].Href, "?limit=5&offset=5") {
		t.Errorf("links %+v", c.Links)
	}
	for _, params := range []string{"?limit=0", "?limit=1001", "?limit=x", "?limit=5&offset=7", "?offset=-1000"} {
		r := h.suiteQL(t, "SELECT id FROM customer", params)
		if e := errorOf(t, r); r.status != 400 || e.Details[0].Code != "INVALID_PARAMETER" || e.Details[0].QueryParam == "" {
			t.Errorf("%s: %d %s", params, r.status, r.body)
		}
	}
}

func TestSuiteQLErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct{ name, q, want string }{
		{"unknown table", "SELECT id FROM transaction", "record transaction was not found"},
		{"unknown column", "SELECT color FROM customercategory", "field color was not found"},
		{"unknown alias", "SELECT x.id FROM customercategory c", "field x.id was not found"},
		{"ambiguous", "SELECT id FROM customer c LEFT JOIN customercategory cc ON cc.id = c.category", "ambiguous"},
		{"same output name twice", "SELECT c.id, cc.id FROM customer c LEFT JOIN customercategory cc ON cc.id = c.category", "selected twice"},
		{"type mismatch", "SELECT id FROM customercategory WHERE id = '1'", "cannot compare number with text"},
		{"IN type mismatch", "SELECT id FROM customer WHERE entityid IN (1)", "does not match"},
		{"LIKE on a number", "SELECT id FROM customer WHERE id LIKE '1%'", "LIKE compares text"},
		{"LIKE with a column pattern", "SELECT id FROM customer WHERE entityid LIKE companyname", "must be literals"},
		{"bad escape sequence", `SELECT id FROM customer WHERE entityid LIKE 'a\b' ESCAPE '\'`, "invalid escape"},
		{"UPPER of a number", "SELECT id FROM customer WHERE UPPER(id) = '1'", "takes text"},
		{"syntax", "SELECT id FROM customer WHERE id > 1", "unexpected character"},
		{"alias used twice", "SELECT c.id FROM customer c JOIN customer c ON c.id = c.id", "used twice"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := h.suiteQL(t, tt.q, "")
			e := errorOf(t, r)
			if r.status != 400 || e.Details[0].Code != "INVALID_PARAMETER" ||
				!strings.HasPrefix(e.Details[0].Detail, "Invalid search query.") || !strings.Contains(e.Details[0].Detail, tt.want) {
				t.Errorf("%d %s, want 400 INVALID_PARAMETER mentioning %q", r.status, r.body, tt.want)
			}
		})
	}
	for _, body := range []string{`not json`, `{"query": "SELECT id FROM customer"}`, `{"q": 5}`} {
		r := h.call(t, "POST", "/services/rest/query/v1/suiteql", body, map[string]string{"Prefer": "transient"}, false)
		if e := errorOf(t, r); r.status != 400 || e.Details[0].Code != "INVALID_CONTENT" {
			t.Errorf("body %s: %d %s", body, r.status, r.body)
		}
	}
}

func TestRecordListFilters(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	list := func(path string) []string {
		r := h.call(t, "GET", path, "", nil, false)
		var c struct {
			Items []itemJSON `json:"items"`
		}
		if r.status != 200 || json.Unmarshal(r.body, &c) != nil {
			t.Fatalf("%s: %d %s", path, r.status, r.body)
		}
		ids := []string{}
		for _, it := range c.Items {
			ids = append(ids, it.ID)
			if len(it.Links) != 1 || !strings.HasSuffix(it.Links[0].Href, "/"+it.ID) {
				t.Errorf("item links %+v", it.Links)
			}
		}
		return ids
	}
	tests := []struct{ path, want string }{
		{"/services/rest/record/v1/customerCategory?q=" + q(`name START_WITH "s" OR (id BETWEEN [7, 8] AND isInactive IS true)`), "3,4,7,8"},
		{"/services/rest/record/v1/customerCategory?q=" + q(`name IS retail`), "8"}, // a bare word is text
		{"/services/rest/record/v1/customerCategory?q=" + q(`id ANY_OF_NOT [1, 2, 3, 4, 5, 6]`), "7,8"},
		{"/services/rest/record/v1/customer?q=" + q(`entityId IS "C-1003" OR companyName START_WITH "Globex"`), "5002,5003"},
		{"/services/rest/record/v1/customer?q=" + q(`id GREATER_OR_EQUAL 5011`), "5011,5012"},
	}
	for _, tt := range tests {
		if got := strings.Join(list(tt.path), ","); got != tt.want {
			t.Errorf("%s = %s, want %s", tt.path, got, tt.want)
		}
	}
	for _, bad := range []string{`name='Enterprise'`, `name LIKE "Enter%"`, `isInactive=false`, `color IS "red"`, `id CONTAIN "1"`, `name IS "x" AND`} {
		r := h.call(t, "GET", "/services/rest/record/v1/customerCategory?q="+q(bad), "", nil, false)
		if e := errorOf(t, r); r.status != 400 || e.Details[0].Code != "INVALID_PARAMETER" || e.Details[0].QueryParam != "q" {
			t.Errorf("q %s: %d %s", bad, r.status, r.body)
		}
	}
}

func TestCategoryRecordErrors(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	tests := []struct {
		name, method, path, body string
		status                   int
		code, field              string
	}{
		{"not an id", "GET", "/services/rest/record/v1/customerCategory/abc", "", 404, "NONEXISTENT_ID", ""},
		{"unknown fields=", "GET", "/services/rest/record/v1/customerCategory/1?fields=color", "", 400, "INVALID_PARAMETER", "fields"},
		{"create without name", "POST", "/services/rest/record/v1/customerCategory", `{"isInactive": true}`, 400, "INVALID_CONTENT", "name"},
		{"create with blank name", "POST", "/services/rest/record/v1/customerCategory", `{"name": " "}`, 400, "INVALID_CONTENT", "name"},
		{"name not a string", "POST", "/services/rest/record/v1/customerCategory", `{"name": 5}`, 400, "INVALID_CONTENT", "name"},
		{"unknown field", "POST", "/services/rest/record/v1/customerCategory", `{"name": "x", "color": "red"}`, 400, "INVALID_CONTENT", "color"},
		{"not JSON", "POST", "/services/rest/record/v1/customerCategory", `name=x`, 400, "INVALID_CONTENT", ""},
		{"patch missing", "PATCH", "/services/rest/record/v1/customerCategory/999", `{"name": "x"}`, 404, "NONEXISTENT_ID", ""},
		{"patch bad flag", "PATCH", "/services/rest/record/v1/customerCategory/1", `{"isInactive": "yes"}`, 400, "INVALID_CONTENT", "isInactive"},
		{"delete missing", "DELETE", "/services/rest/record/v1/customerCategory/999", "", 404, "NONEXISTENT_ID", ""},
		{"customer missing", "PATCH", "/services/rest/record/v1/customer/1", `{"category": null}`, 404, "NONEXISTENT_ID", ""},
		{"customer bad ref", "PATCH", "/services/rest/record/v1/customer/5001", `{"category": "5"}`, 400, "INVALID_CONTENT", "category"},
		{"customer unknown category", "PATCH", "/services/rest/record/v1/customer/5001", `{"category": {"id": 99}}`, 400, "INVALID_CONTENT", "category"},
		{"customer inactive category", "PATCH", "/services/rest/record/v1/customer/5001", `{"category": {"id": "8"}}`, 400, "INVALID_CONTENT", "category"},
		{"customer unknown field", "PATCH", "/services/rest/record/v1/customer/5001", `{"salesRep": {"id": "1"}}`, 400, "INVALID_CONTENT", "salesRep"},
		{"wrong method", "PUT", "/services/rest/record/v1/customerCategory/1", `{}`, 405, "INVALID_PARAMETER", ""},
		{"unknown record", "GET", "/services/rest/record/v1/salesOrder/1", "", 404, "INVALID_URL", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := h.call(t, tt.method, tt.path, tt.body, nil, false)
			e := errorOf(t, r)
			if r.status != tt.status || e.Details[0].Code != tt.code || e.Details[0].Path+e.Details[0].QueryParam != tt.field {
				t.Errorf("%d %s, want %d %s at %q", r.status, r.body, tt.status, tt.code, tt.field)
			}
		})
	}
}

func TestWritesAndReset(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	r := h.call(t, "POST", "/services/rest/record/v1/customerCategory", `{"name": "Gov", "isInactive": true}`, nil, false)
	if r.status != http.StatusNoContent || len(r.body) != 0 || r.header.Get("Location") != h.srv.URL+"/services/rest/record/v1/customerCategory/9" {
		t.Fatalf("create: %d %q Location %q", r.status, r.body, r.header.Get("Location"))
	}
	if r := h.call(t, "PATCH", "/services/rest/record/v1/customerCategory/9", `{"name": "Government"}`, nil, false); r.status != http.StatusNoContent || len(r.body) != 0 {
		t.Fatalf("patch: %d %s", r.status, r.body)
	}
	if r := h.call(t, "PATCH", "/services/rest/record/v1/customer/5001", `{"category": {"id": 2}, "isInactive": true}`, nil, false); r.status != http.StatusNoContent {
		t.Fatalf("patch customer: %d %s", r.status, r.body)
	}
	var cu customerJSON
	r = h.call(t, "GET", "/services/rest/record/v1/customer/5001", "", nil, false)
	if err := json.Unmarshal(r.body, &cu); err != nil || cu.Category == nil || cu.Category.ID != "2" || cu.Category.RefName != "Mid-Market" || !cu.IsInactive {
		t.Fatalf("customer after patch: %s", r.body)
	}
	if r := h.call(t, "PATCH", "/services/rest/record/v1/customer/5001", `{"category": {"id": ""}}`, nil, false); r.status != http.StatusNoContent {
		t.Fatalf("clear with empty id: %d %s", r.status, r.body)
	}
	r = h.call(t, "GET", "/services/rest/record/v1/customer/5001", "", nil, false)
	if strings.Contains(string(r.body), `"category"`) {
		t.Errorf("cleared category still shown: %s", r.body)
	}
	h.sb.Server().Reset()
	if r := h.call(t, "GET", "/services/rest/record/v1/customerCategory/9", "", nil, false); r.status != http.StatusNotFound {
		t.Errorf("created category survived Reset: %d", r.status)
	}
	r = h.call(t, "GET", "/services/rest/record/v1/customer/5001", "", nil, false)
	if err := json.Unmarshal(r.body, &cu); err != nil || cu.IsInactive || cu.Category == nil {
		t.Errorf("customer after Reset: %s", r.body)
	}
	if st := h.sb.Server().Stats(); st.Requests != 2 {
		t.Errorf("stats after Reset = %+v, want only the 2 calls since", st)
	}
}

func TestFaults(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		faults     sim.Faults
		status     int
		code       string
		retryAfter string
	}{
		{"down", sim.Faults{Down: true}, 503, "UNEXPECTED_ERROR", ""},
		{"injected 500", sim.Faults{ErrorRate: 1, ErrorStatus: 500}, 500, "UNEXPECTED_ERROR", ""},
		{"injected 429", sim.Faults{ErrorRate: 1, ErrorStatus: 429, RetryAfterS: 2}, 429, "CONCURRENCY_LIMIT_EXCEEDED", "2"},
		{"injected 404", sim.Faults{ErrorRate: 1, ErrorStatus: 404}, 404, "NONEXISTENT_ID", ""},
		{"injected 401", sim.Faults{ErrorRate: 1, ErrorStatus: 401}, 401, "INVALID_LOGIN", ""},
		{"injected 409", sim.Faults{ErrorRate: 1, ErrorStatus: 409}, 409, "USER_ERROR", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t)
			if err := h.sb.Server().SetFaults(tt.faults); err != nil {
				t.Fatal(err)
			}
			r := h.call(t, "GET", "/services/rest/record/v1/customerCategory/1", "", nil, false)
			if e := errorOf(t, r); r.status != tt.status || e.Details[0].Code != tt.code || r.header.Get("Retry-After") != tt.retryAfter {
				t.Errorf("%d Retry-After %q %s", r.status, r.header.Get("Retry-After"), r.body)
			}
		})
	}
	t.Run("concurrency", func(t *testing.T) {
		t.Parallel()
		h := newHarness(t)
		if err := h.sb.Server().SetFaults(sim.Faults{MaxConcurrent: 1, LatencyMS: 300}); err != nil {
			t.Fatal(err)
		}
		done := make(chan response, 1)
		go func() {
			r, err := h.send(t, "GET", "/services/rest/record/v1/customerCategory/1", "", nil, false)
			if err != nil {
				r = response{status: -1, body: []byte(err.Error())}
			}
			done <- r
		}()
		time.Sleep(100 * time.Millisecond)
		r := h.call(t, "GET", "/services/rest/record/v1/customerCategory/2", "", nil, false)
		if e := errorOf(t, r); r.status != 429 || e.Details[0].Code != "CONCURRENCY_LIMIT_EXCEEDED" {
			t.Errorf("over the limit: %d %s", r.status, r.body)
		}
		if first := <-done; first.status != 200 {
			t.Errorf("within the limit: %d %s", first.status, first.body)
		}
	})
}

func TestDefaultSeed(t *testing.T) {
	t.Parallel()
	sb := New(Options{})
	srv := httptest.NewServer(sb)
	t.Cleanup(srv.Close)
	h := &harness{sb: sb, srv: srv}
	h.token, _ = sb.tokens.Issue()
	var c collectionJSON
	_ = json.Unmarshal(h.call(t, "GET", "/services/rest/record/v1/customerCategory", "", nil, false).body, &c)
	var cu collectionJSON
	_ = json.Unmarshal(h.call(t, "GET", "/services/rest/record/v1/customer?limit=1", "", nil, false).body, &cu)
	if c.TotalResults != 20 || cu.TotalResults != 200 {
		t.Errorf("default seed: %d categories, %d customers; want 20 and 200", c.TotalResults, cu.TotalResults)
	}
}

func TestClientConfig(t *testing.T) {
	t.Parallel()
	cfg := ClientConfig("http://localhost:1")
	if cfg.ClientID != SandboxClientID || cfg.CertificateID != SandboxCertificateID || !bytes.Contains(cfg.PrivateKeyPEM, []byte("PRIVATE KEY")) {
		t.Errorf("ClientConfig = %+v", cfg)
	}
}
