package telemetry

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"strings"

	"go.opentelemetry.io/contrib/exporters/autoexport"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
)

// TracerProviderFromEnv builds the tracer provider the standard OTEL_* variables describe:
// OTEL_TRACES_EXPORTER (otlp, console or none) with OTEL_EXPORTER_OTLP_* for the endpoint and
// protocol, OTEL_TRACES_SAMPLER[_ARG], OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES.
// Tracing is off (nil provider) unless OTEL_TRACES_EXPORTER is set, or when OTEL_SDK_DISABLED
// is true: a gateway must not start sending spans to localhost:4318 because nobody said not
// to. shutdown flushes buffered spans; it is a no-op when tracing is off.
func TracerProviderFromEnv(ctx context.Context) (tp trace.TracerProvider, shutdown func(context.Context) error, err error) {
	noShutdown := func(context.Context) error { return nil }
	if disabled, _ := strconv.ParseBool(os.Getenv("OTEL_SDK_DISABLED")); disabled {
		return nil, noShutdown, nil
	}
	if strings.TrimSpace(os.Getenv("OTEL_TRACES_EXPORTER")) == "" {
		return nil, noShutdown, nil
	}
	exp, err := autoexport.NewSpanExporter(ctx)
	if err != nil {
		return nil, nil, fmt.Errorf("OTEL_TRACES_EXPORTER: %w", err)
	}
	if autoexport.IsNoneSpanExporter(exp) {
		return nil, noShutdown, nil
	}
	// service.name first, so that OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES override it.
	res, err := resource.New(ctx,
		resource.WithAttributes(attribute.String("service.name", "custgraph")),
		resource.WithFromEnv(), resource.WithTelemetrySDK())
	if err != nil {
		_ = exp.Shutdown(ctx)
		return nil, nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %w", err)
	}
	sdk := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp), sdktrace.WithResource(res))
	return sdk, sdk.Shutdown, nil
}
