package telemetry

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel/attribute"
	metricnoop "go.opentelemetry.io/otel/metric/noop"
	"go.opentelemetry.io/otel/trace"

	"custgraph/reqlog"
)

// Middleware wraps the GraphQL endpoint: a server span that continues the caller's W3C trace
// context (traceparent), the in-flight gauge and the request counter by status code. Put it
// outside reqlog.Middleware so that the request's log line carries the trace id.
func (t *Telemetry) Middleware(next http.Handler) http.Handler {
	h := promhttp.InstrumentHandlerInFlight(t.m.inFlight, promhttp.InstrumentHandlerCounter(t.m.httpRequests, next))
	return otelhttp.NewHandler(h, "graphql",
		otelhttp.WithTracerProvider(t.tp), otelhttp.WithPropagators(t.prop),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()), // metrics are Prometheus's job here
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string { return r.Method + " " + r.URL.Path }))
}

// Reasons of custgraph_http_requests_shed_total.
const (
	ShedTimeout  = "timeout"  // no execution slot freed within the queue timeout
	ShedCanceled = "canceled" // the client went away while waiting for a slot
)

// Admitted records how long a GraphQL request waited for an execution slot.
func (t *Telemetry) Admitted(wait time.Duration) { t.m.queueWait.Observe(wait.Seconds()) }

// Shed counts a GraphQL request refused for want of an execution slot; reason is ShedTimeout
// or ShedCanceled.
func (t *Telemetry) Shed(reason string) { t.m.shed.WithLabelValues(reason).Inc() }

// Transport instruments one upstream's HTTP calls: a client span per call (otelhttp) named
// "{upstream} {method} {route}" that injects traceparent into the request, the request counter
// and latency histogram by upstream, route, method and status, and the call in the request's
// reqlog summary. base nil means http.DefaultTransport.
func (t *Telemetry) Transport(upstream string, base http.RoundTripper) http.RoundTripper {
	if base == nil {
		base = http.DefaultTransport
	}
	inner := &upstreamTransport{t: t, upstream: upstream, next: base, routes: newBoundedLabels(t.m.maxRoutes)}
	return otelhttp.NewTransport(inner,
		otelhttp.WithTracerProvider(t.tp), otelhttp.WithPropagators(t.prop),
		otelhttp.WithMeterProvider(metricnoop.NewMeterProvider()),
		otelhttp.WithSpanNameFormatter(func(_ string, r *http.Request) string {
			return upstream + " " + r.Method + " " + Route(r.URL.EscapedPath())
		}),
		otelhttp.WithSpanOptions(trace.WithAttributes(attribute.String("custgraph.upstream", upstream))))
}

type upstreamTransport struct {
	t        *Telemetry
	upstream string
	next     http.RoundTripper
	routes   *boundedLabels
}

func (u *upstreamTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	route := Route(r.URL.EscapedPath())
	// otelhttp has started the client span and put it in the request's context.
	trace.SpanFromContext(r.Context()).SetAttributes(attribute.String("url.template", route))
	label := u.routes.get(route)
	start := time.Now()
	resp, err := u.next.RoundTrip(r)
	elapsed := time.Since(start).Seconds()
	status, failed := "error", true
	if err == nil {
		status, failed = strconv.Itoa(resp.StatusCode), resp.StatusCode >= 500
	}
	u.t.m.upRequests.WithLabelValues(u.upstream, label, r.Method, status).Inc()
	u.t.m.upDuration.WithLabelValues(u.upstream, label, r.Method).Observe(elapsed)
	reqlog.From(r.Context()).UpstreamCall(u.upstream, failed)
	return resp, err
}

// Route turns a request path into its template by replacing the segments that identify a
// record with {id}: all-digit segments (NetSuite ids), segments with a digit that are not short
// words such as v1 or oauth2 (sales ids, customer numbers, commercetools UUIDs), commercetools
// key= references ({key}), and anything escaped or long. The routes label stays small without
// each client having to name its routes.
func Route(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		switch {
		case s == "":
		case strings.HasPrefix(s, "key="):
			segs[i] = "{key}"
		case idLike(s):
			segs[i] = "{id}"
		}
	}
	return strings.Join(segs, "/")
}

func idLike(s string) bool {
	if len(s) > 32 || strings.ContainsAny(s, "%=") {
		return true
	}
	letters, digits := 0, 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			digits++
		case (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z'):
			if digits > 0 {
				return true // a letter after a digit: not a word like v1 or oauth2
			}
			letters++
		default:
			if digits > 0 {
				return true
			}
		}
	}
	// A word followed by at most two digits (v1, oauth2) is part of the API's path; any other
	// segment with a digit names a record.
	return digits > 0 && (letters == 0 || digits > 2 || letters+digits != len(s))
}

// UpstreamTransport is the transport of an http.Client shared by the upstream clients before
// they are split: gateway gives each upstream a copy of the client whose transport is
// ForUpstream(name). Used directly, it labels calls upstream "unknown".
type UpstreamTransport struct {
	t       *Telemetry
	base    http.RoundTripper
	unknown http.RoundTripper
}

// UpstreamTransport returns the splittable upstream transport over base (nil:
// http.DefaultTransport).
func (t *Telemetry) UpstreamTransport(base http.RoundTripper) *UpstreamTransport {
	return &UpstreamTransport{t: t, base: base, unknown: t.Transport("unknown", base)}
}

// ForUpstream returns the transport instrumented for the named upstream.
func (u *UpstreamTransport) ForUpstream(name string) http.RoundTripper {
	return u.t.Transport(name, u.base)
}

func (u *UpstreamTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	return u.unknown.RoundTrip(r)
}
