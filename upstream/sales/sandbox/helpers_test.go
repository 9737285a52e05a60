package sandbox

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"custgraph/upstream/seed"
)

// testSim is a Simulator behind a real socket.
type testSim struct {
	*Simulator
	srv *httptest.Server
}

func newTestSim(t *testing.T, customers int) *testSim {
	t.Helper()
	s := New(Options{Seed: seed.Generate(seed.Options{Customers: customers})})
	srv := httptest.NewServer(s)
	t.Cleanup(srv.Close)
	return &testSim{Simulator: s, srv: srv}
}

type response struct {
	status int
	header http.Header
	body   []byte
}

// call sends one request with the sandbox key (auth false: none).
func (ts *testSim) call(t *testing.T, method, path string, body string, header ...string) response {
	t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, ts.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+APIKey)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(header); i += 2 {
		if header[i+1] == "" {
			req.Header.Del(header[i])
		} else {
			req.Header.Set(header[i], header[i+1])
		}
	}
	resp, err := ts.srv.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, b}
}

func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

// errorOf returns the error body's fields.
func (r response) errorOf(t *testing.T) wireErrorBody {
	t.Helper()
	var e wireError
	r.decode(t, &e)
	return e.Error
}

// wantError checks status, code and param of an error answer.
func (r response) wantError(t *testing.T, status int, code, param string) {
	t.Helper()
	if r.status != status {
		t.Fatalf("status %d, want %d: %s", r.status, status, r.body)
	}
	e := r.errorOf(t)
	if e.Code != code || e.Param != param {
		t.Fatalf("error code %q param %q, want %q %q: %s", e.Code, e.Param, code, param, r.body)
	}
}

func includeAll() string {
	var q []string
	for _, n := range []string{"credit_limit", "contact_info", "freight_preferences", "defaults",
		"notification_preferences", "bill_to_address", "ship_to_address", "type", "price_groups",
		"parent_account", "child_accounts"} {
		q = append(q, "include[]="+n)
	}
	return strings.Join(q, "&")
}

func indentJSON(t *testing.T, b []byte) []byte {
	t.Helper()
	var out bytes.Buffer
	if err := json.Indent(&out, bytes.TrimSpace(b), "", "  "); err != nil {
		t.Fatalf("indent %s: %v", b, err)
	}
	out.WriteByte('\n')
	return out.Bytes()
}

// listPage is the decoded list object the tests look at.
type listPage struct {
	Object   string `json:"object"`
	PageInfo struct {
		NextCursor  *string `json:"next_cursor"`
		PrevCursor  *string `json:"prev_cursor"`
		HasNextPage bool    `json:"has_next_page"`
		HasPrevPage bool    `json:"has_prev_page"`
	} `json:"page_info"`
	Data []map[string]any `json:"data"`
}

func esc(s string) string { return url.QueryEscape(s) }
