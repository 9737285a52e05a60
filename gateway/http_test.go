package gateway

import (
	"testing"

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
