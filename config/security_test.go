package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"custgraph/auth"
)

// upstreams is a complete non-sandbox configuration except for authentication.
func upstreams(t *testing.T) map[string]string {
	t.Helper()
	key := filepath.Join(t.TempDir(), "ns.pem")
	if err := os.WriteFile(key, []byte("-----BEGIN PRIVATE KEY-----\n-----END PRIVATE KEY-----\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return map[string]string{
		"CUSTGRAPH_NETSUITE_URL": "https://1234.suitetalk.api.netsuite.com", "CUSTGRAPH_NETSUITE_CLIENT_ID": "id",
		"CUSTGRAPH_NETSUITE_CERTIFICATE_ID": "cert", "CUSTGRAPH_NETSUITE_PRIVATE_KEY_FILE": key,
		"CUSTGRAPH_COMMERCETOOLS_URL": "https://api.europe-west1.gcp.commercetools.com", "CUSTGRAPH_COMMERCETOOLS_AUTH_URL": "https://auth.europe-west1.gcp.commercetools.com",
		"CUSTGRAPH_COMMERCETOOLS_PROJECT_KEY": "p", "CUSTGRAPH_COMMERCETOOLS_CLIENT_ID": "ctid", "CUSTGRAPH_COMMERCETOOLS_CLIENT_SECRET": "ct-secret-value",
		"CUSTGRAPH_SALES_URL": "https://sales.example/v1/sales", "CUSTGRAPH_SALES_API_KEY": "sk_live_value",
	}
}

func with(m map[string]string, kv ...string) map[string]string {
	out := map[string]string{}
	for k, v := range m {
		out[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] == "" {
			delete(out, kv[i])
			continue
		}
		out[kv[i]] = kv[i+1]
	}
	return out
}

func writeFile(t *testing.T, content string) string {
	t.Helper()
	f := filepath.Join(t.TempDir(), "secret")
	if err := os.WriteFile(f, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return f
}

func TestSecuritySettings(t *testing.T) {
	t.Parallel()
	hash := auth.HashAPIKey("the-service-key")
	jwt := []string{"CUSTGRAPH_AUTH_JWKS_URL", "https://idp.example/.well-known/jwks.json", "CUSTGRAPH_AUTH_ISSUER", "https://idp.example/",
		"CUSTGRAPH_AUTH_AUDIENCE", "custgraph"}
	base := upstreams(t)
	tests := []struct {
		name    string
		env     map[string]string
		wantErr []string // variables the error must name; nil = valid
		check   func(t *testing.T, c Config)
	}{
		{"sandbox stays open", nil, nil, func(t *testing.T, c Config) {
			if c.Security.Auth.Enabled() || c.Security.Auth.Describe() != "off" {
				t.Errorf("sandbox auth: %+v", c.Security.Auth)
			}
		}},
		{"production without auth is refused", base, []string{"CUSTGRAPH_AUTH_JWKS_URL"}, nil},
		{"production with JWTs", with(base, jwt...), nil, func(t *testing.T, c Config) {
			a := c.Security.Auth
			if !a.Enabled() || a.Issuer != "https://idp.example/" || a.Scopes() != auth.DefaultScopes() {
				t.Errorf("auth: %+v", a)
			}
		}},
		{"production with API keys", with(base, "CUSTGRAPH_AUTH_API_KEYS", "svc="+hash+" customers:read"), nil, func(t *testing.T, c Config) {
			if len(c.Security.Auth.APIKeys) != 1 || c.Security.Auth.APIKeys[0].ID != "svc" {
				t.Errorf("keys: %+v", c.Security.Auth.APIKeys)
			}
		}},
		{"API keys from a file", with(nil, "CUSTGRAPH_AUTH_API_KEYS_FILE", writeFile(t, "# keys\na="+hash+" customers:read\n")), nil, func(t *testing.T, c Config) {
			if len(c.Security.Auth.APIKeys) != 1 || !c.Security.Auth.Enabled() {
				t.Errorf("keys: %+v", c.Security.Auth.APIKeys)
			}
		}},
		{"bad API keys", with(nil, "CUSTGRAPH_AUTH_API_KEYS", "svc=the-service-key customers:read"), []string{"CUSTGRAPH_AUTH_API_KEYS"}, nil},
		{"JWKS over plain http", with(nil, "CUSTGRAPH_AUTH_JWKS_URL", "http://idp.example/jwks", "CUSTGRAPH_AUTH_ISSUER", "i", "CUSTGRAPH_AUTH_AUDIENCE", "a"),
			[]string{"CUSTGRAPH_AUTH_JWKS_URL"}, nil},
		{"JWKS on loopback http", with(nil, "CUSTGRAPH_AUTH_JWKS_URL", "http://127.0.0.1:9999/jwks", "CUSTGRAPH_AUTH_ISSUER", "i", "CUSTGRAPH_AUTH_AUDIENCE", "a"), nil, nil},
		{"JWKS without issuer and audience", with(nil, "CUSTGRAPH_AUTH_JWKS_URL", "https://idp.example/jwks"),
			[]string{"CUSTGRAPH_AUTH_ISSUER", "CUSTGRAPH_AUTH_AUDIENCE"}, nil},
		{"audience without JWKS", with(nil, "CUSTGRAPH_AUTH_AUDIENCE", "a"), []string{"CUSTGRAPH_AUTH_JWKS_URL"}, nil},
		{"scope names", with(nil, "CUSTGRAPH_AUTH_SCOPE_READ", "read", "CUSTGRAPH_AUTH_SCOPE_CATALOG_WRITE", "two words"),
			[]string{"CUSTGRAPH_AUTH_SCOPE_CATALOG_WRITE"}, nil},
		{"limits", with(nil, "CUSTGRAPH_RATE_LIMIT", "-1", "CUSTGRAPH_MAX_BODY_BYTES", "10"),
			[]string{"CUSTGRAPH_RATE_LIMIT", "CUSTGRAPH_MAX_BODY_BYTES"}, nil},
		{"secret from a file", with(base, append(jwt, "CUSTGRAPH_SALES_API_KEY", "", "CUSTGRAPH_SALES_API_KEY_FILE", writeFile(t, "sk_from_file\n"),
			"CUSTGRAPH_COMMERCETOOLS_CLIENT_SECRET", "", "CUSTGRAPH_COMMERCETOOLS_CLIENT_SECRET_FILE", writeFile(t, "ct_from_file"))...), nil,
			func(t *testing.T, c Config) {
				if c.Sales.APIKey != "sk_from_file" || c.Commercetools.ClientSecret != "ct_from_file" {
					t.Errorf("secrets from files: %q %q", c.Sales.APIKey, c.Commercetools.ClientSecret)
				}
			}},
		{"secret and its file", with(base, append(jwt, "CUSTGRAPH_SALES_API_KEY_FILE", writeFile(t, "sk_from_file"))...), []string{"CUSTGRAPH_SALES_API_KEY"}, nil},
		{"unreadable secret file", with(base, append(jwt, "CUSTGRAPH_SALES_API_KEY", "", "CUSTGRAPH_SALES_API_KEY_FILE", "/nonexistent/key")...),
			[]string{"CUSTGRAPH_SALES_API_KEY_FILE"}, nil},
		{"sales with the caller's token", with(base, append(jwt, "CUSTGRAPH_SALES_API_KEY", "", "CUSTGRAPH_SALES_AUTH", "caller")...), nil,
			func(t *testing.T, c Config) {
				if !c.Sales.CallerAuth {
					t.Error("CallerAuth not set")
				}
			}},
		{"caller mode needs JWTs", with(base, "CUSTGRAPH_AUTH_API_KEYS", "svc="+hash+" customers:read", "CUSTGRAPH_SALES_AUTH", "caller"),
			[]string{"CUSTGRAPH_SALES_AUTH"}, nil},
		{"caller mode is not for the sandbox", with(nil, append(jwt, "CUSTGRAPH_SALES_AUTH", "caller")...), []string{"CUSTGRAPH_SALES_AUTH"}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Load(nil, env(tc.env))
			if tc.wantErr == nil {
				if err != nil {
					t.Fatal(err)
				}
				if tc.check != nil {
					tc.check(t, c)
				}
				return
			}
			if err == nil {
				t.Fatal("accepted")
			}
			for _, name := range tc.wantErr {
				if !strings.Contains(err.Error(), name+":") {
					t.Errorf("error does not name %s:\n%v", name, err)
				}
			}
			for _, secret := range []string{"ct-secret-value", "sk_live_value", "sk_from_file", "the-service-key"} {
				if strings.Contains(err.Error(), secret) {
					t.Errorf("error repeats a secret %q:\n%v", secret, err)
				}
			}
		})
	}
}
