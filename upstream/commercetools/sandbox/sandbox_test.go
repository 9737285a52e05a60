package sandbox

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"custgraph/upstream/seed"
	"custgraph/upstream/sim"
)

func TestTokenEndpoint(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seed.Options{Customers: 1, Groups: 1})
	cc := url.Values{"grant_type": {"client_credentials"}}
	withScope := func(s string) url.Values { return url.Values{"grant_type": {"client_credentials"}, "scope": {s}} }
	tests := []struct {
		name       string
		id, secret string
		form       url.Values
		status     int
		code       string // OAuth error code, or the granted scope on success
	}{
		{"default scope", sandboxClientID, sandboxClientSecret, cc, 200, "manage_project:" + DefaultProjectKey},
		{"narrow scopes", sandboxClientID, sandboxClientSecret,
			withScope("view_customer_groups:" + DefaultProjectKey + " view_customers:" + DefaultProjectKey), 200,
			"view_customer_groups:" + DefaultProjectKey + " view_customers:" + DefaultProjectKey},
		{"no basic auth", "", "", cc, 401, "invalid_client"},
		{"wrong secret", sandboxClientID, "nope", cc, 401, "invalid_client"},
		{"wrong grant", sandboxClientID, sandboxClientSecret, url.Values{"grant_type": {"password"}}, 400, "unsupported_grant_type"},
		{"other project", sandboxClientID, sandboxClientSecret, withScope("manage_project:other"), 400, "invalid_scope"},
		{"unknown scope", sandboxClientID, sandboxClientSecret, withScope("manage_orders:" + DefaultProjectKey), 400, "invalid_scope"},
		{"scope without project", sandboxClientID, sandboxClientSecret, withScope("manage_project"), 400, "invalid_scope"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, _, body := h.tokenRequest(t, tt.id, tt.secret, tt.form)
			if status != tt.status {
				t.Fatalf("status = %d, want %d: %s", status, tt.status, body)
			}
			var b struct {
				AccessToken string `json:"access_token"`
				ExpiresIn   int    `json:"expires_in"`
				Scope       string `json:"scope"`
				TokenType   string `json:"token_type"`
				Error       string `json:"error"`
			}
			if err := json.Unmarshal(body, &b); err != nil {
				t.Fatal(err)
			}
			if status == 200 {
				if b.AccessToken == "" || b.ExpiresIn != 172800 || b.TokenType != "Bearer" || b.Scope != tt.code {
					t.Fatalf("token body = %s", body)
				}
				return
			}
			if b.Error != tt.code || errorCode(t, body) != tt.code {
				t.Fatalf("error = %s, want %s", body, tt.code)
			}
		})
	}
}

func TestAccessChecks(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seed.Options{Customers: 2, Groups: 2})
	viewGroups := h.fetchToken(t, "view_customer_groups:"+DefaultProjectKey)
	manageCustomers := h.fetchToken(t, "manage_customers:"+DefaultProjectKey)
	tests := []struct {
		name, token, method, path string
		body                      any
		status                    int
		code                      string
	}{
		{"no token", "", "GET", "/" + DefaultProjectKey + "/customer-groups", nil, 401, "invalid_token"},
		{"bad token", "forged", "GET", "/" + DefaultProjectKey + "/customer-groups", nil, 401, "invalid_token"},
		{"unknown project", h.token, "GET", "/other-project/customer-groups", nil, 404, "ResourceNotFound"},
		{"unknown endpoint", h.token, "GET", "/" + DefaultProjectKey + "/orders", nil, 404, "ResourceNotFound"},
		{"view reads groups", viewGroups, "GET", "/" + DefaultProjectKey + "/customer-groups", nil, 200, ""},
		{"view cannot create", viewGroups, "POST", "/" + DefaultProjectKey + "/customer-groups",
			map[string]string{"groupName": "x"}, 403, "insufficient_scope"},
		{"view cannot delete", viewGroups, "DELETE", "/" + DefaultProjectKey + "/customer-groups/key=grp-001?version=1", nil, 403, "insufficient_scope"},
		{"group scope cannot read customers", viewGroups, "GET", "/" + DefaultProjectKey + "/customers", nil, 403, "insufficient_scope"},
		{"manage customers reads groups", manageCustomers, "GET", "/" + DefaultProjectKey + "/customer-groups/key=grp-001", nil, 200, ""},
		{"manage customers reads customers", manageCustomers, "GET", "/" + DefaultProjectKey + "/customers", nil, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, _, body := h.doToken(t, tt.token, tt.method, tt.path, tt.body)
			if status != tt.status {
				t.Fatalf("status = %d, want %d: %s", status, tt.status, body)
			}
			if tt.code != "" && errorCode(t, body) != tt.code {
				t.Fatalf("code = %s, want %s", body, tt.code)
			}
		})
	}
}

func TestQueryParameters(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seed.Options{Customers: 20, Groups: 30})
	type page struct {
		Limit, Offset, Count int
		Total                *int
		Results              []struct{ Key, Name, CustomerNumber string }
	}
	tests := []struct {
		name   string
		path   string
		status int
		check  func(t *testing.T, p page)
	}{
		{"defaults", "/customer-groups", 200, func(t *testing.T, p page) {
			if p.Limit != 20 || p.Count != 20 || p.Total == nil || *p.Total != 30 {
				t.Fatalf("page = %+v", p)
			}
		}},
		{"two where params are ANDed", "/customer-groups?where=" + q(`key in ("grp-001", "grp-002")`) + "&where=" + q(`name != "Gold"`), 200,
			func(t *testing.T, p page) {
				if p.Count != 1 || p.Results[0].Key != "grp-002" {
					t.Fatalf("page = %+v", p)
				}
			}},
		{"sort by key desc, offset", "/customer-groups?sort=key+desc&limit=1&offset=2", 200, func(t *testing.T, p page) {
			if p.Count != 1 || p.Results[0].Key != "grp-028" {
				t.Fatalf("page = %+v", p)
			}
		}},
		{"sort by name then limit 0", "/customer-groups?sort=name+asc&limit=0", 200, func(t *testing.T, p page) {
			if p.Count != 0 || p.Total == nil || *p.Total != 30 {
				t.Fatalf("page = %+v", p)
			}
		}},
		{"offset past the end", "/customer-groups?offset=10000", 200, func(t *testing.T, p page) {
			if p.Count != 0 || p.Offset != 10000 {
				t.Fatalf("page = %+v", p)
			}
		}},
		{"customers sorted by number desc", "/customers?sort=customerNumber+desc&limit=1&withTotal=false", 200, func(t *testing.T, p page) {
			if p.Count != 1 || p.Results[0].CustomerNumber != "C-1020" || p.Total != nil {
				t.Fatalf("page = %+v", p)
			}
		}},
		{"limit over 500", "/customer-groups?limit=501", 400, nil},
		{"negative limit", "/customer-groups?limit=-1", 400, nil},
		{"offset over 10000", "/customer-groups?offset=10001", 400, nil},
		{"bad sort field", "/customer-groups?sort=version+asc", 400, nil},
		{"bad sort direction", "/customer-groups?sort=name+up", 400, nil},
		{"bad withTotal", "/customer-groups?withTotal=maybe", 400, nil},
		{"customer field on groups", "/customer-groups?where=" + q(`customerNumber = "C-1001"`), 400, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			status, _, body := h.do(t, "GET", tt.path, nil)
			if status != tt.status {
				t.Fatalf("status = %d, want %d: %s", status, tt.status, body)
			}
			if status != 200 {
				if errorCode(t, body) != "InvalidInput" {
					t.Fatalf("body = %s", body)
				}
				return
			}
			var p page
			if err := json.Unmarshal(body, &p); err != nil {
				t.Fatal(err)
			}
			tt.check(t, p)
		})
	}
}

func TestGroupWrites(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seed.Options{Customers: 5, Groups: 5})
	var g struct {
		ID      string
		Version int64
		Key     string
	}
	status, _, body := h.do(t, "POST", "/customer-groups", map[string]any{"groupName": "New", "key": "grp-new"})
	if status != 201 || json.Unmarshal(body, &g) != nil {
		t.Fatalf("create: %d %s", status, body)
	}
	// Moving the key away and creating another group with it must not reuse the id.
	status, _, body = h.do(t, "POST", "/customer-groups/"+g.ID, map[string]any{"version": 1,
		"actions": []any{map[string]any{"action": "setKey", "key": "grp-moved"}}})
	if status != 200 {
		t.Fatalf("setKey: %d %s", status, body)
	}
	var g2 struct{ ID string }
	status, _, body = h.do(t, "POST", "/customer-groups", map[string]any{"groupName": "Newer", "key": "grp-new"})
	if status != 201 || json.Unmarshal(body, &g2) != nil || g2.ID == g.ID {
		t.Fatalf("second create: %d %s (first id %s)", status, body, g.ID)
	}

	tests := []struct {
		name   string
		method string
		path   string
		body   any
		status int
		code   string
	}{
		{"delete without version", "DELETE", "/customer-groups/" + g.ID, nil, 400, "MissingVersion"},
		{"delete with bad version", "DELETE", "/customer-groups/" + g.ID + "?version=x", nil, 400, "InvalidInput"},
		{"update without version", "POST", "/customer-groups/" + g.ID, map[string]any{"actions": []any{}}, 400, "MissingVersion"},
		{"update with string version", "POST", "/customer-groups/" + g.ID, `{"version":"2","actions":[]}`, 400, "InvalidJsonInput"},
		{"change name to empty", "POST", "/customer-groups/" + g.ID, map[string]any{"version": 2,
			"actions": []any{map[string]any{"action": "changeName", "name": ""}}}, 400, "InvalidJsonInput"},
		{"set key to taken", "POST", "/customer-groups/" + g.ID, map[string]any{"version": 2,
			"actions": []any{map[string]any{"action": "setKey", "key": "grp-001"}}}, 400, "DuplicateField"},
		{"set custom field without type", "POST", "/customer-groups/" + g.ID, map[string]any{"version": 2,
			"actions": []any{map[string]any{"action": "setCustomField", "name": "a", "value": 1}}}, 400, "InvalidOperation"},
		{"custom type without id or key", "POST", "/customer-groups/" + g.ID, map[string]any{"version": 2,
			"actions": []any{map[string]any{"action": "setCustomType", "type": map[string]any{"typeId": "type"}}}}, 400, "InvalidJsonInput"},
		{"second action fails, first not applied", "POST", "/customer-groups/" + g.ID, map[string]any{"version": 2,
			"actions": []any{map[string]any{"action": "changeName", "name": "Renamed"}, map[string]any{"action": "nope"}}}, 400, "InvalidInput"},
		{"create with bad custom", "POST", "/customer-groups", map[string]any{"groupName": "C",
			"custom": map[string]any{"fields": map[string]any{}}}, 400, "InvalidJsonInput"},
		{"create with trailing data", "POST", "/customer-groups", `{"groupName":"T"} {}`, 400, "InvalidJsonInput"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, _, body := h.do(t, tt.method, tt.path, tt.body)
			if status != tt.status || errorCode(t, body) != tt.code {
				t.Fatalf("got %d %s, want %d %s", status, body, tt.status, tt.code)
			}
		})
	}
	status, _, body = h.do(t, "GET", "/customer-groups/"+g.ID, nil)
	if status != 200 || !strings.Contains(string(body), `"name":"New"`) || !strings.Contains(string(body), `"version":2`) {
		t.Fatalf("group changed by failed updates: %s", body)
	}
}

func TestGroupLimitAndReset(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seed.Options{Customers: 1, Groups: 999})
	if status, _, body := h.do(t, "POST", "/customer-groups", map[string]any{"groupName": "Number 1000"}); status != 201 {
		t.Fatalf("1000th group: %d %s", status, body)
	}
	status, _, body := h.do(t, "POST", "/customer-groups", map[string]any{"groupName": "Number 1001"})
	if status != 400 || errorCode(t, body) != "MaxResourceLimitExceeded" {
		t.Fatalf("1001st group: %d %s", status, body)
	}
	h.sim.Server().Reset()
	if status, _, _ := h.do(t, "GET", "/customer-groups?where="+q(`name = "Number 1000"`), nil); status != 200 {
		t.Fatal(status)
	}
	_, _, body = h.do(t, "GET", "/customer-groups?withTotal=true&limit=0", nil)
	if !strings.Contains(string(body), `"total":999`) {
		t.Fatalf("after reset: %s", body)
	}
	// The token survives a reset.
	if status, _, _ := h.do(t, "GET", "/customer-groups/key=grp-001", nil); status != 200 {
		t.Fatalf("token lost on reset: %d", status)
	}
}

func TestCustomerActions(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seed.Options{Customers: 3, Groups: 6})
	cust := makeID("customer", "C-1001")
	version := int64(1)
	type ref struct{ ID string }
	var c struct {
		Version                  int64
		CustomerGroup            *ref
		CustomerGroupAssignments []struct{ CustomerGroup ref }
	}
	g := func(key string) string { return makeID("customer-group", key) }
	run := func(t *testing.T, actions ...any) (int, []byte) {
		t.Helper()
		status, _, body := h.do(t, "POST", "/customers/"+cust, map[string]any{"version": version, "actions": actions})
		if status == 200 {
			c.CustomerGroup, c.CustomerGroupAssignments = nil, nil
			if err := json.Unmarshal(body, &c); err != nil {
				t.Fatal(err)
			}
			version = c.Version
		}
		return status, body
	}
	assigned := func() []string {
		var out []string
		for _, a := range c.CustomerGroupAssignments {
			out = append(out, a.CustomerGroup.ID)
		}
		return out
	}
	ri := func(key string) map[string]any { return map[string]any{"typeId": "customer-group", "key": key} }

	if status, body := run(t, map[string]any{"action": "setCustomerGroupAssignments", "customerGroupAssignments": []any{
		map[string]any{"customerGroup": ri("grp-001")}}}, map[string]any{"action": "setCustomerGroup", "customerGroup": ri("grp-001")}); status != 200 {
		t.Fatalf("set: %d %s", status, body)
	}
	if status, body := run(t, map[string]any{"action": "addCustomerGroupAssignment",
		"customerGroupAssignment": map[string]any{"customerGroup": ri("grp-002")}}); status != 200 ||
		strings.Join(assigned(), ",") != g("grp-001")+","+g("grp-002") {
		t.Fatalf("add: %d %s", status, body)
	}
	if status, body := run(t, map[string]any{"action": "addCustomerGroupAssignment",
		"customerGroupAssignment": map[string]any{"customerGroup": ri("grp-002")}}); status != 400 || errorCode(t, body) != "InvalidOperation" {
		t.Fatalf("add twice: %d %s", status, body)
	}
	// Delete grp-001: the customer keeps a dangling reference, which can still be removed by id.
	if status, _, body := h.do(t, "DELETE", "/customer-groups/key=grp-001?version=1", nil); status != 200 {
		t.Fatalf("delete: %d %s", status, body)
	}
	status, _, body := h.do(t, "GET", "/customers/"+cust+"?expand=customerGroup", nil)
	if status != 200 || !strings.Contains(string(body), `"customerGroup":{"typeId":"customer-group","id":"`+g("grp-001")+`"}`) {
		t.Fatalf("dangling reference: %d %s", status, body)
	}
	if status, body := run(t, map[string]any{"action": "removeCustomerGroupAssignment",
		"customerGroup": map[string]any{"typeId": "customer-group", "id": g("grp-001")}}); status != 200 ||
		strings.Join(assigned(), ",") != g("grp-002") {
		t.Fatalf("remove dangling: %d %s", status, body)
	}
	if status, body := run(t, map[string]any{"action": "removeCustomerGroupAssignment", "customerGroup": ri("grp-003")}); status != 400 ||
		errorCode(t, body) != "InvalidOperation" {
		t.Fatalf("remove unassigned: %d %s", status, body)
	}
	if status, body := run(t, map[string]any{"action": "setCustomerGroup"}); status != 200 || c.CustomerGroup != nil {
		t.Fatalf("unset primary: %d %s", status, body)
	}
	if status, body := run(t, map[string]any{"action": "setCustomerGroup", "customerGroup": map[string]any{"typeId": "channel", "id": "x"}}); status != 400 ||
		errorCode(t, body) != "InvalidJsonInput" {
		t.Fatalf("wrong typeId: %d %s", status, body)
	}
	if status, body := run(t, map[string]any{"action": "setCustomerGroupAssignments", "customerGroupAssignments": []any{
		map[string]any{"customerGroup": ri("grp-004")}, map[string]any{"customerGroup": ri("grp-004")}}}); status != 400 ||
		errorCode(t, body) != "InvalidOperation" {
		t.Fatalf("duplicate assignments: %d %s", status, body)
	}
	if status, body := run(t, map[string]any{"action": "changeEmail", "email": "x@y"}); status != 400 || errorCode(t, body) != "InvalidInput" {
		t.Fatalf("unknown action: %d %s", status, body)
	}
	if status, _, body := h.do(t, "GET", "/customers/nope", nil); status != 404 || errorCode(t, body) != "ResourceNotFound" {
		t.Fatalf("unknown customer: %d %s", status, body)
	}
}

func TestConcurrencyFaultIs503WithRetryAfter(t *testing.T) {
	t.Parallel()
	h := newHarness(t, seed.Options{Customers: 1, Groups: 1})
	if err := h.sim.Server().SetFaults(sim.Faults{MaxConcurrent: 1, LatencyMS: 300}); err != nil {
		t.Fatal(err)
	}
	type answer struct {
		status     int
		retryAfter string
		body       []byte
	}
	answers := make([]answer, 3)
	errs := make([]error, 3)
	var wg sync.WaitGroup
	for i := range answers {
		// No t.Fatal off the test goroutine: errors are collected and checked after Wait.
		wg.Go(func() {
			req, err := http.NewRequestWithContext(t.Context(), "GET", h.srv.URL+"/"+DefaultProjectKey+"/customer-groups/key=grp-001", nil)
			if err != nil {
				errs[i] = err
				return
			}
			req.Header.Set("Authorization", "Bearer "+h.token)
			resp, err := h.hc.Do(req)
			if err != nil {
				errs[i] = err
				return
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			answers[i], errs[i] = answer{resp.StatusCode, resp.Header.Get("Retry-After"), body}, err
		})
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	var ok, shed int
	for _, a := range answers {
		switch a.status {
		case http.StatusOK:
			ok++
		case http.StatusServiceUnavailable:
			shed++
			if a.retryAfter != "1" || errorCode(t, a.body) != "ServiceUnavailable" {
				t.Fatalf("shed answer: Retry-After %q body %s", a.retryAfter, a.body)
			}
		default:
			t.Fatalf("unexpected %d %s", a.status, a.body)
		}
	}
	if ok < 1 || shed < 1 {
		t.Fatalf("%d ok, %d shed; want both", ok, shed)
	}
}

func TestLatencyOption(t *testing.T) {
	t.Parallel()
	s := New(Options{Latency: 1, ProjectKey: "other-key"})
	if s.ProjectKey() != "other-key" || s.ClientConfig("http://x").ProjectKey != "other-key" ||
		ClientConfig("http://x").ProjectKey != DefaultProjectKey {
		t.Fatal("project key not applied")
	}
}
