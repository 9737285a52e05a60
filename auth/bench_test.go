package auth_test

import (
	"fmt"
	"net/http/httptest"
	"strings"
	"testing"

	"custgraph/auth"
	"custgraph/auth/authtest"
)

// BenchmarkAuthenticate is the cost authentication adds to one request: verifying an ES256
// bearer token against the cached JWKS, or hashing and comparing an API key against 20
// configured keys.
func BenchmarkAuthenticate(b *testing.B) {
	is := authtest.NewIssuer(b)
	var spec []string
	for i := range 20 {
		spec = append(spec, fmt.Sprintf("svc%d=%s customers:read", i, auth.HashAPIKey(fmt.Sprintf("key-%d", i))))
	}
	keys, err := auth.ParseAPIKeys(strings.Join(spec, ","))
	if err != nil {
		b.Fatal(err)
	}
	a, err := auth.New(b.Context(), auth.Config{JWKSURL: is.URL, Issuer: authtest.IssuerURL, Audience: authtest.Audience, APIKeys: keys})
	if err != nil {
		b.Fatal(err)
	}
	tok := is.Token(b, authtest.Claims("bench", "customers:read"))
	for _, tc := range []struct{ name, header, value string }{
		{"jwt-es256", "Authorization", "Bearer " + tok},
		{"api-key-of-20", auth.APIKeyHeader, "key-19"},
	} {
		b.Run(tc.name, func(b *testing.B) {
			r := httptest.NewRequest("POST", "/graphql", nil)
			r.Header.Set(tc.header, tc.value)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := a.Authenticate(r); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
