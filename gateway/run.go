package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"custgraph/cache"
	"custgraph/config"
	"custgraph/loaders"
	"custgraph/simstack"
	"custgraph/telemetry"
	"custgraph/upstream/commercetools"
	"custgraph/upstream/netsuite"
	"custgraph/upstream/sales"
	"custgraph/upstream/seed"
)

// Started describes a running gateway, for the start-up banner and for tests.
type Started struct {
	URL        string // the gateway's base URL
	SandboxURL string // "" outside sandbox mode
	Auth       string // how callers authenticate; "off" (sandbox mode only) when they do not
}

// Run serves the gateway described by cfg until ctx ends, then shuts down gracefully within
// cfg.ShutdownGrace. In sandbox mode it first starts the simulators in-process. started is
// called once the listener is bound.
func Run(ctx context.Context, cfg config.Config, log *slog.Logger, started func(Started)) error {
	// Bind first: a port conflict fails at once, before anything else starts.
	ln, err := net.Listen("tcp", cfg.Addr)
	if err != nil {
		return fmt.Errorf("CUSTGRAPH_ADDR: listen on %s: %w", cfg.Addr, err)
	}
	defer ln.Close()

	TuneGC(cfg.GCPercent)
	var info Started
	var up loaders.Upstreams
	tel, flushTraces, err := newTelemetry(ctx, log) // tracing from OTEL_*, metrics (ops.go)
	if err != nil {
		return err
	}
	defer flushTraces()
	// Each upstream gets its own copy of this client, instrumented for it (perUpstream).
	httpClient := &http.Client{Timeout: 30 * time.Second, Transport: tel.UpstreamTransport(UpstreamTransport())}
	res, err := NewResilience(cfg.Resilience, log, nil) // per-upstream policies (resilience.go)
	if err != nil {
		return err
	}
	for name, p := range res.Policies() {
		telemetry.WatchBreaker(tel, name, p.State) // custgraph_breaker_state
	}
	if cfg.Sandbox {
		stack, err := simstack.Start(simstack.Options{Addr: cfg.SandboxAddr, Latency: cfg.SandboxLatency,
			Seed: seed.Options{Customers: cfg.SandboxSize}})
		if err != nil {
			return fmt.Errorf("CUSTGRAPH_SANDBOX_ADDR: %w", err)
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = stack.Close(sctx)
		}()
		info.SandboxURL = stack.URL
		up, err = SandboxUpstreams(stack, httpClient, log, res.Option())
		if err != nil {
			return err
		}
	} else {
		up, err = ConfiguredUpstreams(cfg, httpClient, log, res.Option())
		if err != nil {
			return err
		}
	}

	if cfg.Naive {
		cfg.Cache.Enabled = false
		log.Warn("CUSTGRAPH_NAIVE: batching and cache off, one upstream call per item (for benchmarks only)")
	}
	c, closeCache, err := NewCache(cfg.Cache, log)
	if err != nil {
		return err
	}
	defer closeCache()
	sec, closeSec, err := NewSecurity(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer closeSec()
	info.Auth = cfg.Security.Auth.Describe()
	ready := newReadiness(cfg, info.SandboxURL, c, log) // /readyz (ops.go)
	h := New(Options{Upstreams: up, Logger: log, Playground: cfg.Playground, Introspection: cfg.Introspection,
		LoaderWait: cfg.LoaderWait, BatchTimeout: cfg.BatchTimeout, Cache: c, CacheTTLs: loaders.CacheTTLs{
			Customer: cfg.Cache.CustomerTTL, Category: cfg.Cache.CategoryTTL, Group: cfg.Cache.GroupTTL,
			NotFound: cfg.Cache.NotFoundTTL}, EntitiesOnly: !cfg.Cache.Responses, Naive: cfg.Naive,
		Security: sec, MaxBodyBytes: cfg.Security.MaxBodyBytes,
		Telemetry: tel, Health: ready, RequestBudget: cfg.Resilience.RequestBudget,
		MaxInflight: cfg.Admission.Slots(), QueueTimeout: cfg.Admission.QueueTimeout,
		Limits: limitsFrom(cfg.Frontend), HTTP: httpFrom(cfg.Frontend)}) // frontend.go
	srv := &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10, // room for large bearer tokens, not for header floods
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	info.URL = "http://" + displayAddr(ln.Addr())
	if started != nil {
		started(info)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	ready.Started()
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	// Not ready first, still serving, so load balancers stop sending before the listener closes.
	ready.ShuttingDown()
	log.Info("shutting down", "delay", cfg.ShutdownDelay, "grace", cfg.ShutdownGrace)
	if cfg.ShutdownDelay > 0 {
		time.Sleep(cfg.ShutdownDelay)
	}
	sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), cfg.ShutdownGrace)
	defer cancel()
	err = srv.Shutdown(sctx)
	if err != nil {
		// The grace ran out: cut what still runs instead of leaving it to the process exit.
		log.Warn("shutdown grace exceeded; closing the remaining connections", "grace", cfg.ShutdownGrace)
		_ = srv.Close()
	}
	if serr := <-done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

func displayAddr(a net.Addr) string {
	s := a.String()
	if strings.HasPrefix(s, "[::]:") || strings.HasPrefix(s, "0.0.0.0:") {
		return "localhost:" + s[strings.LastIndex(s, ":")+1:]
	}
	return s
}

// NewCache builds the shared cache from its settings: nil when disabled, Redis when a URL is
// given, in-memory otherwise. The returned func releases it.
func NewCache(cfg config.Cache, log *slog.Logger) (*cache.Cache, func(), error) {
	if !cfg.Enabled {
		return nil, func() {}, nil
	}
	store := cache.NewMemory(cfg.MemoryEntries)
	closeFn := func() {}
	if cfg.RedisURL != "" {
		rc, err := cache.RedisClientFromURL(cfg.RedisURL)
		if err != nil {
			return nil, nil, fmt.Errorf("CUSTGRAPH_REDIS_URL: %w", err)
		}
		store = cache.NewRedis(rc, cache.RedisOptions{})
		closeFn = func() { _ = rc.Close() }
	}
	c, err := cache.New(store, cache.Options{Namespace: cfg.Namespace, FormatVersion: cacheFormat, Logger: log})
	if err != nil {
		closeFn()
		return nil, nil, fmt.Errorf("CUSTGRAPH_CACHE_NAMESPACE: %w", err)
	}
	return c, closeFn, nil
}

// cacheFormat is the encoding version of cached entities: bump it when an upstream type's JSON
// shape changes, so replicas never read entries of the old shape.
const cacheFormat = 1

// SandboxUpstreams builds the three clients against a running sandbox.
func SandboxUpstreams(stack *simstack.Stack, httpClient *http.Client, log *slog.Logger, opts ...UpstreamOption) (loaders.Upstreams, error) {
	ns, ct, sl := stack.NetSuiteConfig(), stack.CommercetoolsConfig(), stack.SalesConfig()
	ns.HTTPClient, ct.HTTPClient, sl.HTTPClient = httpClient, httpClient, httpClient
	ns.Logger, ct.Logger, sl.Logger = log, log, log
	return newUpstreams(ns, ct, sl, opts...)
}

// ConfiguredUpstreams builds the three clients from the configuration.
func ConfiguredUpstreams(cfg config.Config, httpClient *http.Client, log *slog.Logger, opts ...UpstreamOption) (loaders.Upstreams, error) {
	key, err := os.ReadFile(cfg.NetSuite.PrivateKeyFile)
	if err != nil {
		return loaders.Upstreams{}, fmt.Errorf("CUSTGRAPH_NETSUITE_PRIVATE_KEY_FILE: %w", err)
	}
	var scopes []string
	if s := cfg.Commercetools.Scopes; s != "" && !strings.Contains(s, "{") {
		scopes = strings.Fields(s)
	}
	return newUpstreams(
		netsuite.Config{BaseURL: cfg.NetSuite.URL, TokenURL: cfg.NetSuite.TokenURL, ClientID: cfg.NetSuite.ClientID,
			CertificateID: cfg.NetSuite.CertificateID, PrivateKeyPEM: key, HTTPClient: httpClient, Logger: log},
		commercetools.Config{APIURL: cfg.Commercetools.URL, AuthURL: cfg.Commercetools.AuthURL,
			ProjectKey: cfg.Commercetools.ProjectKey, ClientID: cfg.Commercetools.ClientID,
			ClientSecret: cfg.Commercetools.ClientSecret, Scopes: scopes, HTTPClient: httpClient, Logger: log},
		sales.Config{BaseURL: cfg.Sales.URL, APIKey: cfg.Sales.APIKey, CallerAuth: cfg.Sales.CallerAuth, HTTPClient: httpClient, Logger: log},
		opts...,
	)
}

func newUpstreams(ns netsuite.Config, ct commercetools.Config, sl sales.Config, opts ...UpstreamOption) (loaders.Upstreams, error) {
	for _, o := range opts {
		o(&ns, &ct, &sl) // policies and retries (resilience.go)
	}
	// Spans and metrics name the upstream when the shared client's transport can split (ops.go).
	ns.HTTPClient = perUpstream(ns.HTTPClient, "netsuite")
	ct.HTTPClient = perUpstream(ct.HTTPClient, "commercetools")
	sl.HTTPClient = perUpstream(sl.HTTPClient, "sales")
	var up loaders.Upstreams
	var err error
	if up.NetSuite, err = netsuite.New(ns); err != nil {
		return up, fmt.Errorf("netsuite settings: %w", err)
	}
	if up.Commercetools, err = commercetools.New(ct); err != nil {
		return up, fmt.Errorf("commercetools settings: %w", err)
	}
	if up.Sales, err = sales.New(sl); err != nil {
		return up, fmt.Errorf("sales settings: %w", err)
	}
	return up, nil
}
