package netsuite

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"golang.org/x/oauth2"

	"custgraph/upstream"
	"custgraph/upstream/rest"
)

const (
	// assertionTTL is the client assertion's lifetime; NetSuite accepts at most an hour, and
	// the assertion is used at once.
	assertionTTL = 5 * time.Minute
	// defaultTokenTTL applies when the token answer has no usable expires_in; NetSuite's M2M
	// access tokens live an hour.
	defaultTokenTTL = time.Hour
	// minRSABits rejects keys too weak to sign with; NetSuite's certificate upload wants more.
	minRSABits = 2048

	clientAssertionType = "urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
)

// assertionScopes are the scopes the client asks for: REST web services (and RESTlets, as the
// integration records usually grant both).
func assertionScopes() []string { return []string{"restlets", "rest_webservices"} }

// parsePrivateKey reads the first private key in pemBytes (PKCS#8, SEC 1 "EC PRIVATE KEY" or
// PKCS#1 "RSA PRIVATE KEY"; other blocks such as certificates are skipped) and picks the JWT
// algorithm NetSuite accepts for it: PS256 for RSA, ES256/ES384/ES512 by EC curve.
func parsePrivateKey(pemBytes []byte) (crypto.Signer, jwt.SigningMethod, error) {
	remaining := pemBytes
	for {
		var block *pem.Block
		block, remaining = pem.Decode(remaining)
		if block == nil {
			return nil, nil, errors.New("no private key PEM block found")
		}
		var key any
		var err error
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		case "ENCRYPTED PRIVATE KEY":
			return nil, nil, errors.New("encrypted private keys are not supported: decrypt it first")
		default:
			continue
		}
		if err != nil {
			// The parser's message names the ASN.1 problem, never key material.
			return nil, nil, fmt.Errorf("parse %s block: %w", block.Type, err)
		}
		return signerFor(key)
	}
}

func signerFor(key any) (crypto.Signer, jwt.SigningMethod, error) {
	switch k := key.(type) {
	case *rsa.PrivateKey:
		if k.N.BitLen() < minRSABits {
			return nil, nil, fmt.Errorf("RSA key has %d bits, want at least %d", k.N.BitLen(), minRSABits)
		}
		return k, jwt.SigningMethodPS256, nil
	case *ecdsa.PrivateKey:
		switch k.Curve {
		case elliptic.P256():
			return k, jwt.SigningMethodES256, nil
		case elliptic.P384():
			return k, jwt.SigningMethodES384, nil
		case elliptic.P521():
			return k, jwt.SigningMethodES512, nil
		}
		return nil, nil, fmt.Errorf("EC curve %s is not supported: use P-256, P-384 or P-521", k.Curve.Params().Name)
	}
	return nil, nil, fmt.Errorf("%T keys are not supported: use RSA or EC", key)
}

// assertion signs the client assertion JWT of the client credentials grant.
func (c *Client) assertion(now time.Time) (string, error) {
	claims := jwt.MapClaims{
		"iss":   c.clientID,
		"scope": assertionScopes(),
		"aud":   c.tokenURL,
		"iat":   now.Unix(),
		"exp":   now.Add(assertionTTL).Unix(),
	}
	t := jwt.NewWithClaims(c.method, claims)
	t.Header["kid"] = c.certID // typ JWT and alg are set by the library
	return t.SignedString(c.key)
}

// tokenResponse is the token endpoint's answer. NetSuite sends expires_in as a string; other
// OAuth servers send a number; both are read.
type tokenResponse struct {
	AccessToken string         `json:"access_token"`
	TokenType   string         `json:"token_type"`
	ExpiresIn   flexibleNumber `json:"expires_in"`
}

type flexibleNumber int64

func (n *flexibleNumber) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		return nil
	}
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		b = []byte(s)
	}
	v, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil {
		return fmt.Errorf("expires_in %q is not a number", b)
	}
	*n = flexibleNumber(v)
	return nil
}

// fetchToken runs the client credentials grant with a fresh JWT client assertion. It is the
// rest.TokenFetcher behind the API client; rest.TokenAuth caches and single-flights it.
func (c *Client) fetchToken(ctx context.Context) (*oauth2.Token, error) {
	a, err := c.assertion(time.Now())
	if err != nil {
		return nil, fmt.Errorf("netsuite: sign client assertion: %w", err)
	}
	form := url.Values{
		"grant_type":            {"client_credentials"},
		"client_assertion_type": {clientAssertionType},
		"client_assertion":      {a},
	}
	var tr tokenResponse
	// A token fetch has no side effect worth guarding, so transient failures are retried.
	if _, err := c.tokens.Do(ctx, rest.Request{Method: http.MethodPost, Path: c.tokenRel, Form: form, Retryable: true}, &tr); err != nil {
		return nil, err
	}
	if tr.AccessToken == "" {
		return nil, &upstream.Error{Upstream: upstreamName, Method: http.MethodPost, Path: c.tokenRel,
			Status: http.StatusOK, Kind: upstream.KindUnauthorized, Code: "invalid_response",
			Message: "token endpoint answered without an access_token"}
	}
	ttl := time.Duration(tr.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = defaultTokenTTL
	}
	return &oauth2.Token{AccessToken: tr.AccessToken, TokenType: "Bearer", Expiry: time.Now().Add(ttl)}, nil
}
