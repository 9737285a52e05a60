package sandbox

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"custgraph/upstream/seed"
	"custgraph/upstream/sim"
)

var update = flag.Bool("update", false, "rewrite testdata/golden files")

// TestGolden pins the simulator's wire format: bodies of gets, queries, writes and errors.
func TestGolden(t *testing.T) {
	t.Parallel()
	gold := makeID("customer-group", "grp-001")
	cust := makeID("customer", "C-1001")
	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		token  string // "" = the harness token; "none" = no token; else a scope to fetch one for
		faults *sim.Faults
	}{
		{name: "get_group", method: "GET", path: "/customer-groups/" + gold, status: 200},
		{name: "get_group_by_key", method: "GET", path: "/customer-groups/key=grp-002", status: 200},
		{name: "query_groups", method: "GET", path: "/customer-groups?where=" + q(`key in :keys`) +
			"&var.keys=grp-001&var.keys=grp-003&var.keys=grp-009&sort=name+desc&limit=2&offset=1", status: 200},
		{name: "query_groups_no_total", method: "GET", path: "/customer-groups?where=" + q(`name = "Gold"`) + "&withTotal=false", status: 200},
		{name: "get_customer", method: "GET", path: "/customers/" + cust, status: 200},
		{name: "query_customers_expanded", method: "GET", path: "/customers?where=" + q(`customerNumber in :n`) +
			"&var.n=C-1002&expand=customerGroup&expand=" + q("customerGroupAssignments[*].customerGroup") + "&withTotal=false", status: 200},
		{name: "create_group", method: "POST", path: "/customer-groups", status: 201,
			body: map[string]any{"groupName": "Created", "key": "created-1",
				"custom": map[string]any{"type": map[string]any{"typeId": "type", "key": "extras"}, "fields": map[string]any{"tier": "A"}}}},
		{name: "update_group", method: "POST", path: "/customer-groups/" + gold, status: 200,
			body: map[string]any{"version": 1, "actions": []any{
				map[string]any{"action": "changeName", "name": "Gold Plus"},
				map[string]any{"action": "setKey"},
				map[string]any{"action": "setCustomType", "type": map[string]any{"id": "t-1"}, "fields": map[string]any{"a": 1}},
				map[string]any{"action": "setCustomField", "name": "b", "value": []string{"x"}}}}},
		{name: "delete_group", method: "DELETE", path: "/customer-groups/key=grp-003?version=1", status: 200},
		{name: "update_customer", method: "POST", path: "/customers/" + cust + "?expand=customerGroup", status: 200,
			body: map[string]any{"version": 1, "actions": []any{
				map[string]any{"action": "setCustomerGroup", "customerGroup": map[string]any{"typeId": "customer-group", "key": "grp-004"}},
				map[string]any{"action": "setCustomerGroupAssignments", "customerGroupAssignments": []any{
					map[string]any{"customerGroup": map[string]any{"typeId": "customer-group", "key": "grp-004"}}}}}}},
		{name: "error_not_found", method: "GET", path: "/customer-groups/missing", status: 404},
		{name: "error_not_found_key", method: "GET", path: "/customer-groups/key=missing", status: 404},
		{name: "error_conflict", method: "POST", path: "/customer-groups/key=grp-001", status: 409,
			body: map[string]any{"version": 7, "actions": []any{map[string]any{"action": "changeName", "name": "x"}}}},
		{name: "error_missing_version", method: "POST", path: "/customer-groups/key=grp-001", status: 400,
			body: map[string]any{"actions": []any{}}},
		{name: "error_duplicate_name", method: "POST", path: "/customer-groups", status: 400,
			body: map[string]any{"groupName": "Silver"}},
		{name: "error_missing_group_name", method: "POST", path: "/customer-groups", status: 400,
			body: map[string]any{"key": "abc"}},
		{name: "error_invalid_json", method: "POST", path: "/customer-groups", status: 400, body: `{"groupName":`},
		{name: "error_unknown_action", method: "POST", path: "/customer-groups/key=grp-001", status: 400,
			body: map[string]any{"version": 1, "actions": []any{map[string]any{"action": "setDescription"}}}},
		{name: "error_remove_absent_field", method: "POST", path: "/customer-groups/key=grp-001", status: 400,
			body: map[string]any{"version": 1, "actions": []any{
				map[string]any{"action": "setCustomType", "type": map[string]any{"key": "t"}},
				map[string]any{"action": "setCustomField", "name": "nope"}}}},
		{name: "error_where", method: "GET", path: "/customer-groups?where=" + q(`name like "G%"`), status: 400},
		{name: "error_limit", method: "GET", path: "/customer-groups?limit=501", status: 400},
		{name: "error_referenced_group", method: "POST", path: "/customers/" + cust, status: 400,
			body: map[string]any{"version": 1, "actions": []any{
				map[string]any{"action": "setCustomerGroup", "customerGroup": map[string]any{"typeId": "customer-group", "id": "nope"}}}}},
		{name: "error_invalid_token", method: "GET", path: "/customer-groups", status: 401, token: "none"},
		{name: "error_insufficient_scope", method: "POST", path: "/customer-groups", status: 403,
			token: "view_customer_groups:" + DefaultProjectKey, body: map[string]any{"groupName": "x"}},
		{name: "fault_unavailable", method: "GET", path: "/customer-groups", status: 503,
			faults: &sim.Faults{Down: true, RetryAfterS: 2}},
		{name: "fault_rate_limited", method: "GET", path: "/customer-groups", status: 429,
			faults: &sim.Faults{ErrorRate: 1, ErrorStatus: 429, RetryAfterS: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, seed.Options{Customers: 5, Groups: 10})
			tok := h.token
			switch tt.token {
			case "":
			case "none":
				tok = ""
			default:
				tok = h.fetchToken(t, tt.token)
			}
			if tt.faults != nil {
				if err := h.sim.Server().SetFaults(*tt.faults); err != nil {
					t.Fatal(err)
				}
			}
			status, hdr, body := h.doToken(t, tok, tt.method, "/"+DefaultProjectKey+tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("status = %d, want %d: %s", status, tt.status, body)
			}
			if ct := hdr.Get("Content-Type"); ct != "application/json" {
				t.Fatalf("Content-Type = %q", ct)
			}
			if tt.faults != nil && tt.faults.RetryAfterS > 0 && hdr.Get("Retry-After") == "" {
				t.Fatal("no Retry-After")
			}
			checkGolden(t, tt.name, body)
		})
	}
}

func q(s string) string {
	return strings.NewReplacer(" ", "+", "\"", "%22", "[", "%5B", "]", "%5D", "*", "%2A", "%", "%25").Replace(s)
}

func checkGolden(t *testing.T, name string, body []byte) {
	t.Helper()
	var pretty bytes.Buffer
	if err := json.Indent(&pretty, body, "", "  "); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, body)
	}
	path := filepath.Join("testdata", "golden", name+".json")
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(bytes.TrimSpace(want), bytes.TrimSpace(pretty.Bytes())) {
		t.Fatalf("%s differs from golden:\n got: %s\nwant: %s", name, pretty.Bytes(), want)
	}
}
