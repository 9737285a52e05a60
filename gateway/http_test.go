package gateway

import (
	"encoding/json"
	"testing"

	"github.com/99designs/gqlgen/graphql"
	"github.com/vektah/gqlparser/v2/ast"
	"github.com/vektah/gqlparser/v2/gqlerror"

	"custgraph/config"
)

func TestNegotiate(t *testing.T) {
	t.Parallel()
	cases := []struct {
		accept    string
		json      string
		multipart bool
	}{
		{"", mediaGraphQLResponse, false}, // the specification's default from 2025 on
		{"application/json", mediaJSON, false},
		{"application/graphql-response+json", mediaGraphQLResponse, false},
		{"application/graphql-response+json, application/json", mediaGraphQLResponse, false},
		{"application/json, application/graphql-response+json", mediaJSON, false}, // the first listed wins a tie
		{"application/graphql-response+json;charset=utf-8, application/json;charset=utf-8", mediaGraphQLResponse, false},
		{"application/json;q=0.9, application/graphql-response+json", mediaGraphQLResponse, false},
		{"application/graphql-response+json;q=0.5, application/json", mediaJSON, false},
		{"*/*", mediaJSON, false},
		{"application/*", mediaJSON, false},
		{"application/graphql-response+json;q=0, */*", mediaJSON, false},
		{"*/*;q=0.1, application/graphql-response+json", mediaGraphQLResponse, false},
		{"text/html", "", false},
		{"application/json;q=0", "", false},
		{"application/json;q=2", "", false}, // not a quality: the range is ignored
		{"multipart/mixed;deferSpec=20220824, application/json", mediaJSON, true},
		{"multipart/mixed;deferSpec=20220824", "", true},
		{"multipart/mixed;q=0, application/json", mediaJSON, false},
		{"garbage;;;, application/json", mediaJSON, false},
	}
	for _, tc := range cases {
		t.Run(tc.accept, func(t *testing.T) {
			got := negotiate([]string{tc.accept})
			if got.json != tc.json || got.multipart != tc.multipart {
				t.Errorf("Accept %q: got %+v, want json %q multipart %v", tc.accept, got, tc.json, tc.multipart)
			}
		})
	}
}

// TestDefaultLimitsAreTheSettingsDefaults keeps DefaultLimits (what tests and embedders get)
// and the documented CUSTGRAPH_MAX_* defaults equal.
func TestDefaultLimitsAreTheSettingsDefaults(t *testing.T) {
	t.Parallel()
	c, err := config.Load(nil, func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if got, want := *limitsFrom(c.Frontend), DefaultLimits(); got != want {
		t.Errorf("settings defaults %+v, DefaultLimits %+v", got, want)
	}
	if h := httpFrom(c.Frontend); h.DisableCompression || len(h.CORSOrigins) != 0 || h.GETMaxAge != 0 {
		t.Errorf("HTTP defaults: %+v", h)
	}
}

// TestEncodeResponseMatchesMarshal: the response encoder that copies data as it is writes the
// same bytes json.Marshal of the wire response writes, for every combination of members.
func TestEncodeResponseMatchesMarshal(t *testing.T) {
	errs := gqlerror.List{{Message: "boom", Path: ast.Path{ast.PathName("a")}, Extensions: map[string]any{"code": "X"}}}
	ext := map[string]any{"traceId": "abc", "n": 1}
	data := json.RawMessage(`{"a":{"b":[1,2,"x\u003c"]}}`)
	for _, r := range []graphql.Response{
		{}, {Data: data}, {Errors: errs}, {Extensions: ext}, {Data: data, Errors: errs},
		{Data: data, Extensions: ext}, {Errors: errs, Extensions: ext}, {Data: data, Errors: errs, Extensions: ext},
		{Data: json.RawMessage(`null`), Errors: errs},
	} {
		want, err := json.Marshal(wireResponse{Errors: r.Errors, Data: r.Data, Extensions: r.Extensions})
		if err != nil {
			t.Fatal(err)
		}
		got, err := encodeResponse(&r)
		if err != nil || string(got) != string(want) {
			t.Errorf("encodeResponse = %s, %v\nwant %s", got, err, want)
		}
	}
}
