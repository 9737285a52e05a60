package rest_test

import (
	"net/http"
	"strconv"
	"strings"
	"testing"

	"custgraph/upstream"
	"custgraph/upstream/rest"
)

// TestSuccessBodies: a 2xx answer is decoded as it is read; a blank one leaves the target as it
// was; a malformed or truncated JSON document is invalid_response; a connection that breaks
// mid-body is an outage of the upstream, not a bad answer. None of these is retried as a
// success.
func TestSuccessBodies(t *testing.T) {
	t.Parallel()
	page := `{"results":[` + strings.Repeat(`{"id":"g","name":"n"},`, 4000) + `{"id":"last","name":"n"}],"total":4001}`
	for _, tc := range []struct {
		name     string
		body     string
		declared int // Content-Length to declare; 0 = the body's own
		fails    bool
		wantKind upstream.Kind
		wantCode string
		wantIDs  int
	}{
		{name: "page of 4001 (read in many pieces)", body: page, wantIDs: 4001},
		{name: "empty", body: ""},
		{name: "blank", body: " \n\t "},
		{name: "truncated JSON", fails: true, body: `{"results":[{"id":"g"`, wantKind: upstream.KindUnavailable, wantCode: "invalid_response"},
		{name: "trailing garbage", fails: true, body: `{"results":[]} x`, wantKind: upstream.KindUnavailable, wantCode: "invalid_response"},
		{name: "not JSON", fails: true, body: `<html>`, wantKind: upstream.KindUnavailable, wantCode: "invalid_response"},
		{name: "connection breaks mid-body", fails: true, body: page[:20000], declared: len(page), wantKind: upstream.KindUnavailable},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			srv := newServer(t, func(w http.ResponseWriter, _ *http.Request) {
				n := tc.declared
				if n == 0 {
					n = len(tc.body)
				}
				w.Header().Set("Content-Type", "application/json")
				w.Header().Set("Content-Length", strconv.Itoa(n))
				_, _ = w.Write([]byte(tc.body)) // a short write: net/http closes the connection
			})
			c := newClient(t, srv.URL, nil, 1, nil)
			out := struct {
				Results []struct{ ID string } `json:"results"`
				Total   int                   `json:"total"`
			}{Total: -1}
			_, err := c.Do(t.Context(), rest.Request{Method: http.MethodGet, Path: "/x"}, &out)
			if tc.fails {
				ue := upstream.As(err)
				if ue == nil || ue.Kind != tc.wantKind || ue.Code != tc.wantCode || ue.Upstream != "up" {
					t.Fatalf("error %v, want %s %q from up", err, tc.wantKind, tc.wantCode)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(out.Results) != tc.wantIDs {
				t.Fatalf("decoded %d results, want %d", len(out.Results), tc.wantIDs)
			}
			if tc.wantIDs == 0 && out.Total != -1 {
				t.Errorf("a blank body changed the target: total %d", out.Total)
			}
			if tc.wantIDs > 0 && (out.Results[tc.wantIDs-1].ID != "last" || out.Total != 4001) {
				t.Errorf("last result %q, total %d", out.Results[tc.wantIDs-1].ID, out.Total)
			}
		})
	}
}
