package gateway

import (
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"

	"custgraph/e2e/views"
	"custgraph/graph"
	"custgraph/resolvers"
)

// BenchmarkLimitChecks is what the limits add to a request whose parse and validation are
// cached: the depth, alias and complexity walks over the nested view.
func BenchmarkLimitChecks(b *testing.B) {
	es := graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}, Complexity: costs()})
	doc, errs := gqlparser.LoadQuery(es.Schema(), views.Counted)
	if errs != nil {
		b.Fatal(errs)
	}
	ext := &limitExtension{l: DefaultLimits()}
	if err := ext.Validate(es); err != nil {
		b.Fatal(err)
	}
	op := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0], Variables: map[string]any{"first": 200}}
	for b.Loop() {
		if err := ext.MutateOperationContext(b.Context(), op); err != nil {
			b.Fatal(err)
		}
	}
}
