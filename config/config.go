// Package config reads the gateway's settings from CUSTGRAPH_* environment variables, applies
// defaults and validates everything at once, so a bad deployment fails before it listens with
// one message naming every wrong variable. It never logs or prints secret values.
package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Config is the gateway's whole configuration.
type Config struct {
	Addr string // CUSTGRAPH_ADDR

	// Sandbox is true when no upstream is configured: the simulators run in-process.
	Sandbox        bool
	SandboxAddr    string        // CUSTGRAPH_SANDBOX_ADDR
	SandboxLatency time.Duration // CUSTGRAPH_SANDBOX_LATENCY
	SandboxSize    int           // CUSTGRAPH_SANDBOX_CUSTOMERS

	NetSuite      NetSuite
	Commercetools Commercetools
	Sales         Sales

	Playground    bool          // CUSTGRAPH_PLAYGROUND
	Introspection bool          // CUSTGRAPH_INTROSPECTION
	LoaderWait    time.Duration // CUSTGRAPH_LOADER_WAIT
	BatchTimeout  time.Duration // CUSTGRAPH_BATCH_TIMEOUT
	Cache         Cache
	Security      Security   // authentication, rate limits, body size (security.go)
	Frontend      Frontend   // CORS, compression, GET caching, query limits (frontend.go)
	Resilience    Resilience // upstream timeouts, limits, retries, breakers, request budget (resilience.go)
	Admission     Admission  // GraphQL requests executing at once and their wait for a slot (admission.go)

	LogFormat     string        // CUSTGRAPH_LOG_FORMAT: auto, text or json; see LogFormatOn
	LogLevel      string        // CUSTGRAPH_LOG_LEVEL
	ShutdownGrace time.Duration // CUSTGRAPH_SHUTDOWN_TIMEOUT
	// ShutdownDelay is how long shutdown reports not-ready, still serving, before it drains.
	ShutdownDelay time.Duration // CUSTGRAPH_SHUTDOWN_DELAY
	// ReadyUpstreams: readiness requires every upstream to answer its probe.
	ReadyUpstreams bool // CUSTGRAPH_READY_UPSTREAMS
	// ReadyInterval is how long /readyz reuses its dependency probes' results.
	ReadyInterval time.Duration // CUSTGRAPH_READY_INTERVAL

	// GCPercent is the Go garbage collector's target (GOGC) unless GOGC itself is set.
	GCPercent int // CUSTGRAPH_GC_PERCENT

	// Naive turns batching and the cache off (one upstream call per item): benchmarks only.
	Naive bool // CUSTGRAPH_NAIVE
}

// Cache holds the shared cache settings.
type Cache struct {
	Enabled       bool          // CUSTGRAPH_CACHE
	RedisURL      string        // CUSTGRAPH_REDIS_URL; "" = in-memory
	Namespace     string        // CUSTGRAPH_CACHE_NAMESPACE
	MemoryEntries int           // CUSTGRAPH_CACHE_MEMORY_ENTRIES
	Responses     bool          // CUSTGRAPH_CACHE_RESPONSES
	CustomerTTL   time.Duration // CUSTGRAPH_CACHE_TTL_CUSTOMER
	CategoryTTL   time.Duration // CUSTGRAPH_CACHE_TTL_CATEGORY
	GroupTTL      time.Duration // CUSTGRAPH_CACHE_TTL_GROUP
	NotFoundTTL   time.Duration // CUSTGRAPH_CACHE_TTL_NOT_FOUND
}

// NetSuite holds the NetSuite connection settings.
type NetSuite struct {
	URL            string // CUSTGRAPH_NETSUITE_URL
	TokenURL       string // CUSTGRAPH_NETSUITE_TOKEN_URL
	ClientID       string // CUSTGRAPH_NETSUITE_CLIENT_ID
	CertificateID  string // CUSTGRAPH_NETSUITE_CERTIFICATE_ID
	PrivateKeyFile string // CUSTGRAPH_NETSUITE_PRIVATE_KEY_FILE
}

// Commercetools holds the commercetools connection settings.
type Commercetools struct {
	URL          string // CUSTGRAPH_COMMERCETOOLS_URL
	AuthURL      string // CUSTGRAPH_COMMERCETOOLS_AUTH_URL
	ProjectKey   string // CUSTGRAPH_COMMERCETOOLS_PROJECT_KEY
	ClientID     string // CUSTGRAPH_COMMERCETOOLS_CLIENT_ID
	ClientSecret string // CUSTGRAPH_COMMERCETOOLS_CLIENT_SECRET
	Scopes       string // CUSTGRAPH_COMMERCETOOLS_SCOPES (space separated)
}

// Sales holds the sales API connection settings.
type Sales struct {
	URL    string // CUSTGRAPH_SALES_URL
	APIKey string // CUSTGRAPH_SALES_API_KEY(_FILE)
	// CallerAuth: the sales API is called with the caller's own bearer token
	// (CUSTGRAPH_SALES_AUTH=caller) instead of APIKey.
	CallerAuth bool
}

// Setting documents one variable for -help and the README.
type Setting struct {
	Name, Default, Help string
}

// Settings lists every setting with its default. Each is an environment variable, a flag (the
// name without CUSTGRAPH_, lower case, '-' for '_': CUSTGRAPH_REDIS_URL is -redis-url) and a
// key of the optional YAML file (the same with '_': redis_url).
func Settings() []Setting {
	return append([]Setting{
		{"CUSTGRAPH_ADDR", ":8080", "address the gateway listens on"},
		{"CUSTGRAPH_PLAYGROUND", "true", "serve the GraphiQL playground at /"},
		{"CUSTGRAPH_INTROSPECTION", "true", "allow schema introspection"},
		{"CUSTGRAPH_LOADER_WAIT", "2ms", "dataloader batch window"},
		{"CUSTGRAPH_BATCH_TIMEOUT", "10s", "deadline of one upstream batch"},
		{"CUSTGRAPH_LOG_FORMAT", "auto", "auto, text or json; auto = text when the log goes to a terminal, JSON otherwise (a container, a file, a log collector)"},
		{"CUSTGRAPH_LOG_LEVEL", "info", "debug, info, warn or error"},
		{"CUSTGRAPH_SHUTDOWN_TIMEOUT", "20s", "how long shutdown waits for in-flight requests"},
		{"CUSTGRAPH_SHUTDOWN_DELAY", "0s", "how long shutdown reports not-ready at /readyz, still serving, before it drains (at least the readiness probe period)"},
		{"CUSTGRAPH_READY_UPSTREAMS", "true", "/readyz fails while an upstream does not answer its probe (false: only Redis and shutdown count)"},
		{"CUSTGRAPH_READY_INTERVAL", "5s", "how long /readyz reuses the result of its upstream and Redis probes"},
		{"CUSTGRAPH_CACHE", "true", "cache upstream entities (Redis when CUSTGRAPH_REDIS_URL is set, else in memory)"},
		{"CUSTGRAPH_REDIS_URL", "", "redis://, rediss://, redis-sentinel://, redis-cluster:// URL of the shared cache"},
		{"CUSTGRAPH_CACHE_NAMESPACE", "custgraph", "key prefix: one per deployment or tenant sharing a Redis"},
		{"CUSTGRAPH_CACHE_MEMORY_ENTRIES", "10000", "size of the in-memory cache, in entries (its values are also held to 256 MiB, least recently used first)"},
		{"CUSTGRAPH_CACHE_RESPONSES", "true", "with the cache on, also keep whole query responses built only from cached entries; one is served again while none of those entries changed (a write through any replica ends it at once, otherwise the entries' TTLs)"},
		{"CUSTGRAPH_CACHE_TTL_CUSTOMER", "30s", "lifetime of cached customers and their category/group references"},
		{"CUSTGRAPH_CACHE_TTL_CATEGORY", "10m", "lifetime of cached categories"},
		{"CUSTGRAPH_CACHE_TTL_GROUP", "10m", "lifetime of cached groups and account groups"},
		{"CUSTGRAPH_CACHE_TTL_NOT_FOUND", "10s", "lifetime of a cached not-found"},
		{"CUSTGRAPH_GC_PERCENT", "400", "Go's garbage collection target (GOGC; the GOGC variable, when set, wins): the live heap is a few MiB while every request allocates hundreds of KiB, so Go's 100 collects many times a second; 400 spends tens of MiB to cut the gateway's CPU by about a quarter. GOMEMLIMIT (set from the container's limit in deploy/) still bounds the heap"},
		{"CUSTGRAPH_NAIVE", "false", "benchmarks only: no batching and no cache, one upstream call per item"},
		{"CUSTGRAPH_SANDBOX_ADDR", "127.0.0.1:8090", "sandbox mode: where the in-process simulators listen"},
		{"CUSTGRAPH_SANDBOX_LATENCY", "0s", "sandbox mode: how long every simulated upstream call takes (a read is worked on within it, a write applied after it)"},
		{"CUSTGRAPH_SANDBOX_CUSTOMERS", "200", "sandbox mode: number of seeded customers"},
		{"CUSTGRAPH_NETSUITE_URL", "", "NetSuite base URL, https://{account}.suitetalk.api.netsuite.com"},
		{"CUSTGRAPH_NETSUITE_TOKEN_URL", "{URL}/services/rest/auth/oauth2/v1/token", "NetSuite OAuth 2.0 token URL"},
		{"CUSTGRAPH_NETSUITE_CLIENT_ID", "", "NetSuite integration client id"},
		{"CUSTGRAPH_NETSUITE_CERTIFICATE_ID", "", "NetSuite M2M certificate id (JWT kid)"},
		{"CUSTGRAPH_NETSUITE_PRIVATE_KEY_FILE", "", "PEM file of the M2M certificate's private key"},
		{"CUSTGRAPH_COMMERCETOOLS_URL", "", "commercetools API URL, https://api.{region}.commercetools.com"},
		{"CUSTGRAPH_COMMERCETOOLS_AUTH_URL", "", "commercetools auth URL, https://auth.{region}.commercetools.com"},
		{"CUSTGRAPH_COMMERCETOOLS_PROJECT_KEY", "", "commercetools project key"},
		{"CUSTGRAPH_COMMERCETOOLS_CLIENT_ID", "", "commercetools API client id"},
		{"CUSTGRAPH_COMMERCETOOLS_CLIENT_SECRET", "", "commercetools API client secret"},
		{"CUSTGRAPH_COMMERCETOOLS_SCOPES", "manage_project:{project}", "space-separated OAuth scopes"},
		{"CUSTGRAPH_SALES_URL", "", "sales API base URL, https://{host}/v1/sales"},
		{"CUSTGRAPH_SALES_API_KEY", "", "sales API key"},
	}, slices.Concat(securitySettings(), frontendSettings(), resilienceSettings(), admissionSettings())...)
}

// Load reads the configuration: flags (args, without the program name) over environment
// variables (getenv) over the YAML file named by -config or CUSTGRAPH_CONFIG over defaults.
// It returns flag.ErrHelp after printing usage for -help.
func Load(args []string, getenv func(string) string) (Config, error) {
	values, err := sources(args, getenv)
	if err != nil {
		return Config{}, err
	}
	get := func(name string) string { return values[name] }
	var errs []error
	bad := func(name, format string, args ...any) {
		errs = append(errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
	}
	secret := func(name string) string { return readSecret(get, bad, name) }
	duration := func(name string) time.Duration {
		d, err := time.ParseDuration(get(name))
		if err != nil || d < 0 {
			bad(name, "%q is not a duration such as 250ms or 2s", get(name))
		}
		return d
	}
	boolean := func(name string) bool {
		b, err := strconv.ParseBool(get(name))
		if err != nil {
			bad(name, "%q is not true or false", get(name))
		}
		return b
	}
	address := func(name string) string {
		v := get(name)
		if _, port, err := net.SplitHostPort(v); err != nil || port == "" {
			bad(name, "%q is not a host:port address", v)
		}
		return v
	}
	httpURL := func(name string) string {
		v := get(name)
		if v == "" {
			return ""
		}
		u, err := url.Parse(v)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			bad(name, "%q is not an http(s) URL", v)
		}
		return strings.TrimSuffix(v, "/")
	}

	c := Config{
		Addr:           address("CUSTGRAPH_ADDR"),
		Playground:     boolean("CUSTGRAPH_PLAYGROUND"),
		Introspection:  boolean("CUSTGRAPH_INTROSPECTION"),
		LoaderWait:     duration("CUSTGRAPH_LOADER_WAIT"),
		BatchTimeout:   duration("CUSTGRAPH_BATCH_TIMEOUT"),
		LogFormat:      get("CUSTGRAPH_LOG_FORMAT"),
		LogLevel:       get("CUSTGRAPH_LOG_LEVEL"),
		ShutdownGrace:  duration("CUSTGRAPH_SHUTDOWN_TIMEOUT"),
		ShutdownDelay:  duration("CUSTGRAPH_SHUTDOWN_DELAY"),
		ReadyUpstreams: boolean("CUSTGRAPH_READY_UPSTREAMS"),
		ReadyInterval:  duration("CUSTGRAPH_READY_INTERVAL"),
		Naive:          boolean("CUSTGRAPH_NAIVE"),
		SandboxAddr:    address("CUSTGRAPH_SANDBOX_ADDR"),
		SandboxLatency: duration("CUSTGRAPH_SANDBOX_LATENCY"),
		NetSuite: NetSuite{
			URL: httpURL("CUSTGRAPH_NETSUITE_URL"), TokenURL: httpURL("CUSTGRAPH_NETSUITE_TOKEN_URL"),
			ClientID: get("CUSTGRAPH_NETSUITE_CLIENT_ID"), CertificateID: get("CUSTGRAPH_NETSUITE_CERTIFICATE_ID"),
			PrivateKeyFile: get("CUSTGRAPH_NETSUITE_PRIVATE_KEY_FILE"),
		},
		Commercetools: Commercetools{
			URL: httpURL("CUSTGRAPH_COMMERCETOOLS_URL"), AuthURL: httpURL("CUSTGRAPH_COMMERCETOOLS_AUTH_URL"),
			ProjectKey: get("CUSTGRAPH_COMMERCETOOLS_PROJECT_KEY"), ClientID: get("CUSTGRAPH_COMMERCETOOLS_CLIENT_ID"),
			ClientSecret: secret("CUSTGRAPH_COMMERCETOOLS_CLIENT_SECRET"), Scopes: get("CUSTGRAPH_COMMERCETOOLS_SCOPES"),
		},
		Sales: Sales{URL: httpURL("CUSTGRAPH_SALES_URL"), APIKey: secret("CUSTGRAPH_SALES_API_KEY")},
		Cache: Cache{
			Enabled: boolean("CUSTGRAPH_CACHE"), RedisURL: secret("CUSTGRAPH_REDIS_URL"),
			Namespace: get("CUSTGRAPH_CACHE_NAMESPACE"), Responses: boolean("CUSTGRAPH_CACHE_RESPONSES"),
			CustomerTTL: duration("CUSTGRAPH_CACHE_TTL_CUSTOMER"), CategoryTTL: duration("CUSTGRAPH_CACHE_TTL_CATEGORY"),
			GroupTTL: duration("CUSTGRAPH_CACHE_TTL_GROUP"), NotFoundTTL: duration("CUSTGRAPH_CACHE_TTL_NOT_FOUND"),
		},
	}
	if n, err := strconv.Atoi(get("CUSTGRAPH_CACHE_MEMORY_ENTRIES")); err != nil || n < 1 {
		bad("CUSTGRAPH_CACHE_MEMORY_ENTRIES", "%q is not a positive number", get("CUSTGRAPH_CACHE_MEMORY_ENTRIES"))
	} else {
		c.Cache.MemoryEntries = n
	}
	if u := c.Cache.RedisURL; u != "" {
		if p, err := url.Parse(u); err != nil || !strings.HasPrefix(p.Scheme, "redis") && p.Scheme != "unix" {
			// Never echo the URL: it may carry a password.
			bad("CUSTGRAPH_REDIS_URL", "is not a redis://, rediss://, redis-sentinel://, redis-cluster:// or unix:// URL")
		}
	}
	if n, err := strconv.Atoi(get("CUSTGRAPH_GC_PERCENT")); err != nil || n < 10 || n > 10000 {
		bad("CUSTGRAPH_GC_PERCENT", "%q is not a number from 10 to 10000", get("CUSTGRAPH_GC_PERCENT"))
	} else {
		c.GCPercent = n
	}
	if n, err := strconv.Atoi(get("CUSTGRAPH_SANDBOX_CUSTOMERS")); err != nil || n < 1 || n > 100000 {
		bad("CUSTGRAPH_SANDBOX_CUSTOMERS", "%q is not a number from 1 to 100000", get("CUSTGRAPH_SANDBOX_CUSTOMERS"))
	} else {
		c.SandboxSize = n
	}
	if c.LogFormat != "auto" && c.LogFormat != "text" && c.LogFormat != "json" {
		bad("CUSTGRAPH_LOG_FORMAT", "%q is not auto, text or json", c.LogFormat)
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		bad("CUSTGRAPH_LOG_LEVEL", "%q is not debug, info, warn or error", c.LogLevel)
	}

	configured := map[string]bool{"NETSUITE": c.NetSuite.URL != "", "COMMERCETOOLS": c.Commercetools.URL != "", "SALES": c.Sales.URL != ""}
	switch n := count(configured); {
	case n == 0:
		c.Sandbox = true
	case n < 3:
		for name, ok := range configured {
			if !ok {
				bad("CUSTGRAPH_"+name+"_URL", "is not set, but other upstreams are: set all three upstream URLs, or none for sandbox mode")
			}
		}
	default:
		required := map[string]string{
			"CUSTGRAPH_NETSUITE_CLIENT_ID": c.NetSuite.ClientID, "CUSTGRAPH_NETSUITE_CERTIFICATE_ID": c.NetSuite.CertificateID,
			"CUSTGRAPH_NETSUITE_PRIVATE_KEY_FILE": c.NetSuite.PrivateKeyFile,
			"CUSTGRAPH_COMMERCETOOLS_AUTH_URL":    c.Commercetools.AuthURL, "CUSTGRAPH_COMMERCETOOLS_PROJECT_KEY": c.Commercetools.ProjectKey,
			"CUSTGRAPH_COMMERCETOOLS_CLIENT_ID": c.Commercetools.ClientID, "CUSTGRAPH_COMMERCETOOLS_CLIENT_SECRET": c.Commercetools.ClientSecret,
			"CUSTGRAPH_SALES_API_KEY": c.Sales.APIKey,
		}
		if get("CUSTGRAPH_SALES_AUTH") == "caller" {
			delete(required, "CUSTGRAPH_SALES_API_KEY") // the caller's own token is sent instead
		}
		for name, v := range required {
			if v == "" {
				bad(name, "is required when the upstreams are configured")
			}
		}
		if f := c.NetSuite.PrivateKeyFile; f != "" {
			if _, err := os.Stat(f); err != nil {
				bad("CUSTGRAPH_NETSUITE_PRIVATE_KEY_FILE", "cannot read %q: %v", f, errors.Unwrap(err))
			}
		}
	}
	loadSecurity(&c, get, bad)
	loadFrontend(&c, get, bad)
	loadResilience(&c, get, bad)
	loadAdmission(&c, get, bad)
	return c, sortedJoin(errs)
}

func count(m map[string]bool) int {
	n := 0
	for _, v := range m {
		if v {
			n++
		}
	}
	return n
}

// LogFormatOn is the log format to use: the configured one, or for "auto" text when the log
// goes to a terminal (a person reads it) and JSON otherwise (a collector parses it).
func (c Config) LogFormatOn(terminal bool) string {
	if c.LogFormat != "auto" {
		return c.LogFormat
	}
	if terminal {
		return "text"
	}
	return "json"
}
