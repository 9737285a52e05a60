package sim_test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"testing"

	"custgraph/simstack"
	"custgraph/simstack/simstacktest"
	"custgraph/upstream/sim"
)

// TestAdminSurfaceOverHTTP drives a simulator's /_sim endpoints over a real socket as the
// README and the load tool do: faults read back as set, an empty object clears them, bad
// settings are refused, stats count contract requests by route, and reset zeroes them.
func TestAdminSurfaceOverHTTP(t *testing.T) {
	t.Parallel()
	stack := simstacktest.Start(t, simstack.Options{})
	base := stack.URL + simstack.SalesPrefix
	call := func(method, path string, body string, v any) int {
		t.Helper()
		req, err := http.NewRequestWithContext(t.Context(), method, base+path, bytes.NewBufferString(body))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		raw, _ := io.ReadAll(resp.Body)
		if v != nil {
			if err := json.Unmarshal(raw, v); err != nil {
				t.Fatalf("%s %s: %v: %s", method, path, err, raw)
			}
		}
		return resp.StatusCode
	}

	var f sim.Faults
	if code := call(http.MethodPost, "/_sim/faults", `{"error_rate": 1, "error_status": 503, "retry_after_s": 2}`, &f); code != http.StatusOK {
		t.Fatalf("POST faults: %d", code)
	}
	var got sim.Faults
	call(http.MethodGet, "/_sim/faults", "", &got)
	if got != (sim.Faults{ErrorRate: 1, ErrorStatus: 503, RetryAfterS: 2}) {
		t.Errorf("GET faults = %+v", got)
	}
	// A contract request now fails as set, and is counted.
	if code := call(http.MethodGet, "/v1/sales/customers", "", nil); code != http.StatusServiceUnavailable {
		t.Errorf("with error_rate 1: status %d, want 503", code)
	}
	var cleared map[string]any
	if code := call(http.MethodPost, "/_sim/faults", `{}`, &cleared); code != http.StatusOK {
		t.Errorf("POST {}: %d %v", code, cleared)
	}
	var now sim.Faults // a fresh value: decoding {} into got would keep its old fields
	call(http.MethodGet, "/_sim/faults", "", &now)
	if now != (sim.Faults{}) {
		t.Errorf("after {}: faults %+v, want none", now)
	}
	for _, bad := range []string{`{"error_rate": 2}`, `{"error_status": 200}`, `{"latency_ms": -1}`, `{"nope": 1}`, `not json`} {
		var e struct{ Error string }
		if code := call(http.MethodPost, "/_sim/faults", bad, &e); code != http.StatusBadRequest || e.Error == "" {
			t.Errorf("POST faults %s: %d %q, want 400 with a reason", bad, code, e.Error)
		}
	}

	var st sim.Stats
	call(http.MethodGet, "/_sim/stats", "", &st)
	if st.Requests < 1 || st.Routes["GET /v1/sales/customers"] < 1 {
		t.Errorf("stats after one contract request: %+v", st)
	}
	var reset map[string]bool
	if code := call(http.MethodPost, "/_sim/reset", "", &reset); code != http.StatusOK || !reset["reset"] {
		t.Errorf("POST reset: %d %v", code, reset)
	}
	var after sim.Stats
	call(http.MethodGet, "/_sim/stats", "", &after)
	if after.Requests != 0 || len(after.Routes) != 0 {
		t.Errorf("stats after reset: %+v", after)
	}
	if code := call(http.MethodGet, "/_sim/nope", "", nil); code != http.StatusNotFound {
		t.Errorf("unknown admin endpoint: %d, want 404", code)
	}
}
