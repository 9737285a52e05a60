package auth

import (
	"context"
	"fmt"
	"slices"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"
)

// CodeForbidden is the extensions.code of an operation the caller lacks a scope for.
const CodeForbidden = "FORBIDDEN"

// Scopes are the scope names the gateway checks; deployments rename them to match their
// identity provider.
type Scopes struct {
	Read           string // every query (and the data a mutation returns)
	CustomersWrite string // customer mutations
	CatalogWrite   string // category and group mutations
}

// DefaultScopes are the names used when none are configured.
func DefaultScopes() Scopes {
	return Scopes{Read: "customers:read", CustomersWrite: "customers:write", CatalogWrite: "catalog:write"}
}

// Policy is a gqlgen extension that checks an operation's scopes after it is parsed and
// validated and before anything executes, so a refused operation reaches no upstream.
//
//   - A query needs Read (a query of nothing but __typename needs nothing).
//   - A mutation needs Read, because it returns data, plus the scope Mutations lists for each
//     of its root fields. A mutation field the map does not list is refused: a new mutation is
//     closed until someone decides its scope.
//   - Subscriptions are refused.
//
// Root fields are collected through fragments and regardless of @skip/@include, so neither can
// hide a field from the check. A request without a Caller in its context (the authentication
// middleware missing) is refused.
type Policy struct {
	Read      string
	Mutations map[string]string
}

var _ interface {
	graphql.HandlerExtension
	graphql.OperationContextMutator
} = Policy{}

func (Policy) ExtensionName() string { return "ScopePolicy" }

func (Policy) Validate(graphql.ExecutableSchema) error { return nil }

// MutateOperationContext refuses the operation when the caller lacks a scope it needs.
func (p Policy) MutateOperationContext(ctx context.Context, op *graphql.OperationContext) *gqlerror.Error {
	c, ok := CallerFrom(ctx)
	if !ok {
		return &gqlerror.Error{Message: "authentication required", Extensions: map[string]any{"code": CodeUnauthenticated}}
	}
	if op.Operation == nil {
		return nil
	}
	fields := rootFields(op.Doc, op.Operation.SelectionSet, nil, map[string]bool{})
	if len(fields) == 0 {
		return nil // only __typename
	}
	switch op.Operation.Operation {
	case ast.Query:
		return p.need(c, p.Read, "", "reading data")
	case ast.Mutation:
		if err := p.need(c, p.Read, "", "reading the data a mutation returns"); err != nil {
			return err
		}
		for _, f := range fields {
			scope, ok := p.Mutations[f]
			if !ok {
				return &gqlerror.Error{Message: fmt.Sprintf("mutation %s is not open to any scope", f),
					Extensions: map[string]any{"code": CodeForbidden, "field": f}}
			}
			if err := p.need(c, scope, f, "mutation "+f); err != nil {
				return err
			}
		}
		return nil
	}
	return &gqlerror.Error{Message: "subscriptions are not available", Extensions: map[string]any{"code": CodeForbidden}}
}

func (p Policy) need(c *Caller, scope, field, what string) *gqlerror.Error {
	if c.HasScope(scope) {
		return nil
	}
	ext := map[string]any{"code": CodeForbidden, "requiredScope": scope}
	if field != "" {
		ext["field"] = field
	}
	return &gqlerror.Error{Message: fmt.Sprintf("%s needs the scope %q", what, scope), Extensions: ext}
}

// rootFields lists the distinct root field names of a selection set (not aliases: an alias
// cannot rename a field out of the check), following fragments, ignoring __typename.
func rootFields(doc *ast.QueryDocument, set ast.SelectionSet, out []string, seenFragments map[string]bool) []string {
	for _, s := range set {
		switch s := s.(type) {
		case *ast.Field:
			if s.Name != "__typename" && !slices.Contains(out, s.Name) {
				out = append(out, s.Name)
			}
		case *ast.InlineFragment:
			out = rootFields(doc, s.SelectionSet, out, seenFragments)
		case *ast.FragmentSpread:
			if seenFragments[s.Name] {
				continue
			}
			seenFragments[s.Name] = true
			def := s.Definition
			if def == nil && doc != nil {
				def = doc.Fragments.ForName(s.Name)
			}
			if def != nil {
				out = rootFields(doc, def.SelectionSet, out, seenFragments)
			}
		}
	}
	return out
}
