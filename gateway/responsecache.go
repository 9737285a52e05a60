package gateway

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"

	"custgraph/cache"
	"custgraph/upstream/rest"
)

// responseCache serves a repeated query whole from the shared cache: no resolver runs, no
// entity is decoded, no JSON is built. A response is stored only when every piece of it was read
// from a cache entry and it has no error; it is served while none of those entries has been
// invalidated (a write through any replica) and for no longer than the shortest of their TTLs
// (cache/deps.go, cache/response.go). Mutations, subscriptions and incremental (@defer)
// responses are never stored.
type responseCache struct{ c *cache.Cache }

var _ interface {
	graphql.HandlerExtension
	graphql.OperationInterceptor
} = responseCache{}

func (responseCache) ExtensionName() string                          { return "ResponseCache" }
func (responseCache) Validate(schema graphql.ExecutableSchema) error { return nil }

func (r responseCache) InterceptOperation(ctx context.Context, next graphql.OperationHandler) graphql.ResponseHandler {
	op := graphql.GetOperationContext(ctx)
	if op == nil || op.Operation == nil || op.Operation.Operation != ast.Query {
		return next(ctx)
	}
	key, ok := responseKey(ctx, op)
	if !ok {
		return next(ctx)
	}
	if data, ok := r.c.Response(ctx, key); ok {
		return graphql.OneShot(&graphql.Response{Data: data})
	}
	h := next(ctx)
	deps := cache.NewDeps()
	first := true
	return func(ctx context.Context) *graphql.Response {
		if !first {
			return h(ctx)
		}
		first = false
		// Resolvers run under the context given here, not the interceptor's.
		resp := h(cache.WithDeps(ctx, deps))
		if resp != nil && len(resp.Errors) == 0 && resp.HasNext == nil && len(resp.Data) > 0 {
			r.c.StoreResponse(ctx, key, resp.Data, deps)
		}
		return resp
	}
}

// responseKey identifies what a query's answer depends on besides the cached entries: the
// document, the operation chosen, the variables, and the caller's sales credential when the
// sales API is called with it (pass-through mode answers each caller differently).
func responseKey(ctx context.Context, op *graphql.OperationContext) (string, bool) {
	vars, err := json.Marshal(op.Variables) // map keys sorted: one key per set of values
	if err != nil {
		return "", false
	}
	h := sha256.New()
	for _, part := range []string{op.OperationName, op.RawQuery, string(vars)} {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	if tok, ok := rest.CallerToken(ctx); ok {
		h.Write([]byte(tok))
	}
	return hex.EncodeToString(h.Sum(nil)), true
}
