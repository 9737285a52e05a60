package gateway

import (
	"context"
	"fmt"

	"github.com/99designs/gqlgen/complexity"
	"github.com/99designs/gqlgen/graphql"
	"github.com/99designs/gqlgen/graphql/handler"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
	"github.com/vektah/gqlparser/v2/lexer"

	"custgraph/graph"
	"custgraph/graph/model"
)

// Limits protect the upstreams (and the gateway) from a single expensive request. Each is
// checked before anything executes; 0 turns a limit off.
type Limits struct {
	// MaxQueryBytes caps the query text, checked before parsing (and before a persisted query
	// is stored).
	MaxQueryBytes int
	// MaxTokens caps the lexical tokens of the query text (gqlgen's parser token limit).
	MaxTokens int
	// MaxDepth caps how deeply fields nest, fragments expanded. Introspection (__schema,
	// __type) is not counted: the playground's schema query is deep by nature and bounded by
	// gqlparser's own introspection rule.
	MaxDepth int
	// MaxComplexity caps the cost of the operation: 1 per field plus its children, a
	// connection its first argument times its children (see costs).
	MaxComplexity int
	// MaxAliases caps the aliased fields, fragments expanded: aliases are how one request
	// asks for the same expensive field many times.
	MaxAliases int
}

// DefaultLimits admit every view the README and the tests show (the nested view of
// TestNoNPlusOne, 200 customers with category, groups, addresses, parent and 20 children each,
// costs 27 801) and refuse one request asking for hundreds of thousands of upstream rows.
func DefaultLimits() Limits {
	return Limits{MaxQueryBytes: 32 << 10, MaxTokens: 5000, MaxDepth: 12, MaxComplexity: 50000, MaxAliases: 30}
}

// Error codes of rejected requests, in extensions.code with extensions.limit and .value.
const (
	CodeQueryTooLarge      = "QUERY_TOO_LARGE"
	CodeQueryTooManyTokens = "QUERY_TOO_MANY_TOKENS"
	CodeQueryTooDeep       = "QUERY_TOO_DEEP"
	CodeQueryTooComplex    = "QUERY_TOO_COMPLEX"
	CodeQueryTooManyAlias  = "QUERY_TOO_MANY_ALIASES"
)

// useLimits installs the limits on srv. Call it before the persisted-query extension, so an
// oversized query is refused before it is stored.
func useLimits(srv *handler.Server, l Limits) {
	if l.MaxTokens > 0 {
		// Backstop for the check below: the parser stops at the same count.
		srv.SetParserTokenLimit(l.MaxTokens)
	}
	srv.Use(&limitExtension{l: l})
}

// limitExtension checks size and tokens before parsing, and depth, aliases and complexity
// after validation (complexity depends on variables, so it is computed per request).
type limitExtension struct {
	l  Limits
	es graphql.ExecutableSchema
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationParameterMutator
	graphql.OperationContextMutator
} = (*limitExtension)(nil)

func (limitExtension) ExtensionName() string { return "CustgraphLimits" }

func (e *limitExtension) Validate(es graphql.ExecutableSchema) error {
	e.es = es
	return nil
}

func limitError(code, format string, limit, value int) *gqlerror.Error {
	return &gqlerror.Error{
		Message:    fmt.Sprintf(format, value, limit),
		Extensions: map[string]any{"code": code, "limit": limit, "value": value},
	}
}

func (e *limitExtension) MutateOperationParameters(_ context.Context, p *graphql.RawParams) *gqlerror.Error {
	if n := len(p.Query); e.l.MaxQueryBytes > 0 && n > e.l.MaxQueryBytes {
		return limitError(CodeQueryTooLarge, "the query is %d bytes, over the maximum query size of %d bytes", e.l.MaxQueryBytes, n)
	}
	// Every token is at least one byte: a query no longer than the limit cannot exceed it, so
	// only long queries pay for the extra lexing pass.
	if e.l.MaxTokens > 0 && len(p.Query) > e.l.MaxTokens {
		if n := countTokens(p.Query); n > e.l.MaxTokens {
			return limitError(CodeQueryTooManyTokens, "the query has %d tokens, over the maximum of %d tokens", e.l.MaxTokens, n)
		}
	}
	return nil
}

// countTokens counts the query's tokens as gqlparser's parser does (comments included, the end
// not). A lexical error stops the count: the parser reports it. The size limit, checked first,
// bounds the work.
func countTokens(q string) int {
	lx := lexer.New(&ast.Source{Input: q})
	n := 0
	for {
		tok, err := lx.ReadToken()
		if err != nil || tok.Kind == lexer.EOF {
			break
		}
		n++
	}
	return n
}

func (e *limitExtension) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	if op.Operation == nil {
		return nil
	}
	s := newShapeWalker(op.Doc).selectionSet(op.Operation.SelectionSet)
	if e.l.MaxDepth > 0 && s.depth > e.l.MaxDepth {
		return limitError(CodeQueryTooDeep, "the query is %d levels deep, over the maximum depth of %d", e.l.MaxDepth, s.depth)
	}
	if e.l.MaxAliases > 0 && s.aliases > e.l.MaxAliases {
		return limitError(CodeQueryTooManyAlias, "the query has %d aliased fields, over the maximum of %d aliases", e.l.MaxAliases, s.aliases)
	}
	if e.l.MaxComplexity > 0 {
		// gqlgen's walker expands every fragment spread, so a fragment bomb (a few hundred
		// bytes, millions of fields) would hold it for minutes. Every field costs at least 1:
		// beyond expansionCap fields the count is refused as a lower bound, unwalked.
		if s.fields > e.l.MaxComplexity && s.fields > expansionCap {
			return limitError(CodeQueryTooComplex, "the query has complexity of at least %d, over the maximum complexity of %d", e.l.MaxComplexity, s.fields)
		}
		if c := complexity.Calculate(ctx, e.es, op.Operation, op.Variables); c > e.l.MaxComplexity {
			return limitError(CodeQueryTooComplex, "the query has complexity %d, over the maximum complexity of %d", e.l.MaxComplexity, c)
		}
	}
	return nil
}

// expansionCap is how many fields (fragments expanded) the complexity walker may visit.
const expansionCap = 100_000

// shape is what the limits need to know of a selection set, fragments expanded.
type shape struct{ depth, aliases, fields int }

// shapeWalker measures selection sets, remembering each fragment's shape so a fragment spread
// many times is walked once: the cost is linear in the document, whatever it expands to.
type shapeWalker struct {
	doc   *ast.QueryDocument
	frags map[string]shape
}

func newShapeWalker(doc *ast.QueryDocument) *shapeWalker {
	return &shapeWalker{doc: doc, frags: map[string]shape{}}
}

func (w *shapeWalker) selectionSet(set ast.SelectionSet) shape {
	var s shape
	for _, sel := range set {
		var c shape
		switch sel := sel.(type) {
		case *ast.Field:
			if sel.Name == "__schema" || sel.Name == "__type" {
				continue
			}
			c = w.selectionSet(sel.SelectionSet)
			c.depth++
			c.fields = satAdd(c.fields, 1)
			if sel.Alias != "" && sel.Alias != sel.Name {
				c.aliases = satAdd(c.aliases, 1)
			}
		case *ast.InlineFragment:
			c = w.selectionSet(sel.SelectionSet)
		case *ast.FragmentSpread:
			c = w.fragment(sel.Name)
		}
		s.depth = max(s.depth, c.depth)
		s.aliases = satAdd(s.aliases, c.aliases)
		s.fields = satAdd(s.fields, c.fields)
	}
	return s
}

func (w *shapeWalker) fragment(name string) shape {
	if s, ok := w.frags[name]; ok {
		return s
	}
	// Validation has refused cycles already; the zero entry makes one harmless anyway.
	w.frags[name] = shape{}
	var s shape
	if def := w.doc.Fragments.ForName(name); def != nil {
		s = w.selectionSet(def.SelectionSet)
	}
	w.frags[name] = s
	return s
}

const maxInt = int(^uint(0) >> 1)

func satAdd(a, b int) int {
	if a > maxInt-b {
		return maxInt
	}
	return a + b
}

func satMul(a, b int) int {
	if a != 0 && b > maxInt/a {
		return maxInt
	}
	return a * b
}

// costs are the per-field complexities: a connection costs its page size (first, or the
// schema default) times what is selected in each item, nodes(ids) the number of ids times
// the selection; every other field costs 1 plus its children (gqlgen's default).
func costs() graph.ComplexityRoot {
	var c graph.ComplexityRoot
	c.Query.Customers = func(child int, first *int, _ *string, _ *model.CustomerFilter) int {
		return page(child, first, 20)
	}
	c.Query.CustomerCategories = func(child int, _ *model.CustomerCategoryFilter, first *int, _ *string) int {
		return page(child, first, 50)
	}
	c.Query.CustomerGroups = func(child int, _ *model.CustomerGroupFilter, first *int, _ *string) int {
		return page(child, first, 50)
	}
	c.Query.Nodes = func(child int, ids []string) int { return satAdd(1, satMul(max(len(ids), 1), child)) }
	c.Customer.PriceGroups = func(child int, first *int, _ *string) int { return page(child, first, 20) }
	c.Customer.ChildAccounts = func(child int, first *int, _ *string) int { return page(child, first, 20) }
	c.CustomerCategory.Customers = func(child int, first *int, _ *string) int { return page(child, first, 20) }
	return c
}

func page(child int, first *int, def int) int {
	n := def
	if first != nil {
		n = max(*first, 1)
	}
	return satAdd(1, satMul(n, child))
}
