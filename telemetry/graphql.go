package telemetry

import (
	"context"
	"regexp"
	"slices"
	"time"

	"github.com/99designs/gqlgen/graphql"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"custgraph/reqlog"
)

// Operation labels that are not a client's operation name.
const (
	anonymousOperation = "(anonymous)"
	// invalidOperation labels requests that failed before execution: unparsable, invalid
	// against the schema, unknown persisted query.
	invalidOperation = "(invalid)"
)

// Extension is the gqlgen extension that gives each operation its span, its metrics and its
// entries in the request's reqlog summary (operation name and type, error codes).
func (t *Telemetry) Extension() graphql.HandlerExtension { return extension{t} }

type extension struct{ t *Telemetry }

var (
	_ graphql.OperationInterceptor = extension{}
	_ graphql.ResponseInterceptor  = extension{}
)

func (extension) ExtensionName() string                   { return "Telemetry" }
func (extension) Validate(graphql.ExecutableSchema) error { return nil }

// opKey marks a context inside InterceptOperation, so InterceptResponse leaves it alone.
type opKey struct{}

// InterceptOperation runs once per valid operation; the span it starts is the parent of every
// resolver, loader batch and upstream call of the operation. It ends with the last response
// (an operation with @defer answers several times).
func (e extension) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	oc := graphql.GetOperationContext(ctx)
	name, typ := "", "query"
	if oc.Operation != nil {
		name, typ = oc.Operation.Name, string(oc.Operation.Operation)
	}
	reqlog.From(ctx).SetOperation(name, typ)
	label := anonymousOperation
	if name != "" {
		label = e.t.m.opNames.get(name)
	}
	spanName := typ
	if name != "" {
		spanName += " " + name
	}
	ctx, span := e.t.tracer.Start(context.WithValue(ctx, opKey{}, true), spanName, trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attribute.String("graphql.operation.type", typ), attribute.String("graphql.operation.name", name)))
	started := oc.Stats.OperationStart // when the request was read: parsing counts too
	if started.IsZero() {
		started = time.Now()
	}
	var codeList []string
	done := false
	finish := func() {
		done = true
		outcome := "ok"
		if len(codeList) > 0 {
			outcome = "error"
			distinct := slices.Compact(slices.Sorted(slices.Values(codeList)))
			span.SetAttributes(attribute.StringSlice("graphql.error.codes", distinct), attribute.Int("graphql.errors", len(codeList)))
			span.SetStatus(codes.Error, "response has errors")
		}
		m := e.t.m
		m.operations.WithLabelValues(label, typ, outcome).Inc()
		m.opDuration.WithLabelValues(label, typ).Observe(time.Since(started).Seconds())
		span.End()
	}
	handler := next(ctx)
	return func(ctx context.Context) *graphql.Response {
		resp := handler(ctx)
		if done {
			return resp
		}
		if resp != nil {
			c := errorCodes(resp)
			codeList = append(codeList, c...)
			reqlog.From(ctx).ErrorCodes(c...)
			for _, code := range c {
				e.t.m.opErrors.WithLabelValues(label, code).Inc()
			}
		}
		if resp == nil || resp.HasNext == nil || !*resp.HasNext {
			finish()
		}
		return resp
	}
}

var graphqlName = regexp.MustCompile(`^[_A-Za-z][_0-9A-Za-z]{0,99}$`)

// InterceptResponse sees the responses of requests that never became an operation (parse and
// validation errors, unknown persisted queries); InterceptOperation handles the others.
func (e extension) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if inOp, _ := ctx.Value(opKey{}).(bool); inOp || resp == nil {
		return resp
	}
	sum := reqlog.From(ctx)
	if graphql.HasOperationContext(ctx) {
		// The document's operation when it parsed, else the name the caller asked for when it
		// is a valid GraphQL name (it comes from the request body unchecked).
		oc := graphql.GetOperationContext(ctx)
		switch {
		case oc.Operation != nil:
			sum.SetOperation(oc.Operation.Name, string(oc.Operation.Operation))
		case graphqlName.MatchString(oc.OperationName):
			sum.SetOperation(oc.OperationName, "")
		}
	}
	c := errorCodes(resp)
	sum.ErrorCodes(c...)
	m := e.t.m
	m.operations.WithLabelValues(invalidOperation, "unknown", "error").Inc()
	for _, code := range c {
		m.opErrors.WithLabelValues(invalidOperation, code).Inc()
	}
	return resp
}

// errorCodes returns the extensions.code of each error in resp ("UNKNOWN" when missing).
func errorCodes(resp *graphql.Response) []string {
	if len(resp.Errors) == 0 {
		return nil
	}
	out := make([]string, len(resp.Errors))
	for i, err := range resp.Errors {
		code, _ := err.Extensions["code"].(string)
		if code == "" {
			code = "UNKNOWN"
		}
		out[i] = code
	}
	return out
}
