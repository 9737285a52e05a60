package health

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"
)

// upstream is a real HTTP server answering status and counting requests.
func upstream(t *testing.T, status *atomic.Int32, hits *atomic.Int32) string {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Method != http.MethodHead {
			t.Errorf("probe used %s, want HEAD", r.Method)
		}
		w.WriteHeader(int(status.Load()))
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func get(t *testing.T, url string) (int, Status) {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var st Status
	if err := json.NewDecoder(resp.Body).Decode(&st); err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, st
}

func TestReadiness(t *testing.T) {
	t.Parallel()
	var status, hits atomic.Int32
	status.Store(http.StatusUnauthorized) // no credentials on a probe: still reachable
	up := upstream(t, &status, &hits)
	dead := httptest.NewServer(http.NotFoundHandler())
	deadURL := dead.URL
	dead.Close() // connection refused from now on

	c := New(Options{CacheFor: 200 * time.Millisecond, Checks: []Check{{Name: "api", Probe: HTTPProbe(nil, up+"/")}}})
	srv := httptest.NewServer(c)
	t.Cleanup(srv.Close)

	code, st := get(t, srv.URL)
	if code != http.StatusServiceUnavailable || st.Reason != "starting" {
		t.Fatalf("before Started: %d %+v", code, st)
	}
	c.Started()
	code, st = get(t, srv.URL)
	if code != http.StatusOK || !st.Ready || st.Checks["api"] != "ok" {
		t.Fatalf("upstream answering 401: %d %+v", code, st)
	}
	// Within CacheFor the result is reused: no second probe.
	get(t, srv.URL)
	if n := hits.Load(); n != 1 {
		t.Errorf("%d probes within the cache interval, want 1", n)
	}

	status.Store(http.StatusServiceUnavailable)
	waitFor(t, func() bool { code, _ := get(t, srv.URL); return code == http.StatusServiceUnavailable })
	_, st = get(t, srv.URL)
	if st.Ready || st.Reason != "dependencies" || st.Checks["api"] != "unavailable" {
		t.Errorf("upstream answering 503: %+v", st)
	}
	status.Store(http.StatusNotFound)
	waitFor(t, func() bool { code, _ := get(t, srv.URL); return code == http.StatusOK })

	c.ShuttingDown()
	code, st = get(t, srv.URL)
	if code != http.StatusServiceUnavailable || st.Reason != "shutting down" {
		t.Errorf("shutting down: %d %+v", code, st)
	}

	// No answer at all.
	c2 := New(Options{Checks: []Check{{Name: "gone", Probe: HTTPProbe(nil, deadURL+"/")}}})
	c2.Started()
	if st := c2.Ready(t.Context()); st.Ready || st.Checks["gone"] != "unavailable" {
		t.Errorf("unreachable upstream: %+v", st)
	}
}

func TestLiveHandler(t *testing.T) {
	t.Parallel()
	srv := httptest.NewServer(LiveHandler())
	t.Cleanup(srv.Close)
	resp, err := http.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz: %d", resp.StatusCode)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5s")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
