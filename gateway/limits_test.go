package gateway

import (
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2"

	"custgraph/graph"
	"custgraph/resolvers"
)

// nestedView is the nested customer view of e2e's TestNoNPlusOne.
const nestedView = `query Count($first: Int!) {
  customers(first: $first) {
    nodes {
      number name
      category { name }
      groups { key }
      billToAddress { name } shipToAddress { name }
      type { name }
      priceGroups { nodes { name } }
      parentAccount { number category { name } }
      childAccounts { nodes { number groups { key } } }
    }
  }
}`

// BenchmarkLimitChecks is what the limits add to a request whose parse and validation are
// cached: the depth, alias and complexity walks over the nested view.
func BenchmarkLimitChecks(b *testing.B) {
	es := graph.NewExecutableSchema(graph.Config{Resolvers: &resolvers.Resolver{}, Complexity: costs()})
	doc, errs := gqlparser.LoadQuery(es.Schema(), nestedView)
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
