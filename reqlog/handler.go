package reqlog

import (
	"context"
	"log/slog"
	"maps"
	"slices"

	"go.opentelemetry.io/otel/trace"
)

// Handler adds request_id and, when the context carries a sampled or remote span, trace_id to
// every record logged with a request's context, so that any line (a retry, a panic, a cache
// outage) can be joined to its request line and its trace.
type Handler struct{ inner slog.Handler }

// NewHandler wraps h; wrapping a Handler again returns it unchanged.
func NewHandler(h slog.Handler) slog.Handler {
	if rh, ok := h.(*Handler); ok {
		return rh
	}
	return &Handler{inner: h}
}

func (h *Handler) Enabled(ctx context.Context, l slog.Level) bool { return h.inner.Enabled(ctx, l) }

func (h *Handler) Handle(ctx context.Context, r slog.Record) error {
	if ctx != nil {
		if id := RequestID(ctx); id != "" {
			r.AddAttrs(slog.String("request_id", id))
		}
		if sc := trace.SpanContextFromContext(ctx); sc.HasTraceID() {
			r.AddAttrs(slog.String("trace_id", sc.TraceID().String()))
		}
	}
	return h.inner.Handle(ctx, r)
}

func (h *Handler) WithAttrs(as []slog.Attr) slog.Handler {
	return &Handler{inner: h.inner.WithAttrs(as)}
}

func (h *Handler) WithGroup(name string) slog.Handler {
	return &Handler{inner: h.inner.WithGroup(name)}
}

func sortedKeys(m map[string]int) []string { return slices.Sorted(maps.Keys(m)) }
