package gateway

import (
	"context"
	"log/slog"
	"net/http"
	"os"
	"time"

	"custgraph/cache"
	"custgraph/config"
	"custgraph/health"
	"custgraph/reqlog"
	"custgraph/simstack"
	"custgraph/telemetry"
)

// This file wires operations into the handler and the run loop: the request log line
// (reqlog), traces and metrics (telemetry), and the health endpoints (health).

// opsTelemetry returns the Telemetry of the handler: the given one, or a fresh one without
// tracing so that /metrics and the request log work in every setup. It exports the cache.
func opsTelemetry(opts Options) *telemetry.Telemetry {
	tel := opts.Telemetry
	if tel == nil {
		tel = telemetry.New(telemetry.Options{})
	}
	if opts.Cache != nil {
		tel.WatchCache(opts.Cache)
	}
	return tel
}

// observeEndpoint wraps the GraphQL endpoint, outermost, so that every answer (413, CORS
// refusals and rate limits included) gets its span, its metrics and its log line: the server
// span first, so the log line carries the trace id.
func observeEndpoint(h http.Handler, tel *telemetry.Telemetry, log *slog.Logger) http.Handler {
	return tel.Middleware(reqlog.Middleware(log, h))
}

// mountOps serves /metrics and /readyz (/healthz is served beside the other routes).
func mountOps(mux *http.ServeMux, tel *telemetry.Telemetry, ready *health.Checker) {
	mux.Handle("GET /metrics", tel.MetricsHandler())
	if ready == nil {
		// No dependencies to check (a handler without Run): ready whenever it answers.
		mux.Handle("GET /readyz", health.LiveHandler())
		return
	}
	mux.Handle("GET /readyz", ready)
}

// upstreamSplitter is a transport that specialises itself per upstream
// (telemetry.UpstreamTransport), so that spans and metrics name the upstream.
type upstreamSplitter interface {
	ForUpstream(name string) http.RoundTripper
}

// perUpstream returns c, or a copy of it whose transport is specialised for the upstream.
func perUpstream(c *http.Client, name string) *http.Client {
	if c == nil {
		return nil
	}
	s, ok := c.Transport.(upstreamSplitter)
	if !ok {
		return c
	}
	cp := *c
	cp.Transport = s.ForUpstream(name)
	return &cp
}

// newTelemetry builds the run loop's Telemetry with the tracer provider the OTEL_* variables
// describe; flush sends buffered spans at shutdown.
func newTelemetry(ctx context.Context, log *slog.Logger) (tel *telemetry.Telemetry, flush func(), err error) {
	tp, shutdown, err := telemetry.TracerProviderFromEnv(ctx)
	if err != nil {
		return nil, nil, err
	}
	if tp != nil {
		log.Info("tracing on", "exporter", envOr("OTEL_TRACES_EXPORTER", "otlp"))
	}
	flush = func() {
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancel()
		if err := shutdown(fctx); err != nil {
			log.Warn("flushing traces failed", "error", err.Error())
		}
	}
	return telemetry.New(telemetry.Options{TracerProvider: tp}), flush, nil
}

// newReadiness builds the readiness checker: one HEAD probe per upstream (unless
// CUSTGRAPH_READY_UPSTREAMS is false) and a Redis ping when Redis is configured. Probes use a
// plain client: they are not upstream traffic and must not count as such.
func newReadiness(cfg config.Config, sandboxURL string, c *cache.Cache, log *slog.Logger) *health.Checker {
	var checks []health.Check
	if cfg.ReadyUpstreams {
		probe := &http.Client{Timeout: 2 * time.Second}
		urls := map[string]string{"netsuite": cfg.NetSuite.URL, "commercetools": cfg.Commercetools.URL, "sales": cfg.Sales.URL}
		if cfg.Sandbox {
			urls = map[string]string{"netsuite": sandboxURL + simstack.NetSuitePrefix,
				"commercetools": sandboxURL + simstack.CommercetoolsPrefix, "sales": sandboxURL + simstack.SalesPrefix}
		}
		for _, name := range []string{"netsuite", "commercetools", "sales"} {
			checks = append(checks, health.Check{Name: name, Probe: health.HTTPProbe(probe, urls[name]+"/")})
		}
	}
	if c != nil && cfg.Cache.RedisURL != "" {
		checks = append(checks, health.Check{Name: "redis", Probe: c.Healthy})
	}
	return health.New(health.Options{Checks: checks, CacheFor: cfg.ReadyInterval, Logger: log})
}

func envOr(name, def string) string {
	if v := os.Getenv(name); v != "" {
		return v
	}
	return def
}
