package resolvers

import (
	"context"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"custgraph/upstream"
)

// CollapseBatchErrors is a gqlgen extension that reports each failed upstream batch once. When a
// batch fails, every field that waited on it fails with the very same *upstream.Error; listing it
// once per field (a page of 200 customers: 200 identical "netsuite is unavailable") buries the
// response. The first occurrence is kept, with its path; extensions.affectedFields says how many
// fields that failure nulled. Errors of different calls (a not-found per key, a second batch)
// are distinct values and stay separate.
type CollapseBatchErrors struct{}

var _ interface {
	graphql.HandlerExtension
	graphql.ResponseInterceptor
} = CollapseBatchErrors{}

func (CollapseBatchErrors) ExtensionName() string { return "CollapseBatchErrors" }

func (CollapseBatchErrors) Validate(graphql.ExecutableSchema) error { return nil }

func (CollapseBatchErrors) InterceptResponse(ctx context.Context, next graphql.ResponseHandler) *graphql.Response {
	resp := next(ctx)
	if resp != nil && len(resp.Errors) > 1 {
		resp.Errors = collapseErrors(resp.Errors)
	}
	return resp
}

// collapseErrors keeps the first error of each distinct upstream failure, in order, and counts
// the fields each one covers.
func collapseErrors(errs gqlerror.List) gqlerror.List {
	first := map[*upstream.Error]*gqlerror.Error{}
	fields := map[*upstream.Error]int{}
	out := make(gqlerror.List, 0, len(errs))
	for _, e := range errs {
		ue := upstream.As(e)
		if ue == nil {
			out = append(out, e)
			continue
		}
		fields[ue]++
		if _, seen := first[ue]; seen {
			continue
		}
		first[ue] = e
		out = append(out, e)
	}
	for ue, e := range first {
		if n := fields[ue]; n > 1 {
			setExt(e, "affectedFields", n)
		}
	}
	return out
}
