package config

import (
	"errors"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"

	"custgraph/auth"
)

// Security holds who may call the gateway, how often, and with how much.
type Security struct {
	Auth Auth
	// RateLimit is the sustained requests per second per caller (0 = no limit); RateBurst the
	// bucket size.
	RateLimit int // CUSTGRAPH_RATE_LIMIT
	RateBurst int // CUSTGRAPH_RATE_BURST
	// MaxBodyBytes caps a request body.
	MaxBodyBytes int64 // CUSTGRAPH_MAX_BODY_BYTES
}

// Auth holds the authentication settings. Outside sandbox mode a JWKS URL or API keys are
// required; in sandbox mode, setting either turns authentication on.
type Auth struct {
	JWKSURL     string        // CUSTGRAPH_AUTH_JWKS_URL
	Issuer      string        // CUSTGRAPH_AUTH_ISSUER
	Audience    string        // CUSTGRAPH_AUTH_AUDIENCE
	JWKSRefresh time.Duration // CUSTGRAPH_AUTH_JWKS_REFRESH
	// APIKeys are the service callers' keys, hashed (auth.ParseAPIKeys).
	APIKeys             []auth.APIKey `json:"-"` // CUSTGRAPH_AUTH_API_KEYS(_FILE)
	ScopeRead           string        // CUSTGRAPH_AUTH_SCOPE_READ
	ScopeCustomersWrite string        // CUSTGRAPH_AUTH_SCOPE_CUSTOMERS_WRITE
	ScopeCatalogWrite   string        // CUSTGRAPH_AUTH_SCOPE_CATALOG_WRITE
}

// Enabled reports whether callers must authenticate.
func (a Auth) Enabled() bool { return a.JWKSURL != "" || len(a.APIKeys) > 0 }

// Scopes returns the configured scope names.
func (a Auth) Scopes() auth.Scopes {
	return auth.Scopes{Read: a.ScopeRead, CustomersWrite: a.ScopeCustomersWrite, CatalogWrite: a.ScopeCatalogWrite}
}

// securitySettings are the rows of Settings() for authentication, limits and secret files.
func securitySettings() []Setting {
	d := auth.DefaultScopes()
	return []Setting{
		{"CUSTGRAPH_AUTH_JWKS_URL", "", "identity provider's JWKS URL: bearer JWTs are verified against it (https; http only on loopback)"},
		{"CUSTGRAPH_AUTH_ISSUER", "", "required token issuer (iss), with CUSTGRAPH_AUTH_JWKS_URL"},
		{"CUSTGRAPH_AUTH_AUDIENCE", "", "required token audience (aud), with CUSTGRAPH_AUTH_JWKS_URL"},
		{"CUSTGRAPH_AUTH_JWKS_REFRESH", "1h", "how often the JWKS is refetched (an unknown key id refetches it at once, at most every 10s)"},
		{"CUSTGRAPH_AUTH_API_KEYS", "", "service API keys, hashed: \"id=sha256hex scope scope, id2=...\" (callers send X-API-Key)"},
		{"CUSTGRAPH_AUTH_API_KEYS_FILE", "", "file of API key entries, one per line (instead of CUSTGRAPH_AUTH_API_KEYS)"},
		{"CUSTGRAPH_AUTH_SCOPE_READ", d.Read, "scope every query needs"},
		{"CUSTGRAPH_AUTH_SCOPE_CUSTOMERS_WRITE", d.CustomersWrite, "scope of updateCustomer, assignCustomerCategory, setCustomerGroups"},
		{"CUSTGRAPH_AUTH_SCOPE_CATALOG_WRITE", d.CatalogWrite, "scope of the category and group mutations"},
		{"CUSTGRAPH_RATE_LIMIT", "50", "requests per second per caller (token subject, API key, or IP when open); 0 = no limit"},
		{"CUSTGRAPH_RATE_BURST", "100", "burst size of the per-caller rate limit"},
		{"CUSTGRAPH_MAX_BODY_BYTES", "1048576", "largest accepted request body (larger: 413)"},
		{"CUSTGRAPH_SALES_AUTH", "gateway", "gateway: call the sales API with CUSTGRAPH_SALES_API_KEY; caller: with the caller's own bearer token"},
		{"CUSTGRAPH_SALES_API_KEY_FILE", "", "file holding the sales API key (instead of CUSTGRAPH_SALES_API_KEY)"},
		{"CUSTGRAPH_COMMERCETOOLS_CLIENT_SECRET_FILE", "", "file holding the commercetools client secret"},
		{"CUSTGRAPH_REDIS_URL_FILE", "", "file holding CUSTGRAPH_REDIS_URL (it may carry a password)"},
	}
}

// readSecret returns the value of name, or the contents of the file named by name_FILE
// (trailing newlines trimmed). Setting both is an error. Errors never show the value.
func readSecret(get func(string) string, bad func(name, format string, args ...any), name string) string {
	v, file := get(name), get(name+"_FILE")
	if file == "" {
		return v
	}
	if v != "" {
		bad(name, "is set, and so is %s_FILE: set one", name)
		return v
	}
	b, err := os.ReadFile(file)
	if err != nil {
		bad(name+"_FILE", "cannot read %q: %v", file, errors.Unwrap(err))
		return ""
	}
	return strings.TrimRight(string(b), "\r\n")
}

// loadSecurity reads and checks the security settings into c; c.Sandbox is already decided.
func loadSecurity(c *Config, get func(string) string, bad func(name, format string, args ...any)) {
	s := &c.Security
	a := &s.Auth
	a.JWKSURL, a.Issuer, a.Audience = get("CUSTGRAPH_AUTH_JWKS_URL"), get("CUSTGRAPH_AUTH_ISSUER"), get("CUSTGRAPH_AUTH_AUDIENCE")
	if d, err := time.ParseDuration(get("CUSTGRAPH_AUTH_JWKS_REFRESH")); err != nil || d < time.Minute {
		bad("CUSTGRAPH_AUTH_JWKS_REFRESH", "%q is not a duration of at least 1m", get("CUSTGRAPH_AUTH_JWKS_REFRESH"))
	} else {
		a.JWKSRefresh = d
	}
	if u := a.JWKSURL; u != "" {
		p, err := url.Parse(u)
		loopback := err == nil && (p.Hostname() == "localhost" || p.Hostname() == "127.0.0.1" || p.Hostname() == "::1")
		if err != nil || p.Host == "" || (p.Scheme != "https" && !(p.Scheme == "http" && loopback)) {
			bad("CUSTGRAPH_AUTH_JWKS_URL", "%q is not an https URL (http is allowed only on loopback)", u)
		}
		if a.Issuer == "" {
			bad("CUSTGRAPH_AUTH_ISSUER", "is required with CUSTGRAPH_AUTH_JWKS_URL")
		}
		if a.Audience == "" {
			bad("CUSTGRAPH_AUTH_AUDIENCE", "is required with CUSTGRAPH_AUTH_JWKS_URL")
		}
	} else if a.Issuer != "" || a.Audience != "" {
		bad("CUSTGRAPH_AUTH_JWKS_URL", "is required when CUSTGRAPH_AUTH_ISSUER or CUSTGRAPH_AUTH_AUDIENCE is set")
	}
	keys, err := auth.ParseAPIKeys(readSecret(get, bad, "CUSTGRAPH_AUTH_API_KEYS"))
	if err != nil {
		bad("CUSTGRAPH_AUTH_API_KEYS", "%v", err)
	}
	a.APIKeys = keys
	a.ScopeRead, a.ScopeCustomersWrite, a.ScopeCatalogWrite = get("CUSTGRAPH_AUTH_SCOPE_READ"),
		get("CUSTGRAPH_AUTH_SCOPE_CUSTOMERS_WRITE"), get("CUSTGRAPH_AUTH_SCOPE_CATALOG_WRITE")
	for _, n := range []string{"CUSTGRAPH_AUTH_SCOPE_READ", "CUSTGRAPH_AUTH_SCOPE_CUSTOMERS_WRITE", "CUSTGRAPH_AUTH_SCOPE_CATALOG_WRITE"} {
		if v := get(n); v == "" || strings.ContainsAny(v, " \t\r\n,") {
			bad(n, "%q is not one scope name", v)
		}
	}
	if !c.Sandbox && !a.Enabled() {
		bad("CUSTGRAPH_AUTH_JWKS_URL", "outside sandbox mode callers must authenticate: set CUSTGRAPH_AUTH_JWKS_URL (with _ISSUER and _AUDIENCE) and/or CUSTGRAPH_AUTH_API_KEYS")
	}

	count := func(name string, lowest int) int {
		n, err := strconv.Atoi(get(name))
		if err != nil || n < lowest {
			bad(name, "%q is not a whole number >= %d", get(name), lowest)
		}
		return n
	}
	s.RateLimit = count("CUSTGRAPH_RATE_LIMIT", 0)
	s.RateBurst = count("CUSTGRAPH_RATE_BURST", 1)
	s.MaxBodyBytes = int64(count("CUSTGRAPH_MAX_BODY_BYTES", 1024))

	switch get("CUSTGRAPH_SALES_AUTH") {
	case "gateway":
	case "caller":
		c.Sales.CallerAuth = true
		if c.Sandbox {
			bad("CUSTGRAPH_SALES_AUTH", "caller is not available in sandbox mode: the sales simulator accepts only its own key")
		}
		if a.JWKSURL == "" {
			bad("CUSTGRAPH_SALES_AUTH", "caller needs bearer-token authentication (CUSTGRAPH_AUTH_JWKS_URL): there is no caller token to pass on otherwise")
		}
	default:
		bad("CUSTGRAPH_SALES_AUTH", "%q is not gateway or caller", get("CUSTGRAPH_SALES_AUTH"))
	}
}

// Describe says how callers authenticate, for the start-up banner (no secret in it).
func (a Auth) Describe() string {
	var parts []string
	if a.JWKSURL != "" {
		parts = append(parts, fmt.Sprintf("bearer JWTs from %s", a.Issuer))
	}
	if len(a.APIKeys) > 0 {
		parts = append(parts, fmt.Sprintf("API keys (%d)", len(a.APIKeys)))
	}
	if len(parts) == 0 {
		return "off"
	}
	return strings.Join(parts, " and ")
}
