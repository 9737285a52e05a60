package telemetry

import (
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"custgraph/reqlog"
)

// BenchmarkEndpoint is the per-request cost of the observability wrapping of /graphql (server
// span, in-flight gauge, request counter, reqlog summary and its JSON log line) around a
// handler that does nothing, with tracing off and on; "bare" is the handler alone.
func BenchmarkEndpoint(b *testing.B) {
	for _, tc := range []struct {
		name string
		bare bool // the handler alone: the baseline the others are compared with
		tp   *sdktrace.TracerProvider
	}{
		{"bare", true, nil},
		{"tracing-off", false, nil},
		{"tracing-on", false, sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder()))},
	} {
		b.Run(tc.name, func(b *testing.B) {
			opts := Options{}
			if tc.tp != nil {
				opts.TracerProvider = tc.tp
			}
			tel := New(opts)
			log := slog.New(slog.NewJSONHandler(io.Discard, nil))
			noop := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				reqlog.From(r.Context()).UpstreamCall("sales", false)
				_, _ = w.Write([]byte(`{"data":{}}`))
			})
			var h http.Handler = tel.Middleware(reqlog.Middleware(log, noop))
			if tc.bare {
				h = noop
			}
			b.ReportAllocs()
			for b.Loop() {
				req := httptest.NewRequest(http.MethodPost, "/graphql", strings.NewReader(`{"query":"{x}"}`))
				h.ServeHTTP(httptest.NewRecorder(), req)
			}
		})
	}
}

// BenchmarkUpstreamTransport is the per-call cost of the instrumented upstream transport
// (client span, traceparent, route template, counter and histogram) over a transport that
// answers at once.
func BenchmarkUpstreamTransport(b *testing.B) {
	tel := New(Options{TracerProvider: sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(tracetest.NewSpanRecorder()))})
	rt := tel.Transport("sales", roundTripFunc(func(r *http.Request) (*http.Response, error) {
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("{}")), Header: http.Header{}, Request: r}, nil
	}))
	b.ReportAllocs()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, "http://sales.example/v1/sales/customers/cus_0001", nil)
		resp, err := rt.RoundTrip(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }
