// Package authtest is a small identity provider for tests: it serves a JWKS over a real
// httptest server, signs tokens with the key it publishes, and can rotate that key. It exists so
// tests of the gateway run the real authentication middleware; it must never be used outside
// tests.
package authtest

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"math/big"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Default claims of issued tokens.
const (
	IssuerURL = "https://idp.test.custgraph/"
	Audience  = "https://api.test.custgraph/graphql"
)

// Key is one signing key.
type Key struct {
	ID      string
	Private crypto.Signer
	method  jwt.SigningMethod
}

// Issuer serves a JWKS at URL and signs tokens with its current key.
type Issuer struct {
	URL string // the JWKS URL

	mu        sync.Mutex
	published []*Key // keys in the JWKS
	current   *Key   // signs new tokens
	fetches   atomic.Int64
	n         int
}

// NewIssuer starts an issuer with one ES256 key; the server stops when the test ends.
func NewIssuer(t testing.TB) *Issuer {
	t.Helper()
	is := &Issuer{}
	is.current = is.newKey(t)
	is.published = []*Key{is.current}
	srv := httptest.NewServer(http.HandlerFunc(is.serveJWKS))
	t.Cleanup(srv.Close)
	is.URL = srv.URL + "/.well-known/jwks.json"
	return is
}

func (is *Issuer) newKey(t testing.TB) *Key {
	t.Helper()
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	is.n++
	return &Key{ID: fmt.Sprintf("key-%d", is.n), Private: priv, method: jwt.SigningMethodES256}
}

// NewRSAKey returns an RS256 key that is not published (publish it with Rotate).
func (is *Issuer) NewRSAKey(t testing.TB) *Key {
	t.Helper()
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	is.mu.Lock()
	defer is.mu.Unlock()
	is.n++
	return &Key{ID: fmt.Sprintf("key-%d", is.n), Private: priv, method: jwt.SigningMethodRS256}
}

// UnpublishedKey returns a new ES256 key the JWKS does not list.
func (is *Issuer) UnpublishedKey(t testing.TB) *Key {
	t.Helper()
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.newKey(t)
}

// Impostor returns a new key that claims the current key's id: tokens it signs carry a known
// kid and a signature the published key does not verify.
func (is *Issuer) Impostor(t testing.TB) *Key {
	t.Helper()
	k := is.UnpublishedKey(t)
	k.ID = is.Current().ID
	return k
}

// Rotate publishes k instead of every earlier key and signs new tokens with it.
func (is *Issuer) Rotate(k *Key) {
	is.mu.Lock()
	defer is.mu.Unlock()
	is.current = k
	is.published = []*Key{k}
}

// Current is the key new tokens are signed with.
func (is *Issuer) Current() *Key {
	is.mu.Lock()
	defer is.mu.Unlock()
	return is.current
}

// Fetches counts JWKS requests.
func (is *Issuer) Fetches() int64 { return is.fetches.Load() }

// Claims builds the claims of a valid token for subject with scopes, valid for an hour.
func Claims(subject string, scopes ...string) jwt.MapClaims {
	now := time.Now()
	c := jwt.MapClaims{"iss": IssuerURL, "aud": Audience, "sub": subject, "iat": now.Unix(),
		"nbf": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	if len(scopes) > 0 {
		s := ""
		for i, sc := range scopes {
			if i > 0 {
				s += " "
			}
			s += sc
		}
		c["scope"] = s
	}
	return c
}

// Token signs claims with the current key.
func (is *Issuer) Token(t testing.TB, claims jwt.MapClaims) string {
	t.Helper()
	return SignWith(t, is.Current(), claims)
}

// SignWith signs claims with k (kid = k.ID).
func SignWith(t testing.TB, k *Key, claims jwt.MapClaims) string {
	t.Helper()
	tok := jwt.NewWithClaims(k.method, claims)
	tok.Header["kid"] = k.ID
	s, err := tok.SignedString(k.Private)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (is *Issuer) serveJWKS(w http.ResponseWriter, _ *http.Request) {
	is.fetches.Add(1)
	is.mu.Lock()
	keys := make([]map[string]string, 0, len(is.published))
	for _, k := range is.published {
		keys = append(keys, publicJWK(k))
	}
	is.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"keys": keys})
}

func publicJWK(k *Key) map[string]string {
	b64 := func(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
	switch p := k.Private.Public().(type) {
	case *ecdsa.PublicKey:
		pt, err := p.Bytes() // 0x04 || X || Y
		if err != nil || len(pt) != 65 {
			panic("authtest: bad P-256 key")
		}
		return map[string]string{"kty": "EC", "crv": "P-256", "kid": k.ID, "use": "sig", "alg": "ES256", "x": b64(pt[1:33]), "y": b64(pt[33:])}
	case *rsa.PublicKey:
		return map[string]string{"kty": "RSA", "kid": k.ID, "use": "sig", "alg": "RS256", "n": b64(p.N.Bytes()),
			"e": b64(big.NewInt(int64(p.E)).Bytes())}
	}
	panic("authtest: unsupported key type")
}
