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
	"time"

	"custgraph/upstream/seed"
)

// fixedNow pins lastModifiedAt/createdAt of writes so their answers can be golden.
var fixedNow = time.Date(2025, 6, 1, 12, 0, 0, 0, time.UTC)

type harness struct {
	sim   *Simulator
	srv   *httptest.Server
	hc    *http.Client
	token string
}

func newHarness(t *testing.T, o seed.Options) *harness {
	t.Helper()
	s := New(Options{Seed: seed.Generate(o)})
	s.now = func() time.Time { return fixedNow }
	srv := httptest.NewServer(s)
	tr := &http.Transport{}
	t.Cleanup(func() {
		srv.Close()
		tr.CloseIdleConnections()
	})
	h := &harness{sim: s, srv: srv, hc: &http.Client{Transport: tr, Timeout: 10 * time.Second}}
	h.token = h.fetchToken(t, "manage_project:"+DefaultProjectKey)
	return h
}

// fetchToken asks the token endpoint for scope and returns the access token.
func (h *harness) fetchToken(t *testing.T, scope string) string {
	t.Helper()
	status, _, body := h.tokenRequest(t, sandboxClientID, sandboxClientSecret, url.Values{
		"grant_type": {"client_credentials"}, "scope": {scope}})
	if status != http.StatusOK {
		t.Fatalf("token: %d %s", status, body)
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); err != nil {
		t.Fatal(err)
	}
	return tok.AccessToken
}

func (h *harness) tokenRequest(t *testing.T, id, secret string, form url.Values) (int, http.Header, []byte) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, h.srv.URL+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(id, secret)
	}
	return h.send(t, req)
}

// do sends an API request with the harness token; path is relative to the project.
func (h *harness) do(t *testing.T, method, path string, body any) (int, http.Header, []byte) {
	t.Helper()
	return h.doToken(t, h.token, method, "/"+DefaultProjectKey+path, body)
}

func (h *harness) doToken(t *testing.T, token, method, path string, body any) (int, http.Header, []byte) {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, h.srv.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	return h.send(t, req)
}

func (h *harness) send(t *testing.T, req *http.Request) (int, http.Header, []byte) {
	t.Helper()
	resp, err := h.hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

// errorCode returns errors[0].code of an error body.
func errorCode(t *testing.T, body []byte) string {
	t.Helper()
	var e errorResponse
	if err := json.Unmarshal(body, &e); err != nil || len(e.Errors) == 0 {
		t.Fatalf("not an error body: %s", body)
	}
	return e.Errors[0].Code
}
