package rest_test

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"custgraph/upstream"
	"custgraph/upstream/rest"
)

// TestCallerBearer: the caller's token goes out as the bearer token; without one the call is
// not sent at all (never with some other credential).
func TestCallerBearer(t *testing.T) {
	t.Parallel()
	var calls atomic.Int64
	var seen atomic.Value
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		seen.Store(r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	c, err := rest.New(rest.Config{Upstream: "sales", BaseURL: srv.URL, Auth: rest.CallerBearer{}})
	if err != nil {
		t.Fatal(err)
	}
	req := rest.Request{Method: http.MethodGet, Path: "customers"}
	if _, err := c.Do(rest.WithCallerToken(t.Context(), "caller-token"), req, nil); err != nil {
		t.Fatal(err)
	}
	if seen.Load() != "Bearer caller-token" || calls.Load() != 1 {
		t.Errorf("sent %q in %d calls", seen.Load(), calls.Load())
	}
	_, err = c.Do(t.Context(), req, nil)
	if ue := upstream.As(err); ue == nil || ue.Kind != upstream.KindUnauthorized || !errors.Is(err, rest.ErrNoCallerToken) {
		t.Errorf("without a caller token: %v", err)
	}
	if calls.Load() != 1 {
		t.Errorf("a call without a caller token was sent")
	}
}
