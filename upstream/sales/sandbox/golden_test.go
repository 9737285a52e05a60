package sandbox

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// TestGolden pins the wire JSON of representative answers. Run with -update after an intended
// change and review the diff against seed 002.
func TestGolden(t *testing.T) {
	t.Parallel()
	ts := newTestSim(t, 12)
	parent, child := customerID(0), customerID(1)
	cases := []struct {
		name, method, path string
		noAuth             bool
	}{
		{name: "get_customer", path: "/v1/sales/customers/" + child},
		{name: "get_customer_include_all", path: "/v1/sales/customers/" + child + "?" + includeAll()},
		{name: "get_parent_include_all", path: "/v1/sales/customers/" + parent + "?" + includeAll()},
		{name: "list_customers", path: "/v1/sales/customers?limit=3"},
		{name: "list_customers_filtered", path: "/v1/sales/customers?status=preferred&include[]=type&include[]=credit_limit&limit=2"},
		{name: "list_account_groups", path: "/v1/sales/account_groups?type=pricing_group&limit=3"},
		{name: "get_address", path: "/v1/sales/addresses/" + makeID("addr", "address", 3)},
		{name: "error_not_found", path: "/v1/sales/customers/cus_missing"},
		{name: "error_unknown_include", path: "/v1/sales/customers/" + child + "?include[]=owner"},
		{name: "error_unauthenticated", path: "/v1/sales/customers", noAuth: true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var hdr []string
			if tc.noAuth {
				hdr = []string{"Authorization", ""}
			}
			r := ts.call(t, "GET", tc.path, "", hdr...)
			got := append([]byte(fmt.Sprintf("HTTP %d\n", r.status)), indentJSON(t, r.body)...)
			path := filepath.Join("testdata", "golden", tc.name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run with -update after an intended change):\n%s", tc.name, path, got)
			}
		})
	}
}
