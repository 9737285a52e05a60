package resolvers

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
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
	paths := map[*upstream.Error][]ast.Path{}
	out := make(gqlerror.List, 0, len(errs))
	for _, e := range errs {
		ue := upstream.As(e)
		if ue == nil || underEntities(e.Path) {
			// A federation router attaches _entities errors to its own fields by index: each
			// entity keeps its error.
			out = append(out, e)
			continue
		}
		fields[ue]++
		if len(paths[ue]) < maxListedPaths {
			paths[ue] = append(paths[ue], e.Path)
		}
		if _, seen := first[ue]; seen {
			continue
		}
		first[ue] = e
		out = append(out, e)
	}
	for ue, e := range first {
		if n := fields[ue]; n > 1 {
			setExt(e, "affectedFields", n)
			// Clients that map nulls to errors by path find every affected field here.
			setExt(e, "affectedPaths", sortedPaths(paths[ue]))
		}
	}
	return out
}

// maxListedPaths caps extensions.affectedPaths: a page of 500 customers must not bring back
// the very list of errors this extension exists to avoid.
const maxListedPaths = 100

func underEntities(p ast.Path) bool {
	if len(p) == 0 {
		return false
	}
	name, ok := p[0].(ast.PathName)
	return ok && name == "_entities"
}

// sortedPaths renders paths in document order (list indexes compared as numbers), so the same
// failure always reads the same whatever order the fields resolved in.
func sortedPaths(ps []ast.Path) []string {
	slices.SortFunc(ps, func(a, b ast.Path) int {
		for i := 0; i < len(a) && i < len(b); i++ {
			ai, aIdx := a[i].(ast.PathIndex)
			bi, bIdx := b[i].(ast.PathIndex)
			switch {
			case aIdx && bIdx:
				if c := cmp.Compare(int(ai), int(bi)); c != 0 {
					return c
				}
			default:
				if c := strings.Compare(fmt.Sprint(a[i]), fmt.Sprint(b[i])); c != 0 {
					return c
				}
			}
		}
		return cmp.Compare(len(a), len(b))
	})
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return out
}
