package netsuite

import (
	"crypto"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/golang-jwt/jwt/v5"

	"custgraph/upstream/rest"
)

// upstreamName names NetSuite in errors and logs.
const upstreamName = "netsuite"

// Paths of the REST web services, relative to the account's base URL.
const (
	tokenPath    = "/services/rest/auth/oauth2/v1/token"
	categoryPath = "/services/rest/record/v1/customerCategory"
	customerPath = "/services/rest/record/v1/customer"
	suiteQLPath  = "/services/rest/query/v1/suiteql"
)

// Config builds a Client.
type Config struct {
	BaseURL       string       // https://{account}.suitetalk.api.netsuite.com (no trailing path)
	TokenURL      string       // default BaseURL + "/services/rest/auth/oauth2/v1/token"
	ClientID      string       // the integration record's client id (JWT iss)
	CertificateID string       // JWT header kid
	PrivateKeyPEM []byte       // PKCS#8 / EC / RSA PEM; signs the client assertion (ES256 for EC, PS256 for RSA)
	HTTPClient    *http.Client // used for API and token calls; nil = default
	Logger        *slog.Logger // nil = discard
	Retry         *rest.RetryPolicy
	// Policy is the account's timeout, concurrency limit and breaker, applied to API calls
	// (a token fetch runs inside the API call that needs it, under the same slot); nil = none.
	Policy *rest.Policy
}

// Client calls one NetSuite account's REST web services. It is safe for concurrent use.
type Client struct {
	api      *rest.Client
	tokens   *rest.Client
	basePath string // path prefix of BaseURL, for errors raised before a call
	tokenURL string // the JWT audience
	tokenRel string // token endpoint path relative to the token client's base
	clientID string
	certID   string
	key      crypto.Signer
	method   jwt.SigningMethod
}

// New validates cfg (naming every bad field) and parses the private key once.
func New(cfg Config) (*Client, error) {
	var problems []error
	bad := func(format string, args ...any) {
		problems = append(problems, fmt.Errorf("netsuite: "+format, args...))
	}
	base, err := url.Parse(cfg.BaseURL)
	switch {
	case cfg.BaseURL == "":
		bad("Config.BaseURL is required")
	case err != nil || (base.Scheme != "http" && base.Scheme != "https") || base.Host == "":
		bad("Config.BaseURL %q is not an absolute http(s) URL", cfg.BaseURL)
	case base.RawQuery != "" || base.Fragment != "":
		bad("Config.BaseURL %q must not have a query or fragment", cfg.BaseURL)
	}
	tokenURL := cfg.TokenURL
	if tokenURL == "" && base != nil && len(problems) == 0 {
		tokenURL = strings.TrimSuffix(cfg.BaseURL, "/") + tokenPath
	}
	tu, err := url.Parse(tokenURL)
	if cfg.TokenURL != "" && (err != nil || (tu.Scheme != "http" && tu.Scheme != "https") || tu.Host == "" || tu.RawQuery != "") {
		bad("Config.TokenURL %q is not an absolute http(s) URL without a query", cfg.TokenURL)
	}
	if cfg.ClientID == "" {
		bad("Config.ClientID is required")
	}
	if cfg.CertificateID == "" {
		bad("Config.CertificateID is required")
	}
	var key crypto.Signer
	var method jwt.SigningMethod
	if len(cfg.PrivateKeyPEM) == 0 {
		bad("Config.PrivateKeyPEM is required")
	} else if key, method, err = parsePrivateKey(cfg.PrivateKeyPEM); err != nil {
		bad("Config.PrivateKeyPEM: %v", err)
	}
	if len(problems) > 0 {
		return nil, errors.Join(problems...)
	}

	c := &Client{
		basePath: strings.TrimSuffix(base.EscapedPath(), "/"),
		tokenURL: tokenURL,
		tokenRel: tu.EscapedPath(),
		clientID: cfg.ClientID,
		certID:   cfg.CertificateID,
		key:      key,
		method:   method,
	}
	tokenBase := tu.Scheme + "://" + tu.Host
	c.tokens, err = rest.New(rest.Config{
		Upstream:    upstreamName,
		BaseURL:     tokenBase,
		HTTPClient:  cfg.HTTPClient,
		DecodeError: decodeTokenError,
		Retry:       cfg.Retry,
		Logger:      cfg.Logger,
	})
	if err != nil {
		return nil, fmt.Errorf("netsuite: token endpoint: %w", err)
	}
	c.api, err = rest.New(rest.Config{
		Upstream:    upstreamName,
		BaseURL:     cfg.BaseURL,
		HTTPClient:  cfg.HTTPClient,
		Auth:        rest.NewTokenAuth(c.fetchToken),
		DecodeError: decodeError,
		Retry:       cfg.Retry,
		Logger:      cfg.Logger,
		Policy:      cfg.Policy,
	})
	if err != nil {
		return nil, fmt.Errorf("netsuite: %w", err)
	}
	return c, nil
}

// Category is a customerCategory record.
type Category struct {
	ID         string
	Name       string
	IsInactive bool
}

// CategoryInput creates a category.
type CategoryInput struct {
	Name       string
	IsInactive *bool // nil = NetSuite's default (false)
}

// CategoryPatch updates a category; nil fields are left unchanged.
type CategoryPatch struct {
	Name       *string
	IsInactive *bool
}

// CategoryFilter narrows a list or search; nil fields and an empty IDs slice do not filter.
// Conditions are ANDed. Name matching ignores case.
type CategoryFilter struct {
	Name, NameStartsWith, NameContains *string
	IsInactive                         *bool
	IDs                                []string // internal ids; at most 1000
}

// ListOptions selects a window of results. Any Offset works: NetSuite only takes offsets that
// are multiples of the limit, so the client reads the aligned page(s) around the window.
type ListOptions struct {
	Filter        CategoryFilter
	Limit, Offset int // Limit 0 = 1000 (max 1000)
}

// IDPage is one page of a record collection: ids only, as NetSuite lists them.
type IDPage struct {
	IDs                         []string
	HasMore                     bool
	Offset, Count, TotalResults int
}

// CategoryPage is one page of a SuiteQL category search, with full records.
type CategoryPage struct {
	Categories                  []Category
	HasMore                     bool
	Offset, Count, TotalResults int
}

// CustomerCategory is a customer's category assignment.
type CustomerCategory struct {
	EntityID   string    // the customer number
	CustomerID string    // NetSuite internal id of the customer
	CategoryID string    // "" = none
	Category   *Category // nil when CategoryID is "" (or names a category that no longer exists)
}

// pageParams validates and defaults the page of opts.
func (c *Client) pageParams(method, path string, opts ListOptions) (limit, offset int, err error) {
	limit = opts.Limit
	switch {
	case limit < 0 || limit > maxBatch:
		return 0, 0, c.invalid(method, path, "limit", fmt.Sprintf("limit must be between 0 (default %d) and %d", maxBatch, maxBatch))
	case limit == 0:
		limit = maxBatch
	}
	if opts.Offset < 0 {
		return 0, 0, c.invalid(method, path, "offset", "offset must not be negative")
	}
	return limit, opts.Offset, nil
}
