package auth_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"go.uber.org/goleak"

	"custgraph/auth"
	"custgraph/auth/authtest"
)

func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }

const serviceKey = "cg_test_service_key_0123456789abcdef"

// server runs the real middleware in front of a handler that echoes the caller.
func server(t *testing.T, is *authtest.Issuer) *httptest.Server {
	t.Helper()
	keys, err := auth.ParseAPIKeys("reporting=" + auth.HashAPIKey(serviceKey) + " customers:read")
	if err != nil {
		t.Fatal(err)
	}
	a, err := auth.New(t.Context(), auth.Config{JWKSURL: is.URL, Issuer: authtest.IssuerURL, Audience: authtest.Audience, APIKeys: keys})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(a.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, _ := auth.CallerFrom(r.Context())
		_ = json.NewEncoder(w).Encode(c)
	})))
	t.Cleanup(srv.Close)
	return srv
}

type answer struct {
	status    int
	challenge []string
	caller    auth.Caller
	code      string
	reason    string
	body      string
}

func call(t *testing.T, url string, header map[string]string) answer {
	t.Helper()
	req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, url, strings.NewReader(`{}`))
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var raw json.RawMessage
	_ = json.NewDecoder(resp.Body).Decode(&raw)
	a := answer{status: resp.StatusCode, challenge: resp.Header.Values("WWW-Authenticate"), body: string(raw)}
	if resp.StatusCode == http.StatusOK {
		_ = json.Unmarshal(raw, &a.caller)
		return a
	}
	var e struct {
		Data   any
		Errors []struct {
			Extensions struct{ Code, Reason string }
		}
	}
	if err := json.Unmarshal(raw, &e); err != nil || len(e.Errors) != 1 || e.Data != nil {
		t.Fatalf("401 body is not a GraphQL error without data: %s", raw)
	}
	a.code, a.reason = e.Errors[0].Extensions.Code, e.Errors[0].Extensions.Reason
	return a
}

func bearer(tok string) map[string]string { return map[string]string{"Authorization": "Bearer " + tok} }

func TestAuthenticate(t *testing.T) {
	t.Parallel()
	is := authtest.NewIssuer(t)
	srv := server(t, is)
	stranger := is.UnpublishedKey(t)
	good := authtest.Claims("user-1", "customers:read", "customers:write")
	with := func(mod func(jwt.MapClaims)) jwt.MapClaims {
		c := authtest.Claims("user-1", "customers:read")
		mod(c)
		return c
	}
	hour := time.Hour
	now := time.Now()
	impostor := is.Impostor(t)
	noneTok, _ := jwt.NewWithClaims(jwt.SigningMethodNone, good).SignedString(jwt.UnsafeAllowNoneSignatureType)
	hmacTok, _ := jwt.NewWithClaims(jwt.SigningMethodHS256, good).SignedString([]byte("shared"))

	tests := []struct {
		name   string
		header map[string]string
		reason string // "" = accepted
	}{
		{"valid token", bearer(is.Token(t, good)), ""},
		{"no credential", nil, "missing"},
		{"expired", bearer(is.Token(t, with(func(c jwt.MapClaims) {
			c["exp"], c["iat"], c["nbf"] = now.Add(-hour).Unix(), now.Add(-2*hour).Unix(), now.Add(-2*hour).Unix()
		}))), "expired"},
		{"not yet valid", bearer(is.Token(t, with(func(c jwt.MapClaims) { c["nbf"] = now.Add(hour).Unix() }))), "not_yet_valid"},
		{"wrong audience", bearer(is.Token(t, with(func(c jwt.MapClaims) { c["aud"] = "https://other.api/" }))), "audience"},
		{"no audience", bearer(is.Token(t, with(func(c jwt.MapClaims) { delete(c, "aud") }))), "claims"},
		{"wrong issuer", bearer(is.Token(t, with(func(c jwt.MapClaims) { c["iss"] = "https://evil.example/" }))), "issuer"},
		{"no expiry", bearer(is.Token(t, with(func(c jwt.MapClaims) { delete(c, "exp") }))), "claims"},
		{"no subject", bearer(is.Token(t, with(func(c jwt.MapClaims) { delete(c, "sub") }))), "claims"},
		{"bad signature (known kid, other key)", bearer(authtest.SignWith(t, impostor, good)), "signature"},
		{"unknown key", bearer(authtest.SignWith(t, stranger, good)), "unknown_key"},
		{"alg none", bearer(noneTok), "signature"},
		{"alg HS256", bearer(hmacTok), "signature"},
		{"tampered payload", bearer(tamper(is.Token(t, good))), "signature"},
		{"malformed", bearer("not.a.jwt"), "malformed"},
		{"huge token", bearer(strings.Repeat("a", 9000)), "malformed"},
		{"basic auth", map[string]string{"Authorization": "Basic dXNlcjpwYXNz"}, "malformed"},
		{"api key", map[string]string{auth.APIKeyHeader: serviceKey}, ""},
		{"wrong api key", map[string]string{auth.APIKeyHeader: serviceKey + "x"}, "api_key"},
		{"api key hash as key", map[string]string{auth.APIKeyHeader: auth.HashAPIKey(serviceKey)}, "api_key"},
		{"both credentials", map[string]string{auth.APIKeyHeader: serviceKey, "Authorization": "Bearer " + is.Token(t, good)}, "ambiguous"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := call(t, srv.URL, tc.header)
			if tc.reason == "" {
				if a.status != http.StatusOK || a.caller.ID == "" {
					t.Fatalf("rejected: %d %s", a.status, a.body)
				}
				return
			}
			if a.status != http.StatusUnauthorized || a.code != auth.CodeUnauthenticated || a.reason != tc.reason {
				t.Fatalf("want 401 %s/%s, got %d %s/%s: %s", auth.CodeUnauthenticated, tc.reason, a.status, a.code, a.reason, a.body)
			}
			if len(a.challenge) != 2 || !strings.HasPrefix(a.challenge[0], `Bearer realm="custgraph"`) {
				t.Errorf("WWW-Authenticate: %q", a.challenge)
			}
			for _, v := range tc.header {
				if len(v) > 20 && strings.Contains(a.body, strings.TrimPrefix(v, "Bearer ")) {
					t.Errorf("the response repeats the credential")
				}
			}
		})
	}
}

// tamper changes one claim without re-signing.
func tamper(tok string) string {
	parts := strings.Split(tok, ".")
	payload, _ := jwt.NewParser().DecodeSegment(parts[1])
	var m map[string]any
	_ = json.Unmarshal(payload, &m)
	m["scope"] = "customers:read customers:write catalog:write"
	b, _ := json.Marshal(m)
	parts[1] = strings.TrimRight(jwtEncode(b), "=")
	return strings.Join(parts, ".")
}

func jwtEncode(b []byte) string { return (&jwt.Token{}).EncodeSegment(b) }

func TestCallerIdentityAndScopes(t *testing.T) {
	t.Parallel()
	is := authtest.NewIssuer(t)
	srv := server(t, is)
	tests := []struct {
		name   string
		claims jwt.MapClaims
		scopes []string
	}{
		{"scope string", authtest.Claims("u1", "customers:read", "catalog:write"), []string{"catalog:write", "customers:read"}},
		{"scp list", func() jwt.MapClaims {
			c := authtest.Claims("u2")
			c["scp"] = []string{"customers:write", "customers:read"}
			return c
		}(), []string{"customers:read", "customers:write"}},
		{"scp string and permissions", func() jwt.MapClaims {
			c := authtest.Claims("u3")
			c["scp"] = "customers:read"
			c["permissions"] = []string{"catalog:write", "customers:read"}
			return c
		}(), []string{"catalog:write", "customers:read"}},
		{"no scopes", authtest.Claims("u4"), nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			a := call(t, srv.URL, bearer(is.Token(t, tc.claims)))
			want := "jwt:" + authtest.IssuerURL + "#" + tc.claims["sub"].(string)
			if a.status != 200 || a.caller.ID != want || a.caller.Method != auth.MethodJWT {
				t.Fatalf("caller %+v (%d), want id %s", a.caller, a.status, want)
			}
			if strings.Join(a.caller.Scopes, " ") != strings.Join(tc.scopes, " ") {
				t.Errorf("scopes %q, want %q", a.caller.Scopes, tc.scopes)
			}
		})
	}
	a := call(t, srv.URL, map[string]string{auth.APIKeyHeader: serviceKey})
	if a.caller.ID != "key:reporting" || a.caller.Method != auth.MethodAPIKey || !a.caller.HasScope("customers:read") || a.caller.HasScope("catalog:write") {
		t.Errorf("API key caller: %+v", a.caller)
	}
}

// TestKeyRotation: a token signed with a key published after start-up is accepted at once (an
// unknown key id refetches the JWKS), and once the old key is withdrawn its tokens fail.
func TestKeyRotation(t *testing.T) {
	t.Parallel()
	is := authtest.NewIssuer(t)
	srv := server(t, is)
	old := is.Token(t, authtest.Claims("u", "customers:read"))
	if a := call(t, srv.URL, bearer(old)); a.status != 200 {
		t.Fatalf("first key: %d %s", a.status, a.body)
	}
	fetches := is.Fetches()
	is.Rotate(is.NewRSAKey(t)) // new algorithm too: RS256 after ES256
	fresh := is.Token(t, authtest.Claims("u", "customers:read"))
	if a := call(t, srv.URL, bearer(fresh)); a.status != 200 {
		t.Fatalf("rotated key: %d %s", a.status, a.body)
	}
	if is.Fetches() != fetches+1 {
		t.Errorf("JWKS fetched %d times for the rotation, want 1", is.Fetches()-fetches)
	}
	if a := call(t, srv.URL, bearer(old)); a.status != 401 || a.reason != "unknown_key" {
		t.Errorf("token of the withdrawn key: %d %s", a.status, a.reason)
	}
	// A flood of made-up key ids costs the provider no further fetch within the interval.
	for range 5 {
		call(t, srv.URL, bearer(authtest.SignWith(t, is.UnpublishedKey(t), authtest.Claims("u"))))
	}
	if n := is.Fetches() - fetches; n > 2 {
		t.Errorf("unknown key ids caused %d JWKS fetches", n)
	}
}

func TestNewRefusesUnsafeConfig(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	for _, c := range []auth.Config{
		{},
		{JWKSURL: "http://idp.example/jwks", Issuer: "i", Audience: "a"},
		{JWKSURL: "https://idp.example/jwks", Audience: "a"},
		{JWKSURL: "https://idp.example/jwks", Issuer: "i"},
	} {
		if _, err := auth.New(ctx, c); err == nil {
			t.Errorf("accepted %+v", c)
		}
	}
}

func TestParseAPIKeys(t *testing.T) {
	t.Parallel()
	h1, h2 := auth.HashAPIKey("one"), auth.HashAPIKey("two")
	tests := []struct {
		spec    string
		ids     string
		wantErr string
	}{
		{"", "", ""},
		{"a=" + h1 + " customers:read", "a", ""},
		{"a=" + h1 + " customers:read, b=" + h2 + " customers:read catalog:write", "a b", ""},
		{"# service keys\na=" + h1 + " customers:read\n\nb=" + h2 + " x\n", "a b", ""},
		{"a=" + h1, "", "grants no scope"},
		{"a=one customers:read", "", "64 hex digits"},
		{"a=" + h1 + " s, a=" + h2 + " s", "", "used twice"},
		{"a=" + h1 + " s, b=" + h1 + " s", "", "configured twice"},
		{"bad id!=" + h1 + " s", "", "entry 1"},
		{h1 + " s", "", "entry 1"},
	}
	for _, tc := range tests {
		keys, err := auth.ParseAPIKeys(tc.spec)
		if tc.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("%q: error %v, want %q", tc.spec, err, tc.wantErr)
			}
			if err != nil && (strings.Contains(err.Error(), h1) || strings.Contains(err.Error(), h2)) {
				t.Errorf("%q: error repeats a hash: %v", tc.spec, err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%q: %v", tc.spec, err)
			continue
		}
		var ids []string
		for _, k := range keys {
			ids = append(ids, k.ID)
		}
		if strings.Join(ids, " ") != tc.ids {
			t.Errorf("%q: ids %q, want %q", tc.spec, ids, tc.ids)
		}
	}
}
