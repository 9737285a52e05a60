package commercetools_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"custgraph/upstream"
	"custgraph/upstream/commercetools"
	"custgraph/upstream/commercetools/sandbox"
	"custgraph/upstream/rest"
	"custgraph/upstream/seed"
	"custgraph/upstream/sim"
)

func TestNewValidatesConfig(t *testing.T) {
	t.Parallel()
	good := sandbox.ClientConfig("http://127.0.0.1:1")
	tests := []struct {
		name   string
		mutate func(*commercetools.Config)
		want   string // substring of the error; "" = valid
	}{
		{"valid", func(*commercetools.Config) {}, ""},
		{"no api url", func(c *commercetools.Config) { c.APIURL = "" }, "APIURL is required"},
		{"no auth url", func(c *commercetools.Config) { c.AuthURL = "" }, "AuthURL is required"},
		{"no project", func(c *commercetools.Config) { c.ProjectKey = "" }, "ProjectKey is required"},
		{"no client id", func(c *commercetools.Config) { c.ClientID = "" }, "ClientID is required"},
		{"no secret", func(c *commercetools.Config) { c.ClientSecret = "" }, "ClientSecret is required"},
		{"bad project", func(c *commercetools.Config) { c.ProjectKey = "Bad/Key" }, "ProjectKey"},
		{"relative api url", func(c *commercetools.Config) { c.APIURL = "/api" }, "APIURL must be"},
		{"ftp auth url", func(c *commercetools.Config) { c.AuthURL = "ftp://x" }, "AuthURL must be"},
		{"blank scope", func(c *commercetools.Config) { c.Scopes = []string{"a b"} }, "Scopes"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			cfg := good
			tt.mutate(&cfg)
			_, err := commercetools.New(cfg)
			switch {
			case tt.want == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Fatalf("New error = %v, want it to mention %q", err, tt.want)
			}
			if err != nil && strings.Contains(err.Error(), good.ClientSecret) {
				t.Fatalf("error leaks the secret: %v", err)
			}
		})
	}
}

func TestGetGroup(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	ctx := t.Context()
	byKey, err := e.client.GetGroupByKey(ctx, "grp-001")
	if err != nil {
		t.Fatalf("GetGroupByKey: %v", err)
	}
	if byKey.Name != "Gold" || byKey.Key != "grp-001" || byKey.Version != 1 || byKey.ID == "" {
		t.Fatalf("GetGroupByKey = %+v", byKey)
	}
	if want := time.Date(2024, 1, 1, 0, 0, 0, 0, time.UTC); !byKey.CreatedAt.Equal(want) {
		t.Fatalf("CreatedAt = %v, want %v", byKey.CreatedAt, want)
	}
	byID, err := e.client.GetGroup(ctx, byKey.ID)
	if err != nil {
		t.Fatalf("GetGroup: %v", err)
	}
	if byID.ID != byKey.ID || byID.Name != byKey.Name {
		t.Fatalf("GetGroup = %+v, want %+v", byID, byKey)
	}
	// Deterministic ids: a second simulator from the same seed agrees.
	e2 := setup(t, setupOpts{})
	again, err := e2.client.GetGroupByKey(ctx, "grp-001")
	if err != nil || again.ID != byKey.ID {
		t.Fatalf("id not deterministic: %v %v", again, err)
	}
}

func TestGetGroupErrors(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	tests := []struct {
		name       string
		call       func(context.Context) error
		kind       upstream.Kind
		code       string
		status     int
		wantInPath string
	}{
		{"unknown id", func(ctx context.Context) error { _, err := e.client.GetGroup(ctx, "nope"); return err },
			upstream.KindNotFound, "ResourceNotFound", 404, "/customer-groups/nope"},
		{"unknown key", func(ctx context.Context) error { _, err := e.client.GetGroupByKey(ctx, "nope"); return err },
			upstream.KindNotFound, "ResourceNotFound", 404, "/customer-groups/key=nope"},
		{"empty id", func(ctx context.Context) error { _, err := e.client.GetGroup(ctx, ""); return err },
			upstream.KindValidation, "InvalidInput", 0, ""},
		{"empty key", func(ctx context.Context) error { _, err := e.client.GetGroupByKey(ctx, ""); return err },
			upstream.KindValidation, "InvalidInput", 0, ""},
		{"id with slash is one segment", func(ctx context.Context) error { _, err := e.client.GetGroup(ctx, "a/b"); return err },
			upstream.KindNotFound, "ResourceNotFound", 404, "a%2Fb"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.call(t.Context())
			ue := upstream.As(err)
			if ue == nil {
				t.Fatalf("error %v is not *upstream.Error", err)
			}
			if ue.Kind != tt.kind || ue.Code != tt.code || ue.Status != tt.status {
				t.Fatalf("got kind=%v code=%q status=%d, want %v %q %d", ue.Kind, ue.Code, ue.Status, tt.kind, tt.code, tt.status)
			}
			if !strings.Contains(ue.Path, tt.wantInPath) {
				t.Fatalf("path %q does not contain %q", ue.Path, tt.wantInPath)
			}
		})
	}
}

func names(p *commercetools.GroupPage) []string {
	var out []string
	for _, g := range p.Results {
		out = append(out, g.Name)
	}
	return out
}

func TestQueryGroups(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	total := len(e.data.Groups)
	tests := []struct {
		name      string
		opts      commercetools.QueryOptions
		want      []string // names, in order; nil = check count only
		wantCount int
		wantTotal *int
	}{
		{"eq name", commercetools.QueryOptions{Where: commercetools.Eq("name", "Gold")}, []string{"Gold"}, 1, nil},
		{"in keys sorted", commercetools.QueryOptions{
			Where: commercetools.In("key", []string{"grp-003", "grp-001", "grp-002"}), Sort: []string{"name asc"}},
			[]string{"Bronze", "Gold", "Silver"}, 3, nil},
		{"or and not", commercetools.QueryOptions{
			Where: commercetools.And(
				commercetools.Or(commercetools.Eq("key", "grp-001"), commercetools.Eq("key", "grp-002")),
				commercetools.Not(commercetools.Eq("name", "Gold"))),
		}, []string{"Silver"}, 1, nil},
		{"injection stays a value", commercetools.QueryOptions{
			Where: commercetools.Eq("name", `Gold" or name != "x`)}, nil, 0, nil},
		{"page with total", commercetools.QueryOptions{Sort: []string{"key desc"}, Limit: 2, Offset: 1, WithTotal: true},
			[]string{"Seasonal", "Renewal"}, 2, &total},
		{"zero predicate, default limit", commercetools.QueryOptions{}, nil, 20, nil},
		{"max limit", commercetools.QueryOptions{Limit: 500, WithTotal: true}, nil, total, &total},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := e.client.QueryGroups(t.Context(), tt.opts)
			if err != nil {
				t.Fatalf("QueryGroups: %v", err)
			}
			if tt.want != nil && !slices.Equal(names(p), tt.want) {
				t.Fatalf("names = %q, want %q", names(p), tt.want)
			}
			if p.Count != tt.wantCount || len(p.Results) != tt.wantCount {
				t.Fatalf("count = %d (%d results), want %d", p.Count, len(p.Results), tt.wantCount)
			}
			switch {
			case tt.wantTotal == nil && p.Total != nil:
				t.Fatalf("total = %d, want none", *p.Total)
			case tt.wantTotal != nil && (p.Total == nil || *p.Total != *tt.wantTotal):
				t.Fatalf("total = %v, want %d", p.Total, *tt.wantTotal)
			}
		})
	}
}

func TestQueryGroupsRejectsBadOptions(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	tests := []struct {
		name string
		opts commercetools.QueryOptions
	}{
		{"bad field", commercetools.QueryOptions{Where: commercetools.Eq(`name = "x" or id`, "y")}},
		{"empty in", commercetools.QueryOptions{Where: commercetools.In("id", nil)}},
		{"not of nothing", commercetools.QueryOptions{Where: commercetools.Not(commercetools.And())}},
		{"sort injection", commercetools.QueryOptions{Sort: []string{"name asc&where=x"}}},
		{"limit too big", commercetools.QueryOptions{Limit: 501}},
		{"negative offset", commercetools.QueryOptions{Offset: -1}},
		{"offset too big", commercetools.QueryOptions{Offset: 10001}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := e.client.QueryGroups(t.Context(), tt.opts)
			if upstream.KindOf(err) != upstream.KindValidation {
				t.Fatalf("err = %v, want a validation error", err)
			}
		})
	}
	if n := e.route(routeQueryG); n != 0 {
		t.Fatalf("%d queries reached the upstream, want none", n)
	}
}

func TestGroupLifecycle(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	ctx := t.Context()
	g, err := e.client.CreateGroup(ctx, commercetools.GroupDraft{GroupName: "Lifecycle", Key: "life-1",
		Custom: &commercetools.CustomFieldsDraft{Type: commercetools.TypeReference{Key: "group-extras"},
			Fields: map[string]any{"tier": "A", "unset": nil}}})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	if g.Version != 1 || g.Key != "life-1" || g.Name != "Lifecycle" || g.Custom == nil ||
		string(g.Custom.Fields["tier"]) != `"A"` || g.Custom.Type.ID == "" || g.Custom.Type.TypeID != "type" {
		t.Fatalf("created = %+v (custom %+v)", g, g.Custom)
	}
	if _, ok := g.Custom.Fields["unset"]; ok {
		t.Fatal("null field was stored")
	}

	g, err = e.client.UpdateGroup(ctx, g.ID, g.Version,
		commercetools.ChangeName("Lifecycle 2"),
		commercetools.SetKey("life-2"),
		commercetools.SetCustomField("score", 7),
		commercetools.SetCustomField("tier", nil))
	if err != nil {
		t.Fatalf("UpdateGroup: %v", err)
	}
	if g.Version != 2 || g.Name != "Lifecycle 2" || g.Key != "life-2" ||
		string(g.Custom.Fields["score"]) != "7" || g.Custom.Fields["tier"] != nil {
		t.Fatalf("updated = %+v (custom %+v)", g, g.Custom)
	}
	if !g.LastModifiedAt.After(g.CreatedAt) && !g.LastModifiedAt.Equal(g.CreatedAt) {
		t.Fatalf("lastModifiedAt %v before createdAt %v", g.LastModifiedAt, g.CreatedAt)
	}

	// Empty action list: unchanged, same version.
	same, err := e.client.UpdateGroupByKey(ctx, "life-2", g.Version)
	if err != nil || same.Version != g.Version {
		t.Fatalf("empty update = %+v, %v", same, err)
	}

	g, err = e.client.UpdateGroupByKey(ctx, "life-2", g.Version, commercetools.SetKey(""),
		commercetools.SetCustomType(nil, nil))
	if err != nil {
		t.Fatalf("UpdateGroupByKey: %v", err)
	}
	if g.Key != "" || g.Custom != nil || g.Version != 3 {
		t.Fatalf("after removing key and type = %+v", g)
	}
	g, err = e.client.UpdateGroup(ctx, g.ID, g.Version, commercetools.SetKey("life-3"),
		commercetools.SetCustomType(&commercetools.TypeReference{ID: "type-id-1"}, map[string]any{"a": true}))
	if err != nil {
		t.Fatalf("UpdateGroup: %v", err)
	}
	if g.Custom == nil || g.Custom.Type.ID != "type-id-1" || string(g.Custom.Fields["a"]) != "true" {
		t.Fatalf("custom type = %+v", g.Custom)
	}

	deleted, err := e.client.DeleteGroupByKey(ctx, "life-3", g.Version)
	if err != nil {
		t.Fatalf("DeleteGroupByKey: %v", err)
	}
	if deleted.ID != g.ID || deleted.Version != g.Version {
		t.Fatalf("deleted = %+v, want %+v", deleted, g)
	}
	if _, err := e.client.GetGroup(ctx, g.ID); !upstream.IsNotFound(err) {
		t.Fatalf("get after delete: %v, want not found", err)
	}

	// Delete by id too.
	g2, err := e.client.CreateGroup(ctx, commercetools.GroupDraft{GroupName: "Short-lived"})
	if err != nil {
		t.Fatalf("CreateGroup: %v", err)
	}
	if g2.Key != "" || g2.ID == g.ID {
		t.Fatalf("second group = %+v", g2)
	}
	if _, err := e.client.DeleteGroup(ctx, g2.ID, g2.Version); err != nil {
		t.Fatalf("DeleteGroup: %v", err)
	}
}

func TestWriteErrors(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	gold, err := e.client.GetGroupByKey(t.Context(), "grp-001")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		call    func(context.Context) error
		kind    upstream.Kind
		code    string
		status  int
		field   string
		current int64
	}{
		{"create duplicate name", func(ctx context.Context) error {
			_, err := e.client.CreateGroup(ctx, commercetools.GroupDraft{GroupName: "Gold"})
			return err
		}, upstream.KindDuplicate, "DuplicateField", 400, "name", 0},
		{"create duplicate key", func(ctx context.Context) error {
			_, err := e.client.CreateGroup(ctx, commercetools.GroupDraft{GroupName: "Other", Key: "grp-002"})
			return err
		}, upstream.KindDuplicate, "DuplicateField", 400, "key", 0},
		{"create without name", func(ctx context.Context) error {
			_, err := e.client.CreateGroup(ctx, commercetools.GroupDraft{})
			return err
		}, upstream.KindValidation, "InvalidInput", 0, "", 0},
		{"create bad key", func(ctx context.Context) error {
			_, err := e.client.CreateGroup(ctx, commercetools.GroupDraft{GroupName: "Bad key", Key: "a b"})
			return err
		}, upstream.KindValidation, "InvalidJsonInput", 400, "", 0},
		{"update stale version", func(ctx context.Context) error {
			_, err := e.client.UpdateGroup(ctx, gold.ID, gold.Version+5, commercetools.ChangeName("x"))
			return err
		}, upstream.KindConflict, "ConcurrentModification", 409, "", gold.Version},
		{"rename to taken name", func(ctx context.Context) error {
			_, err := e.client.UpdateGroup(ctx, gold.ID, gold.Version, commercetools.ChangeName("Silver"))
			return err
		}, upstream.KindDuplicate, "DuplicateField", 400, "name", 0},
		{"remove absent custom field", func(ctx context.Context) error {
			_, err := e.client.UpdateGroupByKey(ctx, "grp-001", gold.Version,
				commercetools.SetCustomType(&commercetools.TypeReference{Key: "t"}, nil),
				commercetools.SetCustomField("missing", nil))
			return err
		}, upstream.KindValidation, "InvalidOperation", 400, "", 0},
		{"update unknown group", func(ctx context.Context) error {
			_, err := e.client.UpdateGroup(ctx, "nope", 1, commercetools.ChangeName("x"))
			return err
		}, upstream.KindNotFound, "ResourceNotFound", 404, "", 0},
		{"delete stale version", func(ctx context.Context) error {
			_, err := e.client.DeleteGroup(ctx, gold.ID, 99)
			return err
		}, upstream.KindConflict, "ConcurrentModification", 409, "", gold.Version},
		{"delete unknown key", func(ctx context.Context) error {
			_, err := e.client.DeleteGroupByKey(ctx, "nope", 1)
			return err
		}, upstream.KindNotFound, "ResourceNotFound", 404, "", 0},
		{"nil action", func(ctx context.Context) error {
			_, err := e.client.UpdateGroup(ctx, gold.ID, 1, nil)
			return err
		}, upstream.KindValidation, "InvalidInput", 0, "", 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ue := upstream.As(tt.call(t.Context()))
			if ue == nil {
				t.Fatal("no *upstream.Error")
			}
			if ue.Kind != tt.kind || ue.Code != tt.code || ue.Status != tt.status || ue.Field != tt.field ||
				ue.CurrentVersion != tt.current {
				t.Fatalf("got %v (kind %v code %q status %d field %q current %d)", ue, ue.Kind, ue.Code,
					ue.Status, ue.Field, ue.CurrentVersion)
			}
			if ue.Upstream != "commercetools" || ue.Message == "" && ue.Status != 0 {
				t.Fatalf("upstream/message missing: %+v", ue)
			}
		})
	}
	// None of the failures above changed Gold.
	now, err := e.client.GetGroup(t.Context(), gold.ID)
	if err != nil || now.Version != gold.Version || now.Name != "Gold" {
		t.Fatalf("gold changed: %+v %v", now, err)
	}
}

func TestGroupLimit(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{seed: seed.Options{Customers: 1, Groups: 1000}})
	_, err := e.client.CreateGroup(t.Context(), commercetools.GroupDraft{GroupName: "One too many"})
	ue := upstream.As(err)
	if ue == nil || ue.Kind != upstream.KindValidation || ue.Code != "MaxResourceLimitExceeded" || ue.Status != 400 {
		t.Fatalf("err = %v, want 400 MaxResourceLimitExceeded", err)
	}
}

func TestAuthErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		opts   setupOpts
		call   func(*commercetools.Client, context.Context) error
		kind   upstream.Kind
		code   string
		status int
	}{
		{"wrong secret", setupOpts{mutate: func(c *commercetools.Config) { c.ClientSecret = "wrong-secret-value" }},
			func(c *commercetools.Client, ctx context.Context) error {
				_, err := c.GetGroupByKey(ctx, "grp-001")
				return err
			},
			upstream.KindUnauthorized, "invalid_client", 401},
		{"scope of another project", setupOpts{scopes: []string{"manage_project:elsewhere"}},
			func(c *commercetools.Client, ctx context.Context) error {
				_, err := c.GetGroupByKey(ctx, "grp-001")
				return err
			},
			upstream.KindUnauthorized, "invalid_scope", 400},
		{"view scope cannot write", setupOpts{scopes: []string{"view_customer_groups:" + sandbox.DefaultProjectKey}},
			func(c *commercetools.Client, ctx context.Context) error {
				_, err := c.CreateGroup(ctx, commercetools.GroupDraft{GroupName: "x"})
				return err
			}, upstream.KindForbidden, "insufficient_scope", 403},
		{"group scope cannot read customers", setupOpts{scopes: []string{"manage_customer_groups:" + sandbox.DefaultProjectKey}},
			func(c *commercetools.Client, ctx context.Context) error {
				_, err := c.CustomersByNumber(ctx, []string{"C-1001"})
				return err
			}, upstream.KindForbidden, "insufficient_scope", 403},
		{"unknown project", setupOpts{mutate: func(c *commercetools.Config) { c.ProjectKey = "other-project" },
			scopes: []string{"manage_project:" + sandbox.DefaultProjectKey}},
			func(c *commercetools.Client, ctx context.Context) error {
				_, err := c.GetGroupByKey(ctx, "grp-001")
				return err
			},
			upstream.KindNotFound, "ResourceNotFound", 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			e := setup(t, tt.opts)
			err := tt.call(e.client, t.Context())
			ue := upstream.As(err)
			if ue == nil || ue.Kind != tt.kind || ue.Code != tt.code || ue.Status != tt.status {
				t.Fatalf("err = %v, want kind %v code %q status %d", err, tt.kind, tt.code, tt.status)
			}
			if strings.Contains(err.Error(), "secret") {
				t.Fatalf("error text mentions the secret: %v", err)
			}
		})
	}
	// Reads with a view scope work.
	e := setup(t, setupOpts{scopes: []string{"view_customer_groups:" + sandbox.DefaultProjectKey}})
	if _, err := e.client.GetGroupByKey(t.Context(), "grp-001"); err != nil {
		t.Fatalf("view scope read: %v", err)
	}
}

func TestTokenCachedAndRefreshedAfterRevoke(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	ctx := t.Context()
	for range 3 {
		if _, err := e.client.GetGroupByKey(ctx, "grp-001"); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.route(routeToken); n != 1 {
		t.Fatalf("token fetched %d times for 3 calls, want 1", n)
	}
	resp, err := e.srv.Client().Post(e.srv.URL+"/_sim/tokens/revoke", "application/json", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	e.srv.Client().CloseIdleConnections()
	if _, err := e.client.GetGroupByKey(ctx, "grp-001"); err != nil {
		t.Fatalf("call after revoke: %v", err)
	}
	if n := e.route(routeToken); n != 2 {
		t.Fatalf("token fetched %d times, want 2 (one refresh after the 401)", n)
	}
	if n := e.route(routeGetG); n != 5 {
		t.Fatalf("%d gets, want 5 (3 + the 401 + its retry)", n)
	}
}

func TestConflictIsNotRetried(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	_, err := e.client.UpdateGroupByKey(t.Context(), "grp-001", 42, commercetools.ChangeName("x"))
	if ue := upstream.As(err); ue == nil || ue.Kind != upstream.KindConflict || ue.CurrentVersion != 1 {
		t.Fatalf("err = %v, want conflict with current version 1", err)
	}
	if n := e.route(routeUpdateG); n != 1 {
		t.Fatalf("update sent %d times, want 1", n)
	}
}

func TestRateLimitRetryAfterThenSuccess(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	ctx := t.Context()
	if _, err := e.client.GetGroupByKey(ctx, "grp-001"); err != nil { // token first
		t.Fatal(err)
	}
	if err := e.sim.Server().SetFaults(sim.Faults{ErrorRate: 1, ErrorStatus: 429, RetryAfterS: 1}); err != nil {
		t.Fatal(err)
	}
	type result struct {
		g   *commercetools.CustomerGroup
		err error
	}
	done := make(chan result, 1)
	start := time.Now()
	go func() {
		g, err := e.client.GetGroupByKey(ctx, "grp-002")
		done <- result{g, err}
	}()
	// Lift the fault once the first attempt has been answered 429; the client waits out the
	// Retry-After second before trying again.
	deadline := time.Now().Add(5 * time.Second)
	for e.route(routeGetG) < 2 && time.Now().Before(deadline) {
		time.Sleep(2 * time.Millisecond)
	}
	if err := e.sim.Server().SetFaults(sim.Faults{}); err != nil {
		t.Fatal(err)
	}
	r := <-done
	if r.err != nil || r.g.Key != "grp-002" {
		t.Fatalf("GetGroupByKey = %+v, %v", r.g, r.err)
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Fatalf("retried after %v, want Retry-After (1 s) honoured", el)
	}
	if n := e.route(routeGetG); n != 3 {
		t.Fatalf("%d gets, want 3 (first call, 429, retry)", n)
	}
}

func TestRateLimitExhaustedReturnsRetryAfter(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{mutate: func(c *commercetools.Config) {
		c.Retry = &rest.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond, MaxDelay: 10 * time.Millisecond}
	}})
	if _, err := e.client.GetGroupByKey(t.Context(), "grp-001"); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.Server().SetFaults(sim.Faults{ErrorRate: 1, ErrorStatus: 503}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.GetGroupByKey(t.Context(), "grp-001")
	if ue := upstream.As(err); ue == nil || ue.Kind != upstream.KindUnavailable || ue.Status != 503 {
		t.Fatalf("err = %v, want 503 unavailable", err)
	}
	if n := e.route(routeGetG); n != 3 {
		t.Fatalf("%d gets, want 3 (1 + 2 attempts)", n)
	}
	// A create is not retried.
	_, err = e.client.CreateGroup(t.Context(), commercetools.GroupDraft{GroupName: "x"})
	if upstream.KindOf(err) != upstream.KindUnavailable {
		t.Fatalf("create err = %v", err)
	}
	if n := e.route("POST /{projectKey}/customer-groups"); n != 1 {
		t.Fatalf("create sent %d times, want 1", n)
	}
}

func TestContextCanceled(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if _, err := e.client.GetGroup(ctx, "x"); !errors.Is(err, context.Canceled) || upstream.As(err) != nil {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if _, err := e.client.GroupsByID(ctx, []string{"a", "b"}); !errors.Is(err, context.Canceled) {
		t.Fatalf("GroupsByID err = %v, want context.Canceled", err)
	}
}

// seedGroupIDs maps seed group index to the simulator's id.
func seedGroupIDs(t *testing.T, e *env) []string {
	t.Helper()
	byKey := map[string]string{}
	for offset := 0; ; offset += 500 {
		p, err := e.client.QueryGroups(t.Context(), commercetools.QueryOptions{Limit: 500, Offset: offset, Sort: []string{"key asc"}})
		if err != nil {
			t.Fatal(err)
		}
		for _, g := range p.Results {
			byKey[g.Key] = g.ID
		}
		if p.Count < 500 {
			break
		}
	}
	ids := make([]string, len(e.data.Groups))
	for i, g := range e.data.Groups {
		ids[i] = byKey[g.Key]
	}
	return ids
}

func TestBatchIsOneRequest(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{seed: seed.Options{Customers: 150, Groups: 150}})
	ids := seedGroupIDs(t, e)
	e.sim.Server().Reset()
	ctx := t.Context()

	want := append(slices.Clone(ids[:100]), ids[0], "", "missing-id") // repeats, empties and misses are fine
	groups, err := e.client.GroupsByID(ctx, want)
	if err != nil {
		t.Fatalf("GroupsByID: %v", err)
	}
	if len(groups) != 100 {
		t.Fatalf("%d groups, want 100", len(groups))
	}
	for i, id := range ids[:100] {
		if g, ok := groups[id]; !ok || g.Key != e.data.Groups[i].Key {
			t.Fatalf("group %d: %+v %v", i, g, ok)
		}
	}
	if _, ok := groups["missing-id"]; ok {
		t.Fatal("missing id present")
	}

	numbers := make([]string, 100)
	for i := range numbers {
		numbers[i] = e.data.Customers[i].Number
	}
	customers, err := e.client.CustomersByNumber(ctx, append(numbers, "C-0"))
	if err != nil {
		t.Fatalf("CustomersByNumber: %v", err)
	}
	if len(customers) != 100 {
		t.Fatalf("%d customers, want 100", len(customers))
	}
	st := e.sim.Server().Stats()
	if st.Routes[routeQueryG] != 1 || st.Routes[routeQueryC] != 1 || st.Requests != 2 {
		t.Fatalf("stats = %+v, want exactly one groups query and one customers query", st)
	}
}

func TestBatchSplitsLargeLists(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{seed: seed.Options{Customers: 10, Groups: 1000}})
	ids := seedGroupIDs(t, e)
	for i := range 200 {
		ids = append(ids, fmt.Sprintf("00000000-0000-4000-8000-%012d", i)) // absent
	}
	e.sim.Server().Reset()
	before := len(e.seenURLs())
	groups, err := e.client.GroupsByID(t.Context(), ids)
	if err != nil {
		t.Fatalf("GroupsByID: %v", err)
	}
	if len(groups) != 1000 {
		t.Fatalf("%d groups, want 1000", len(groups))
	}
	n := e.route(routeQueryG)
	if n < 3 {
		t.Fatalf("1200 ids in %d requests, want them split", n)
	}
	for _, u := range e.seenURLs()[before:] {
		if len(u) >= 8000 {
			t.Fatalf("URL of %d bytes, want < 8 KB", len(u))
		}
	}
	t.Logf("1200 ids in %d requests", n)
}

func TestBatchErrorStopsAll(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{seed: seed.Options{Customers: 10, Groups: 1000}})
	ids := seedGroupIDs(t, e)
	if err := e.sim.Server().SetFaults(sim.Faults{ErrorRate: 1, ErrorStatus: 500}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.GroupsByID(t.Context(), ids)
	if ue := upstream.As(err); ue == nil || ue.Status != 500 {
		t.Fatalf("err = %v, want the 500", err)
	}
}

func TestCustomersByNumberExpandsGroups(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	ids := seedGroupIDs(t, e)
	numbers := []string{e.data.Customers[0].Number, e.data.Customers[7].Number, "C-99999"}
	got, err := e.client.CustomersByNumber(t.Context(), numbers)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 {
		t.Fatalf("%d customers, want 2", len(got))
	}
	for _, sc := range []seed.Customer{e.data.Customers[0], e.data.Customers[7]} {
		c, ok := got[sc.Number]
		if !ok {
			t.Fatalf("customer %s missing", sc.Number)
		}
		var wantIDs, wantNames []string
		for _, gi := range sc.Groups {
			wantIDs = append(wantIDs, ids[gi])
			wantNames = append(wantNames, e.data.Groups[gi].Name)
		}
		if !slices.Equal(c.GroupIDs(), wantIDs) {
			t.Fatalf("%s GroupIDs = %v, want %v", sc.Number, c.GroupIDs(), wantIDs)
		}
		var gotNames []string
		for _, g := range c.Groups() {
			gotNames = append(gotNames, g.Name)
		}
		if !slices.Equal(gotNames, wantNames) {
			t.Fatalf("%s Groups = %v, want %v", sc.Number, gotNames, wantNames)
		}
		if c.CustomerGroup == nil || c.CustomerGroup.ID != wantIDs[0] || c.Version != 1 || c.ID == "" {
			t.Fatalf("customer = %+v", c)
		}
	}
}

func TestSetCustomerGroups(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	ctx := t.Context()
	ids := seedGroupIDs(t, e)
	num := e.data.Customers[3].Number
	cs, err := e.client.CustomersByNumber(ctx, []string{num})
	if err != nil {
		t.Fatal(err)
	}
	c := cs[num]

	got, err := e.client.SetCustomerGroups(ctx, c.ID, c.Version, []string{ids[5], ids[2], ids[5]})
	if err != nil {
		t.Fatalf("SetCustomerGroups: %v", err)
	}
	if got.Version != c.Version+1 || !slices.Equal(got.GroupIDs(), []string{ids[5], ids[2]}) ||
		len(got.Groups()) != 2 || got.Groups()[0].Name != e.data.Groups[5].Name {
		t.Fatalf("after set = %+v", got)
	}

	// Stale version: 409, not retried.
	_, err = e.client.SetCustomerGroups(ctx, c.ID, c.Version, nil)
	if ue := upstream.As(err); ue == nil || ue.Kind != upstream.KindConflict || ue.CurrentVersion != got.Version {
		t.Fatalf("stale err = %v", err)
	}
	// Unknown group: 400 ReferencedResourceNotFound, nothing changed.
	_, err = e.client.SetCustomerGroups(ctx, c.ID, got.Version, []string{ids[1], "no-such-group"})
	if ue := upstream.As(err); ue == nil || ue.Kind != upstream.KindValidation || ue.Code != "ReferencedResourceNotFound" {
		t.Fatalf("unknown group err = %v", err)
	}
	// Empty: no primary, no assignments.
	cleared, err := e.client.SetCustomerGroups(ctx, c.ID, got.Version, nil)
	if err != nil {
		t.Fatal(err)
	}
	if cleared.CustomerGroup != nil || len(cleared.GroupIDs()) != 0 || cleared.Version != got.Version+1 {
		t.Fatalf("cleared = %+v", cleared)
	}
	if _, err := e.client.SetCustomerGroups(ctx, c.ID, cleared.Version, []string{""}); upstream.KindOf(err) != upstream.KindValidation {
		t.Fatalf("empty group id err = %v", err)
	}
	if _, err := e.client.SetCustomerGroups(ctx, "no-such-customer", 1, nil); !upstream.IsNotFound(err) {
		t.Fatalf("unknown customer err = %v", err)
	}
}

func TestDeletedGroupLeavesDanglingReference(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{})
	ctx := t.Context()
	sc := e.data.Customers[0]
	primary := e.data.Groups[sc.Groups[0]]
	g, err := e.client.GetGroupByKey(ctx, primary.Key)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.DeleteGroup(ctx, g.ID, g.Version); err != nil {
		t.Fatal(err)
	}
	cs, err := e.client.CustomersByNumber(ctx, []string{sc.Number})
	if err != nil {
		t.Fatal(err)
	}
	c := cs[sc.Number]
	if c.GroupIDs()[0] != g.ID {
		t.Fatalf("GroupIDs = %v, want the deleted group %s kept first", c.GroupIDs(), g.ID)
	}
	if c.CustomerGroup.Obj != nil || len(c.Groups()) != len(sc.Groups)-1 {
		t.Fatalf("deleted group expanded: %+v", c)
	}
}

func TestUpdateActionJSON(t *testing.T) {
	t.Parallel()
	tests := []struct {
		action commercetools.UpdateAction
		want   string
	}{
		{commercetools.ChangeName("Gold"), `{"action":"changeName","name":"Gold"}`},
		{commercetools.SetKey("gold"), `{"action":"setKey","key":"gold"}`},
		{commercetools.SetKey(""), `{"action":"setKey"}`},
		{commercetools.SetCustomType(&commercetools.TypeReference{Key: "t"}, map[string]any{"a": 1}),
			`{"action":"setCustomType","type":{"typeId":"type","key":"t"},"fields":{"a":1}}`},
		{commercetools.SetCustomType(nil, map[string]any{"ignored": 1}), `{"action":"setCustomType"}`},
		{commercetools.SetCustomField("a", "x"), `{"action":"setCustomField","name":"a","value":"x"}`},
		{commercetools.SetCustomField("a", nil), `{"action":"setCustomField","name":"a"}`},
	}
	for _, tt := range tests {
		b, err := json.Marshal(tt.action)
		if err != nil || string(b) != tt.want {
			t.Errorf("marshal = %s, %v; want %s", b, err, tt.want)
		}
	}
}

func TestCustomerNumbersInGroup(t *testing.T) {
	t.Parallel()
	e := setup(t, setupOpts{seed: seed.Options{Customers: 60, Groups: 5}})
	ids := seedGroupIDs(t, e)
	for gi, id := range ids {
		var want []string
		for _, c := range e.data.Customers {
			if slices.Contains(c.Groups, gi) {
				want = append(want, c.Number)
			}
		}
		got, err := e.client.CustomerNumbersInGroup(t.Context(), id)
		if err != nil {
			t.Fatalf("group %d: %v", gi, err)
		}
		if !slices.Equal(got, want) {
			t.Fatalf("group %d: got %v, want %v", gi, got, want)
		}
	}
	if got, err := e.client.CustomerNumbersInGroup(t.Context(), "no-such-group"); err != nil || len(got) != 0 {
		t.Fatalf("unknown group: %v %v", got, err)
	}
}
