package sim_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"custgraph/upstream/sim"
)

// noFaults is the Upstream of a bare route set: the latency tests inject no faults.
type noFaults struct{}

func (noFaults) Reset() {}

func (noFaults) WriteFault(w http.ResponseWriter, _ *http.Request, f sim.Fault) {
	w.WriteHeader(f.Status)
}

// latencyServer serves three routes whose handlers record when they ran: a GET, a POST named
// as a read, and a PATCH.
func latencyServer(t *testing.T, latency time.Duration) (*httptest.Server, *sim.Server, func(route string) (time.Time, bool)) {
	t.Helper()
	var mu sync.Mutex
	ran := map[string]time.Time{}
	mux := http.NewServeMux()
	for _, pattern := range []string{"GET /read", "POST /query", "PATCH /write"} {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			body, _ := io.ReadAll(r.Body)
			mu.Lock()
			ran[pattern] = time.Now()
			mu.Unlock()
			w.Header().Set("X-Route", pattern)
			w.WriteHeader(http.StatusAccepted)
			_, _ = w.Write([]byte(pattern + ":" + string(body)))
		})
	}
	srv := sim.NewServer(mux, noFaults{}, sim.Options{Latency: latency, Reads: []string{"POST /query"}})
	ts := httptest.NewServer(srv)
	t.Cleanup(ts.Close)
	return ts, srv, func(route string) (time.Time, bool) {
		mu.Lock()
		defer mu.Unlock()
		at, ok := ran[route]
		return at, ok
	}
}

// TestLatencyCoversReadWork: a read is worked on as soon as it arrives and answered when the
// latency has passed (its work is part of the latency, as a real upstream's is); a write is
// applied only after the latency. Either way the caller waits the whole latency, and gets the
// handler's status, headers and body unchanged.
func TestLatencyCoversReadWork(t *testing.T) {
	t.Parallel()
	const latency = 600 * time.Millisecond
	ts, _, ranAt := latencyServer(t, latency)
	for _, tc := range []struct {
		method, path, route string
		read                bool
	}{
		{http.MethodGet, "/read", "GET /read", true},
		{http.MethodPost, "/query", "POST /query", true},
		{http.MethodPatch, "/write", "PATCH /write", false},
	} {
		t.Run(tc.route, func(t *testing.T) {
			t.Parallel()
			req, err := http.NewRequestWithContext(t.Context(), tc.method, ts.URL+tc.path, strings.NewReader("x"))
			if err != nil {
				t.Fatal(err)
			}
			sent := time.Now()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			took := time.Since(sent)
			if resp.StatusCode != http.StatusAccepted || resp.Header.Get("X-Route") != tc.route || string(body) != tc.route+":x" {
				t.Fatalf("answer %d %q %q, want the handler's own", resp.StatusCode, resp.Header.Get("X-Route"), body)
			}
			if took < latency {
				t.Errorf("answered after %v, before the latency %v", took, latency)
			}
			at, ok := ranAt(tc.route)
			if !ok {
				t.Fatal("handler never ran")
			}
			worked := at.Sub(sent)
			if tc.read && worked >= latency/2 {
				t.Errorf("read worked on %v after it was sent, want at once (well before %v)", worked, latency)
			}
			if !tc.read && worked < latency {
				t.Errorf("write applied %v after it was sent, before the latency %v", worked, latency)
			}
			if tc.read && resp.ContentLength != int64(len(body)) {
				t.Errorf("Content-Length %d, want %d", resp.ContentLength, len(body))
			}
		})
	}
}

// TestCallerGoneBeforeLatency: a caller that gives up during the latency gets no answer and is
// counted as cancelled; a write it sent is never applied.
func TestCallerGoneBeforeLatency(t *testing.T) {
	t.Parallel()
	ts, srv, ranAt := latencyServer(t, 5*time.Second)
	for _, tc := range []struct{ method, path string }{{http.MethodGet, "/read"}, {http.MethodPatch, "/write"}} {
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		req, err := http.NewRequestWithContext(ctx, tc.method, ts.URL+tc.path, strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.DefaultClient.Do(req)
		cancel()
		if err == nil {
			resp.Body.Close()
			t.Fatalf("%s %s answered %d before the latency", tc.method, tc.path, resp.StatusCode)
		}
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("%s %s: %v", tc.method, tc.path, err)
		}
	}
	deadline := time.Now().Add(5 * time.Second)
	for srv.Stats().Cancelled < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if got := srv.Stats().Cancelled; got != 2 {
		t.Errorf("cancelled = %d, want 2", got)
	}
	if _, ok := ranAt("PATCH /write"); ok {
		t.Error("the write was applied although its caller had gone")
	}
}
