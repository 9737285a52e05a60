package telemetry

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
)

// StartBatch starts a loader batch's span ("loader {name}", a child of the operation's span and
// the parent of the batch's upstream calls) and records its size; the returned func ends it
// (loaders.BatchObserver).
func (t *Telemetry) StartBatch(ctx context.Context, loader string, keys int) (context.Context, func(failed int)) {
	t.m.batchSize.WithLabelValues(loader).Observe(float64(keys))
	ctx, span := t.tracer.Start(ctx, "loader "+loader, trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attribute.String("custgraph.loader", loader), attribute.Int("custgraph.loader.keys", keys)))
	start := time.Now()
	return ctx, func(failed int) {
		t.m.batchSeconds.WithLabelValues(loader).Observe(time.Since(start).Seconds())
		if failed > 0 {
			span.SetAttributes(attribute.Int("custgraph.loader.failed_keys", failed))
			span.SetStatus(codes.Error, "keys failed")
		}
		span.End()
	}
}
