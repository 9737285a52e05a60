package config

import (
	"net/url"
	"strconv"
	"strings"
	"time"
)

// Frontend holds what browsers, CDNs and mobile apps see of the GraphQL endpoint: CORS,
// compression, caching of GET answers, and the limits every query must stay under.
type Frontend struct {
	CORSOrigins    []string      // CUSTGRAPH_CORS_ORIGINS (comma separated)
	Compression    bool          // CUSTGRAPH_COMPRESSION
	GETCacheMaxAge time.Duration // CUSTGRAPH_GET_CACHE_MAX_AGE
	MaxQueryBytes  int           // CUSTGRAPH_MAX_QUERY_BYTES
	MaxQueryTokens int           // CUSTGRAPH_MAX_QUERY_TOKENS
	MaxDepth       int           // CUSTGRAPH_MAX_DEPTH
	MaxComplexity  int           // CUSTGRAPH_MAX_COMPLEXITY
	MaxAliases     int           // CUSTGRAPH_MAX_ALIASES
}

// frontendSettings are the rows of Settings() for the HTTP conventions and query limits. The
// limit defaults are gateway.DefaultLimits() (a gateway test keeps them equal).
func frontendSettings() []Setting {
	return []Setting{
		{"CUSTGRAPH_CORS_ORIGINS", "", "origins browsers may call /graphql from, comma separated: https://app.example.com, https://*.example.com, or *; none = same origin only"},
		{"CUSTGRAPH_COMPRESSION", "true", "zstd/gzip responses over 1 KiB for clients that accept them"},
		{"CUSTGRAPH_GET_CACHE_MAX_AGE", "0s", "how long browsers and CDNs may keep a successful GET query answer; 0s = no-store"},
		{"CUSTGRAPH_MAX_QUERY_BYTES", "32768", "largest query text in bytes; 0 = no limit"},
		{"CUSTGRAPH_MAX_QUERY_TOKENS", "5000", "most lexical tokens in a query (parser token limit); 0 = no limit"},
		{"CUSTGRAPH_MAX_DEPTH", "12", "deepest field nesting, fragments expanded, introspection not counted; 0 = no limit"},
		{"CUSTGRAPH_MAX_COMPLEXITY", "50000", "highest query cost: 1 per field plus children, a connection first x its children; 0 = no limit"},
		{"CUSTGRAPH_MAX_ALIASES", "30", "most aliased fields, fragments expanded; 0 = no limit"},
	}
}

// loadFrontend reads and checks the frontend settings into c.
func loadFrontend(c *Config, get func(string) string, bad func(name, format string, args ...any)) {
	f := &c.Frontend
	for _, o := range strings.Split(get("CUSTGRAPH_CORS_ORIGINS"), ",") {
		if o = strings.TrimSpace(o); o == "" {
			continue
		}
		if !validOrigin(o) {
			bad("CUSTGRAPH_CORS_ORIGINS", "%q is not an origin such as https://app.example.com, https://*.example.com or *", o)
			continue
		}
		f.CORSOrigins = append(f.CORSOrigins, strings.TrimSuffix(o, "/"))
	}
	if b, err := strconv.ParseBool(get("CUSTGRAPH_COMPRESSION")); err != nil {
		bad("CUSTGRAPH_COMPRESSION", "%q is not true or false", get("CUSTGRAPH_COMPRESSION"))
	} else {
		f.Compression = b
	}
	if d, err := time.ParseDuration(get("CUSTGRAPH_GET_CACHE_MAX_AGE")); err != nil || d < 0 {
		bad("CUSTGRAPH_GET_CACHE_MAX_AGE", "%q is not a duration such as 0s or 5m", get("CUSTGRAPH_GET_CACHE_MAX_AGE"))
	} else {
		f.GETCacheMaxAge = d
	}
	limit := func(name string) int {
		n, err := strconv.Atoi(get(name))
		if err != nil || n < 0 {
			bad(name, "%q is not a whole number >= 0 (0 = no limit)", get(name))
		}
		return n
	}
	f.MaxQueryBytes = limit("CUSTGRAPH_MAX_QUERY_BYTES")
	f.MaxQueryTokens = limit("CUSTGRAPH_MAX_QUERY_TOKENS")
	f.MaxDepth = limit("CUSTGRAPH_MAX_DEPTH")
	f.MaxComplexity = limit("CUSTGRAPH_MAX_COMPLEXITY")
	f.MaxAliases = limit("CUSTGRAPH_MAX_ALIASES")
}

// validOrigin accepts "*" or scheme://host[:port] with at most one "*" in the host.
func validOrigin(o string) bool {
	if o == "*" {
		return true
	}
	u, err := url.Parse(strings.Replace(o, "*", "wildcard", 1))
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" &&
		(u.Path == "" || u.Path == "/") && u.RawQuery == "" && u.Fragment == "" && u.User == nil &&
		strings.Count(o, "*") <= 1
}
