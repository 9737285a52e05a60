package resolvers

import (
	"context"
	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
)

// customerTypes are the type names a Customer selection can be spread on.
var customerTypes = []string{"Customer", "Node"}

// selectedUnder returns the fields selected under the current field after following path (e.g.
// "edges", "node"), merging aliases and fragments. Empty when nothing is selected there.
func selectedUnder(ctx context.Context, satisfies []string, path ...string) []graphql.CollectedField {
	fc := graphql.GetFieldContext(ctx)
	if fc == nil {
		return nil
	}
	return collectPath(graphql.GetOperationContext(ctx), fc.Field.Selections, satisfies, path)
}

func collectPath(op *graphql.OperationContext, sel ast.SelectionSet, satisfies []string, path []string) []graphql.CollectedField {
	if len(path) == 0 {
		return graphql.CollectFields(op, sel, satisfies)
	}
	var next ast.SelectionSet
	for _, f := range graphql.CollectFields(op, sel, nil) {
		if f.Name == path[0] {
			next = append(next, f.Selections...)
		}
	}
	if next == nil {
		return nil
	}
	return collectPath(op, next, satisfies, path[1:])
}

// fieldNames is the set of names in fields.
func fieldNames(fields []graphql.CollectedField) map[string]bool {
	out := make(map[string]bool, len(fields))
	for _, f := range fields {
		out[f.Name] = true
	}
	return out
}
