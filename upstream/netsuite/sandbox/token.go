package sandbox

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"custgraph/upstream/sim"
)

const (
	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	// maxAssertionTTL is NetSuite's limit on exp - iat of a client assertion.
	maxAssertionTTL = time.Hour
	// clockLeeway tolerates a client clock slightly off.
	clockLeeway = 30 * time.Second
)

type tokenError struct {
	Error       string `json:"error"`
	Description string `json:"error_description,omitempty"`
}

// token is NetSuite's M2M token endpoint: the client credentials grant with a JWT client
// assertion signed by the integration's certificate key.
func (b *backend) token(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		writeBody(w, http.StatusBadRequest, "application/json", tokenError{"invalid_request", "the body must be application/x-www-form-urlencoded"})
		return
	}
	form := r.PostForm
	if form.Get("grant_type") != "client_credentials" {
		writeBody(w, http.StatusBadRequest, "application/json", tokenError{"unsupported_grant_type", "grant_type must be client_credentials"})
		return
	}
	if form.Get("client_assertion_type") != clientAssertionType || form.Get("client_assertion") == "" {
		writeBody(w, http.StatusBadRequest, "application/json", tokenError{"invalid_request", "client_assertion_type must be " + clientAssertionType + " with a client_assertion"})
		return
	}
	if err := b.verifyAssertion(form.Get("client_assertion"), sim.BaseURL(r)+r.URL.Path); err != nil {
		writeBody(w, http.StatusBadRequest, "application/json", tokenError{"invalid_grant", err.Error()})
		return
	}
	tok, ttl := b.tokens.Issue()
	writeBody(w, http.StatusOK, "application/json", map[string]string{
		"access_token": tok,
		"expires_in":   strconv.Itoa(int(ttl / time.Second)),
		"token_type":   "Bearer",
	})
}

// verifyAssertion checks the client assertion as NetSuite documents it. Its errors describe the
// claim at fault, never the token.
func (b *backend) verifyAssertion(assertion, audience string) error {
	claims := jwt.MapClaims{}
	parser := jwt.NewParser(
		jwt.WithValidMethods([]string{jwt.SigningMethodES256.Alg()}),
		jwt.WithIssuer(SandboxClientID),
		jwt.WithAudience(audience),
		jwt.WithIssuedAt(),
		jwt.WithExpirationRequired(),
		jwt.WithLeeway(clockLeeway),
	)
	_, err := parser.ParseWithClaims(assertion, claims, func(t *jwt.Token) (any, error) {
		if typ, _ := t.Header["typ"].(string); typ != "JWT" {
			return nil, errors.New("header typ must be JWT")
		}
		if kid, _ := t.Header["kid"].(string); kid != SandboxCertificateID {
			return nil, errors.New("header kid is not a certificate mapped to this integration")
		}
		return b.pub, nil
	})
	if err != nil {
		return fmt.Errorf("invalid client assertion: %w", err)
	}
	iat, err := claims.GetIssuedAt()
	if err != nil || iat == nil {
		return errors.New("invalid client assertion: iat is required")
	}
	exp, _ := claims.GetExpirationTime()
	if exp.Sub(iat.Time) > maxAssertionTTL {
		return errors.New("invalid client assertion: exp must be at most 60 minutes after iat")
	}
	if !scopeIncludes(claims["scope"], "rest_webservices") {
		return errors.New("invalid client assertion: scope must include rest_webservices")
	}
	return nil
}

// scopeIncludes reads scope as a JSON array or a comma-separated string; NetSuite takes both.
func scopeIncludes(scope any, want string) bool {
	var scopes []string
	switch s := scope.(type) {
	case string:
		scopes = strings.Split(s, ",")
	case []any:
		for _, v := range s {
			if str, ok := v.(string); ok {
				scopes = append(scopes, str)
			}
		}
	}
	return slices.ContainsFunc(scopes, func(s string) bool { return strings.TrimSpace(s) == want })
}
