// Package auth decides who a GraphQL caller is and what it may do: bearer JWTs verified against
// an identity provider's JWKS (signature, issuer, audience, expiry; keys cached and refreshed by
// github.com/MicahParks/keyfunc/v3, so rotated keys are picked up), static API keys for service
// callers (only their SHA-256 hashes are configured), and scopes per operation (Policy, a gqlgen
// extension). It answers a missing or bad credential with HTTP 401 and a GraphQL error before any
// resolver runs. It must never log, echo or store a presented credential, and it knows nothing of
// upstreams or the schema beyond the root field names a Policy lists.
package auth

import (
	"context"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/MicahParks/keyfunc/v3"
	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/time/rate"
)

// CodeUnauthenticated is the extensions.code of a request without valid credentials.
const CodeUnauthenticated = "UNAUTHENTICATED"

// APIKeyHeader carries a service caller's API key.
const APIKeyHeader = "X-API-Key"

// maxTokenBytes bounds a bearer token: real access tokens are a few KiB, and a larger one is
// rejected before any parsing work.
const maxTokenBytes = 8 << 10

// Defaults of Config.
const (
	DefaultJWKSRefresh = time.Hour
	DefaultLeeway      = 30 * time.Second
	// unknownKIDInterval: a token signed with a key id the cached set lacks triggers a JWKS
	// refetch at most this often, so a rotated key is picked up at once while a flood of made-up
	// key ids costs the identity provider one request per interval.
	unknownKIDInterval = 10 * time.Second
	jwksTimeout        = 5 * time.Second
)

// signingMethods are the asymmetric algorithms accepted; "none" and HMAC (a shared secret the
// JWKS cannot hold) never are.
func signingMethods() []string {
	return []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384", "ES512", "EdDSA"}
}

// Config configures an Authenticator. At least one of JWKSURL and APIKeys must be set.
type Config struct {
	// JWKSURL is the identity provider's JSON Web Key Set; Issuer and Audience are required with
	// it and checked on every token.
	JWKSURL  string
	Issuer   string
	Audience string
	// JWKSRefresh is how often the key set is refetched; 0 = DefaultJWKSRefresh.
	JWKSRefresh time.Duration
	// Leeway tolerates clock skew on exp/nbf/iat; 0 = DefaultLeeway.
	Leeway time.Duration
	// HTTPClient fetches the key set; nil = a client with a short timeout.
	HTTPClient *http.Client
	// APIKeys are the service callers' keys (ParseAPIKeys).
	APIKeys []APIKey
	// Logger receives rejected attempts (debug, never the credential) and JWKS refresh failures.
	Logger *slog.Logger
}

// Authenticator verifies credentials. It is safe for concurrent use.
type Authenticator struct {
	issuer, audience string
	leeway           time.Duration
	keys             keyfunc.Keyfunc // nil without JWKSURL
	apiKeys          []APIKey
	log              *slog.Logger
}

// New validates cfg and returns an Authenticator. With a JWKS URL it fetches the key set once
// (a failure is logged, not fatal: the provider may come up later) and refreshes it in a
// goroutine that ends with ctx.
func New(ctx context.Context, cfg Config) (*Authenticator, error) {
	a := &Authenticator{issuer: cfg.Issuer, audience: cfg.Audience, leeway: cfg.Leeway, apiKeys: slices.Clone(cfg.APIKeys), log: cfg.Logger}
	if a.log == nil {
		a.log = slog.New(slog.DiscardHandler)
	}
	if a.leeway == 0 {
		a.leeway = DefaultLeeway
	}
	if cfg.JWKSURL == "" && len(cfg.APIKeys) == 0 {
		return nil, errors.New("auth: neither a JWKS URL nor API keys are configured")
	}
	if cfg.JWKSURL == "" {
		return a, nil
	}
	if err := checkJWKSURL(cfg.JWKSURL); err != nil {
		return nil, err
	}
	if cfg.Issuer == "" || cfg.Audience == "" {
		return nil, errors.New("auth: a JWKS URL needs the issuer and the audience to check")
	}
	refresh := cfg.JWKSRefresh
	if refresh <= 0 {
		refresh = DefaultJWKSRefresh
	}
	client := cfg.HTTPClient
	if client == nil {
		client = &http.Client{Timeout: jwksTimeout}
	}
	log := a.log
	kf, err := keyfunc.NewDefaultOverrideCtx(ctx, []string{cfg.JWKSURL}, keyfunc.Override{
		Client:            client,
		HTTPTimeout:       jwksTimeout,
		RefreshInterval:   refresh,
		RefreshUnknownKID: rate.NewLimiter(rate.Every(unknownKIDInterval), 1),
		// Bounds both the wait for the limiter and the refetch a request may trigger.
		RateLimitWaitMax: jwksTimeout,
		RefreshErrorHandlerFunc: func(u string) func(context.Context, error) {
			return func(ctx context.Context, err error) {
				log.WarnContext(ctx, "auth: JWKS refresh failed", "jwks_url", u, "error", err.Error())
			}
		},
	})
	if err != nil {
		return nil, fmt.Errorf("auth: JWKS %s: %w", cfg.JWKSURL, err)
	}
	a.keys = kf
	return a, nil
}

// checkJWKSURL insists on https except on loopback (tests, a local identity provider): keys
// fetched in the clear could be swapped by anyone on the path.
func checkJWKSURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return fmt.Errorf("auth: JWKS URL %q is not an absolute URL", raw)
	}
	switch u.Scheme {
	case "https":
		return nil
	case "http":
		if h := u.Hostname(); h == "localhost" || h == "127.0.0.1" || h == "::1" {
			return nil
		}
	}
	return fmt.Errorf("auth: JWKS URL %q must be https (http only on loopback)", raw)
}

// Failure is why a request was not authenticated. Reason is a short machine-readable word; it
// never contains the credential.
type Failure struct {
	Reason  string // missing, malformed, expired, not_yet_valid, audience, issuer, signature, unknown_key, claims, api_key, ambiguous, invalid
	Message string
}

func (f *Failure) Error() string { return f.Message }

func fail(reason, msg string) *Failure { return &Failure{Reason: reason, Message: msg} }

// Authenticate checks the request's credential: "Authorization: Bearer <JWT>" or
// "X-API-Key: <key>" (exactly one).
func (a *Authenticator) Authenticate(r *http.Request) (*Caller, error) {
	key := r.Header.Get(APIKeyHeader)
	authz := r.Header.Get("Authorization")
	switch {
	case key != "" && authz != "":
		return nil, fail("ambiguous", "send either a bearer token or an API key, not both")
	case key != "":
		return a.checkAPIKey(key)
	case authz != "":
		scheme, tok, ok := strings.Cut(authz, " ")
		if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
			return nil, fail("malformed", "the Authorization header must be \"Bearer <token>\"")
		}
		return a.checkJWT(r.Context(), strings.TrimSpace(tok))
	}
	return nil, fail("missing", "authentication required: send a bearer token or an API key")
}

func (a *Authenticator) checkAPIKey(key string) (*Caller, error) {
	if len(a.apiKeys) == 0 {
		return nil, fail("api_key", "API keys are not accepted here")
	}
	sum := sha256.Sum256([]byte(key))
	var found *APIKey
	// Compare against every key in constant time, so the time taken says nothing about which
	// (or whether any) configured hash was close.
	for i := range a.apiKeys {
		if subtle.ConstantTimeCompare(sum[:], a.apiKeys[i].Hash[:]) == 1 {
			found = &a.apiKeys[i]
		}
	}
	if found == nil {
		return nil, fail("api_key", "the API key is not valid")
	}
	return &Caller{ID: "key:" + found.ID, Subject: found.ID, Method: MethodAPIKey, Scopes: slices.Clone(found.Scopes)}, nil
}

// claims are the registered claims plus the scope claims of the common identity providers:
// "scope" (RFC 8693, space-separated), "scp" (a list or a string) and "permissions" (a list).
type claims struct {
	jwt.RegisteredClaims
	Scope       string    `json:"scope,omitempty"`
	Scp         scopeList `json:"scp,omitempty"`
	Permissions []string  `json:"permissions,omitempty"`
}

// scopeList reads a claim that is either a JSON list of strings or one space-separated string.
type scopeList []string

func (s *scopeList) UnmarshalJSON(b []byte) error {
	var one string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = strings.Fields(one)
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("scp is neither a string nor a list of strings")
	}
	*s = many
	return nil
}

func (a *Authenticator) checkJWT(ctx context.Context, raw string) (*Caller, error) {
	if a.keys == nil {
		return nil, fail("invalid", "bearer tokens are not accepted here")
	}
	if len(raw) > maxTokenBytes {
		return nil, fail("malformed", "the bearer token is too large")
	}
	var c claims
	p := jwt.NewParser(jwt.WithValidMethods(signingMethods()), jwt.WithIssuer(a.issuer), jwt.WithAudience(a.audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(a.leeway))
	if _, err := p.ParseWithClaims(raw, &c, a.keys.KeyfuncCtx(ctx)); err != nil {
		return nil, tokenFailure(err)
	}
	if c.Subject == "" {
		return nil, fail("claims", "the bearer token has no subject")
	}
	scopes := slices.Concat(strings.Fields(c.Scope), c.Scp, c.Permissions)
	slices.Sort(scopes)
	return &Caller{ID: "jwt:" + c.Issuer + "#" + c.Subject, Subject: c.Subject, Method: MethodJWT, Scopes: slices.Compact(scopes)}, nil
}

// tokenFailure names what was wrong with a token, in words safe to show the caller.
func tokenFailure(err error) *Failure {
	switch {
	case errors.Is(err, jwt.ErrTokenMalformed):
		return fail("malformed", "the bearer token is malformed")
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return fail("signature", "the bearer token's signature is invalid")
	case errors.Is(err, jwt.ErrTokenUnverifiable):
		return fail("unknown_key", "the bearer token is not signed with a known key and algorithm")
	case errors.Is(err, jwt.ErrTokenExpired):
		return fail("expired", "the bearer token has expired")
	case errors.Is(err, jwt.ErrTokenNotValidYet), errors.Is(err, jwt.ErrTokenUsedBeforeIssued):
		return fail("not_yet_valid", "the bearer token is not valid yet")
	case errors.Is(err, jwt.ErrTokenInvalidAudience):
		return fail("audience", "the bearer token is not meant for this API (audience)")
	case errors.Is(err, jwt.ErrTokenInvalidIssuer):
		return fail("issuer", "the bearer token comes from an issuer this API does not trust")
	case errors.Is(err, jwt.ErrTokenRequiredClaimMissing), errors.Is(err, jwt.ErrTokenInvalidClaims):
		return fail("claims", "the bearer token lacks a required claim")
	}
	return fail("invalid", "the bearer token is invalid")
}

// Middleware authenticates every request except CORS preflights (OPTIONS carries no
// credentials and reaches no data) and puts the Caller into its context; anything else gets 401.
func (a *Authenticator) Middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		c, err := a.Authenticate(r)
		if err != nil {
			a.reject(w, r, err)
			return
		}
		next.ServeHTTP(w, r.WithContext(WithCaller(r.Context(), c)))
	})
}

// reject answers 401 with a WWW-Authenticate challenge per accepted scheme (RFC 6750 for
// bearer tokens) and a GraphQL error body without data.
func (a *Authenticator) reject(w http.ResponseWriter, r *http.Request, err error) {
	f, ok := err.(*Failure)
	if !ok {
		f = fail("invalid", "authentication failed")
	}
	a.log.DebugContext(r.Context(), "auth: request rejected", "reason", f.Reason, "remote", r.RemoteAddr)
	if a.keys != nil {
		challenge := `Bearer realm="custgraph"`
		if f.Reason != "missing" && f.Reason != "api_key" && f.Reason != "ambiguous" {
			challenge += `, error="invalid_token", error_description="` + f.Message + `"`
		}
		w.Header().Add("WWW-Authenticate", challenge)
	}
	if len(a.apiKeys) > 0 {
		w.Header().Add("WWW-Authenticate", `APIKey realm="custgraph", header="`+APIKeyHeader+`"`)
	}
	WriteError(w, http.StatusUnauthorized, f.Message, map[string]any{"code": CodeUnauthenticated, "reason": f.Reason})
}

// WriteError writes a GraphQL response that holds one error and no data.
func WriteError(w http.ResponseWriter, status int, msg string, ext map[string]any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{"message": msg, "extensions": ext}}})
}

// BearerToken returns the request's bearer token, "" when there is none. Only for passing an
// already authenticated caller's token on to an upstream.
func BearerToken(r *http.Request) string {
	scheme, tok, ok := strings.Cut(r.Header.Get("Authorization"), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") {
		return ""
	}
	return strings.TrimSpace(tok)
}
