// Package telemetry is custgraph's tracing and metrics: OpenTelemetry spans for the GraphQL
// operation, each loader batch and each upstream HTTP call (W3C trace context accepted from
// callers and passed on to the upstreams), and Prometheus metrics in a registry of its own
// served at /metrics. The gateway hooks it in at four places: the HTTP server (Middleware), the
// gqlgen server (Extension), the loaders (StartBatch) and the upstream clients' transports
// (Transport); its admission limiter reports waits and refusals (Admitted, Shed). It never
// records query text, variables, headers or bodies, and it never touches OpenTelemetry's or
// Prometheus's global state: the tracer provider and the registry are its own.
package telemetry

import (
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"
)

// instrumentationName names the tracer that creates custgraph's own spans.
const instrumentationName = "custgraph"

// Options configure Telemetry.
type Options struct {
	// TracerProvider records spans; nil means no tracing. Trace context from callers is passed
	// on to the upstreams either way, so a caller's trace still joins the upstreams' logs.
	TracerProvider trace.TracerProvider
	// MaxOperations bounds the distinct operation names used as metric labels (callers choose
	// them); later names are counted as "(other)". 0 = 200.
	MaxOperations int
	// MaxRoutes bounds the distinct routes per upstream used as metric labels. 0 = 64.
	MaxRoutes int
}

// Telemetry holds the tracer and the metrics of one gateway. Its methods are safe for
// concurrent use.
type Telemetry struct {
	tp     trace.TracerProvider
	tracer trace.Tracer
	// prop is W3C trace context only: baggage from callers is not forwarded to third-party
	// SaaS APIs.
	prop propagation.TextMapPropagator

	reg *prometheus.Registry
	m   *metrics
}

// New returns Telemetry with a fresh metrics registry.
func New(opts Options) *Telemetry {
	tp := opts.TracerProvider
	if tp == nil {
		tp = noop.NewTracerProvider()
	}
	if opts.MaxOperations <= 0 {
		opts.MaxOperations = 200
	}
	if opts.MaxRoutes <= 0 {
		opts.MaxRoutes = 64
	}
	reg := prometheus.NewRegistry()
	return &Telemetry{
		tp:     tp,
		tracer: tp.Tracer(instrumentationName),
		prop:   propagation.TraceContext{},
		reg:    reg,
		m:      newMetrics(reg, opts.MaxOperations, opts.MaxRoutes),
	}
}

// Registry is the Prometheus registry of this gateway's metrics.
func (t *Telemetry) Registry() *prometheus.Registry { return t.reg }

// MetricsHandler serves the registry in the Prometheus exposition format.
func (t *Telemetry) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(t.reg, promhttp.HandlerOpts{Registry: t.reg})
}
