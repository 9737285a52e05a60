package netsuite

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"encoding/pem"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func pemBlock(t *testing.T, typ string, der []byte) []byte {
	t.Helper()
	return pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der})
}

func pkcs8(t *testing.T, key any) []byte {
	t.Helper()
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pemBlock(t, "PRIVATE KEY", der)
}

func TestParsePrivateKey(t *testing.T) {
	t.Parallel()
	ec256, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	ec521, _ := ecdsa.GenerateKey(elliptic.P521(), rand.Reader)
	ec224, _ := ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	rsa2048, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	rsa1024, _ := rsa.GenerateKey(rand.Reader, 1024) //nolint:gosec // only to prove it is refused
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	sec1, _ := x509.MarshalECPrivateKey(ec256)
	cert := pemBlock(t, "CERTIFICATE", []byte("not parsed"))

	tests := []struct {
		name    string
		pem     []byte
		wantAlg string
		wantErr string
	}{
		{"PKCS#8 EC P-256", pkcs8(t, ec256), "ES256", ""},
		{"PKCS#8 EC P-384", pkcs8(t, ec384), "ES384", ""},
		{"PKCS#8 EC P-521", pkcs8(t, ec521), "ES512", ""},
		{"SEC 1 EC", pemBlock(t, "EC PRIVATE KEY", sec1), "ES256", ""},
		{"PKCS#8 RSA", pkcs8(t, rsa2048), "PS256", ""},
		{"PKCS#1 RSA", pemBlock(t, "RSA PRIVATE KEY", x509.MarshalPKCS1PrivateKey(rsa2048)), "PS256", ""},
		{"certificate before the key", append(cert, pkcs8(t, ec256)...), "ES256", ""},
		{"no PEM", []byte("hello"), "", "no private key"},
		{"only a certificate", cert, "", "no private key"},
		{"encrypted", pemBlock(t, "ENCRYPTED PRIVATE KEY", []byte{1}), "", "encrypted"},
		{"garbage DER", pemBlock(t, "PRIVATE KEY", []byte{1, 2, 3}), "", "parse PRIVATE KEY"},
		{"weak RSA", pkcs8(t, rsa1024), "", "at least 2048"},
		{"P-224", pemBlock(t, "EC PRIVATE KEY", mustSEC1(t, ec224)), "", "not supported"},
		{"ed25519", pkcs8(t, ed), "", "not supported"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, method, err := parsePrivateKey(tt.pem)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("error = %v, want one containing %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if method.Alg() != tt.wantAlg {
				t.Errorf("alg = %s, want %s", method.Alg(), tt.wantAlg)
			}
		})
	}
}

func mustSEC1(t *testing.T, k *ecdsa.PrivateKey) []byte {
	t.Helper()
	der, err := x509.MarshalECPrivateKey(k)
	if err != nil {
		t.Fatal(err)
	}
	return der
}

// TestAssertion checks the client assertion against NetSuite's documented structure, for both
// key types, by verifying it with the public key.
func TestAssertion(t *testing.T) {
	t.Parallel()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rsaKey, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		pem  []byte
		pub  any
		alg  string
	}{
		{"EC", pkcs8(t, ec), &ec.PublicKey, "ES256"},
		{"RSA", pkcs8(t, rsaKey), &rsaKey.PublicKey, "PS256"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, err := New(Config{BaseURL: "https://1234567.suitetalk.api.netsuite.com", ClientID: "client-1",
				CertificateID: "cert-1", PrivateKeyPEM: tt.pem})
			if err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			signed, err := c.assertion(now)
			if err != nil {
				t.Fatal(err)
			}
			claims := jwt.MapClaims{}
			tok, err := jwt.NewParser(jwt.WithValidMethods([]string{tt.alg})).ParseWithClaims(signed, claims,
				func(*jwt.Token) (any, error) { return tt.pub, nil })
			if err != nil {
				t.Fatalf("assertion does not verify: %v", err)
			}
			if tok.Header["typ"] != "JWT" || tok.Header["kid"] != "cert-1" || tok.Header["alg"] != tt.alg {
				t.Errorf("header = %v, want typ JWT, kid cert-1, alg %s", tok.Header, tt.alg)
			}
			if claims["iss"] != "client-1" {
				t.Errorf("iss = %v", claims["iss"])
			}
			if claims["aud"] != "https://1234567.suitetalk.api.netsuite.com/services/rest/auth/oauth2/v1/token" {
				t.Errorf("aud = %v", claims["aud"])
			}
			scope, _ := json.Marshal(claims["scope"])
			if string(scope) != `["restlets","rest_webservices"]` {
				t.Errorf("scope = %s", scope)
			}
			iat, _ := claims.GetIssuedAt()
			exp, _ := claims.GetExpirationTime()
			if iat == nil || exp == nil || iat.Unix() != now.Unix() || exp.Sub(iat.Time) > time.Hour || !exp.After(iat.Time) {
				t.Errorf("iat = %v, exp = %v: want iat now and 0 < exp - iat <= 1h", iat, exp)
			}
		})
	}
}

func TestFlexibleNumber(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{`{"expires_in": 3600}`, 3600, false},
		{`{"expires_in": "3600"}`, 3600, false},
		{`{"expires_in": null}`, 0, false},
		{`{}`, 0, false},
		{`{"expires_in": "soon"}`, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			t.Parallel()
			var tr tokenResponse
			err := json.Unmarshal([]byte(tt.in), &tr)
			if (err != nil) != tt.wantErr {
				t.Fatalf("error = %v, wantErr %t", err, tt.wantErr)
			}
			if !tt.wantErr && int64(tr.ExpiresIn) != tt.want {
				t.Errorf("expires_in = %d, want %d", tr.ExpiresIn, tt.want)
			}
		})
	}
}

func TestNewValidates(t *testing.T) {
	t.Parallel()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	good := Config{BaseURL: "https://1.suitetalk.api.netsuite.com", ClientID: "c", CertificateID: "k", PrivateKeyPEM: pkcs8(t, ec)}
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string // every field the error must name
	}{
		{"valid", func(*Config) {}, nil},
		{"valid with mount prefix and token URL", func(c *Config) {
			c.BaseURL = "http://localhost:8080/netsuite/"
			c.TokenURL = "https://auth.example.com/token"
		}, nil},
		{"everything missing", func(c *Config) { *c = Config{} },
			[]string{"Config.BaseURL", "Config.ClientID", "Config.CertificateID", "Config.PrivateKeyPEM"}},
		{"relative base", func(c *Config) { c.BaseURL = "suitetalk.example" }, []string{"Config.BaseURL"}},
		{"base with query", func(c *Config) { c.BaseURL = "https://x.example/?a=1" }, []string{"Config.BaseURL"}},
		{"bad token URL", func(c *Config) { c.TokenURL = "ftp://x" }, []string{"Config.TokenURL"}},
		{"bad key", func(c *Config) { c.PrivateKeyPEM = []byte("nope") }, []string{"Config.PrivateKeyPEM"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			tt.mutate(&cfg)
			_, err := New(cfg)
			if len(tt.want) == 0 {
				if err != nil {
					t.Fatalf("New: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("New succeeded, want an error")
			}
			for _, f := range tt.want {
				if !strings.Contains(err.Error(), f) {
					t.Errorf("error %q does not name %s", err, f)
				}
			}
		})
	}
}
