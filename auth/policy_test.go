package auth_test

import (
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/parser"

	"custgraph/auth"
)

// TestPolicyFindsEveryRootField: fragments, aliases and @skip cannot hide a mutation field from
// the scope check. (The e2e tests run the same policy against the real schema.)
func TestPolicyFindsEveryRootField(t *testing.T) {
	t.Parallel()
	p := auth.Policy{Read: "r", Mutations: map[string]string{"renameThing": "w", "deleteThing": "admin"}}
	tests := []struct {
		name, query string
		scopes      []string
		wantCode    string // "" = allowed
		wantScope   string
	}{
		{"query with read", `{ things { id } }`, []string{"r"}, "", ""},
		{"query without read", `{ things { id } }`, nil, auth.CodeForbidden, "r"},
		{"typename only", `{ __typename }`, nil, "", ""},
		{"introspection needs read", `{ __schema { types { name } } }`, nil, auth.CodeForbidden, "r"},
		{"mutation with scopes", `mutation { renameThing(id: 1) { id } }`, []string{"r", "w"}, "", ""},
		{"mutation without write", `mutation { renameThing(id: 1) { id } }`, []string{"r"}, auth.CodeForbidden, "w"},
		{"mutation without read", `mutation { renameThing(id: 1) { id } }`, []string{"w"}, auth.CodeForbidden, "r"},
		{"aliased", `mutation { harmless: deleteThing(id: 1) { id } }`, []string{"r", "w"}, auth.CodeForbidden, "admin"},
		{"behind a fragment", `mutation { ...F } fragment F on Mutation { deleteThing(id: 1) { id } }`, []string{"r", "w"}, auth.CodeForbidden, "admin"},
		{"behind nested fragments", `mutation { ... on Mutation { ...F } } fragment F on Mutation { ...G } fragment G on Mutation { deleteThing(id: 1) { id } }`, []string{"r", "w"}, auth.CodeForbidden, "admin"},
		{"behind @skip", `mutation { deleteThing(id: 1) @skip(if: true) { id } renameThing(id: 1) { id } }`, []string{"r", "w"}, auth.CodeForbidden, "admin"},
		{"unlisted mutation", `mutation { launchMissiles { id } }`, []string{"r", "w", "admin"}, auth.CodeForbidden, ""},
		{"subscription", `subscription { ticks }`, []string{"r", "w", "admin"}, auth.CodeForbidden, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			doc, err := parser.ParseQuery(&ast.Source{Input: tc.query})
			if err != nil {
				t.Fatal(err)
			}
			op := &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0]}
			ctx := auth.WithCaller(t.Context(), &auth.Caller{ID: "key:t", Scopes: tc.scopes})
			gerr := p.MutateOperationContext(ctx, op)
			if tc.wantCode == "" {
				if gerr != nil {
					t.Fatalf("refused: %v", gerr)
				}
				return
			}
			if gerr == nil || gerr.Extensions["code"] != tc.wantCode {
				t.Fatalf("want %s, got %v", tc.wantCode, gerr)
			}
			if tc.wantScope != "" && gerr.Extensions["requiredScope"] != tc.wantScope {
				t.Errorf("required scope %v, want %s", gerr.Extensions["requiredScope"], tc.wantScope)
			}
		})
	}
	doc, _ := parser.ParseQuery(&ast.Source{Input: `{ things { id } }`})
	if gerr := p.MutateOperationContext(t.Context(), &graphql.OperationContext{Doc: doc, Operation: doc.Operations[0]}); gerr == nil ||
		gerr.Extensions["code"] != auth.CodeUnauthenticated {
		t.Errorf("no caller in context: %v", gerr)
	}
}
