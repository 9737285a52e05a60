package rest_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"custgraph/upstream"
	"custgraph/upstream/rest"
)

// server is an httptest upstream that counts requests and the most it had in flight at once.
type server struct {
	*httptest.Server
	hits, inFlight, maxInFlight atomic.Int64
}

func newServer(t *testing.T, h http.HandlerFunc) *server {
	t.Helper()
	s := &server{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.hits.Add(1)
		n := s.inFlight.Add(1)
		defer s.inFlight.Add(-1)
		for {
			m := s.maxInFlight.Load()
			if n <= m || s.maxInFlight.CompareAndSwap(m, n) {
				break
			}
		}
		h(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func status(code int) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(code)
		_, _ = w.Write([]byte(`{}`))
	}
}

func newPolicy(t *testing.T, cfg rest.PolicyConfig) *rest.Policy {
	t.Helper()
	p, err := rest.NewPolicy("up", cfg)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func newClient(t *testing.T, base string, p *rest.Policy, attempts int, auth rest.Authenticator) *rest.Client {
	t.Helper()
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	hc := &http.Client{Transport: tr}
	t.Cleanup(hc.CloseIdleConnections)
	c, err := rest.New(rest.Config{Upstream: "up", BaseURL: base, HTTPClient: hc, Policy: p, Auth: auth,
		Retry: &rest.RetryPolicy{MaxAttempts: attempts, BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func get(ctx context.Context, c *rest.Client) error {
	_, err := c.Do(ctx, rest.Request{Method: http.MethodGet, Path: "/x", Retryable: true}, nil)
	return err
}

func wantUpstream(t *testing.T, err error, kind upstream.Kind, code string) {
	t.Helper()
	ue := upstream.As(err)
	if ue == nil || ue.Kind != kind || ue.Code != code || ue.Upstream != "up" {
		t.Fatalf("error %v, want %s %q from up", err, kind, code)
	}
}

func TestNewPolicyRefusesNegativeSettings(t *testing.T) {
	t.Parallel()
	for _, cfg := range []rest.PolicyConfig{{Timeout: -1}, {MaxConcurrent: -1}, {BreakerFailures: -1}, {BreakerCooldown: -1}} {
		if _, err := rest.NewPolicy("up", cfg); err == nil {
			t.Errorf("%+v accepted", cfg)
		}
	}
	if _, err := rest.NewPolicy("", rest.PolicyConfig{}); err == nil {
		t.Error("a policy without an upstream name was accepted")
	}
}

// TestConcurrencyLimitQueues: 40 calls through a policy of 3 slots reach the upstream at most 3 at
// a time, and every call succeeds: the surplus waits instead of failing.
func TestConcurrencyLimitQueues(t *testing.T) {
	t.Parallel()
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
		status(http.StatusOK)(w, r)
	})
	p := newPolicy(t, rest.PolicyConfig{MaxConcurrent: 3})
	c := newClient(t, s.URL, p, 1, nil)
	var wg sync.WaitGroup
	errs := make([]error, 40)
	for i := range errs {
		wg.Go(func() { errs[i] = get(t.Context(), c) })
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	if m := s.maxInFlight.Load(); m > 3 || m < 2 {
		t.Fatalf("upstream saw %d requests at once, want at most 3 (and the slots used)", m)
	}
	if st := p.Stats(); st.InFlight != 0 || st.Waiting != 0 {
		t.Fatalf("after the burst: %+v", st)
	}
}

// TestQueuedCallerGivesUp: a call waiting for a slot ends with its context, never reaches the
// upstream, and does not count against the breaker.
func TestQueuedCallerGivesUp(t *testing.T) {
	t.Parallel()
	release := make(chan struct{})
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		status(http.StatusOK)(w, r)
	})
	p := newPolicy(t, rest.PolicyConfig{MaxConcurrent: 1, BreakerFailures: 1})
	c := newClient(t, s.URL, p, 1, nil)
	first := make(chan error, 1)
	go func() { first <- get(t.Context(), c) }()
	for s.hits.Load() == 0 {
		time.Sleep(time.Millisecond)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	if err := get(ctx, c); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("queued call: %v, want its own deadline", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if s.hits.Load() != 1 || p.State() != rest.BreakerClosed || p.Stats().Waiting != 0 {
		t.Fatalf("%d requests, breaker %s, %+v", s.hits.Load(), p.State(), p.Stats())
	}
}

// TestAttemptTimeout: an attempt that gets no answer in time is an upstream timeout, retried
// when the call may be repeated and sent once when not.
func TestAttemptTimeout(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name      string
		retryable bool
		wantHits  int64
		wantErr   bool
	}{
		{"read is retried after a hung attempt", true, 2, false},
		{"write without key is sent once", false, 1, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			var n atomic.Int64
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				_, _ = io.Copy(io.Discard, r.Body) // a read body lets the server notice the client leaving
				if n.Add(1) == 1 {
					<-r.Context().Done() // the first attempt hangs until the client gives up
					return
				}
				status(http.StatusOK)(w, r)
			})
			c := newClient(t, s.URL, newPolicy(t, rest.PolicyConfig{Timeout: 50 * time.Millisecond}), 3, nil)
			_, err := c.Do(t.Context(), rest.Request{Method: http.MethodPatch, Path: "/x", JSON: map[string]int{"a": 1},
				Retryable: tc.retryable}, nil)
			if tc.wantErr {
				wantUpstream(t, err, upstream.KindUnavailable, rest.CodeTimeout)
				if errors.Is(err, context.DeadlineExceeded) {
					t.Fatal("an attempt timeout must not read as the caller's deadline")
				}
			} else if err != nil {
				t.Fatal(err)
			}
			if s.hits.Load() != tc.wantHits {
				t.Fatalf("%d requests, want %d", s.hits.Load(), tc.wantHits)
			}
		})
	}
}

// TestBreakerOpensFailsFastAndRecovers: consecutive 503s open the breaker; while open, calls fail
// with circuit_open without reaching the upstream; after the cool-down one probe goes through and
// its success closes the breaker.
func TestBreakerOpensFailsFastAndRecovers(t *testing.T) {
	t.Parallel()
	var down atomic.Bool
	down.Store(true)
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if down.Load() {
			status(http.StatusServiceUnavailable)(w, r)
			return
		}
		status(http.StatusOK)(w, r)
	})
	var mu sync.Mutex
	var changes []string
	p := newPolicy(t, rest.PolicyConfig{BreakerFailures: 4, BreakerCooldown: 150 * time.Millisecond,
		OnStateChange: func(name string, from, to rest.BreakerState) {
			mu.Lock()
			changes = append(changes, name+":"+from.String()+">"+to.String())
			mu.Unlock()
		}})
	c := newClient(t, s.URL, p, 2, nil)

	// Two calls of two attempts each: four consecutive failures.
	for range 2 {
		wantUpstream(t, get(t.Context(), c), upstream.KindUnavailable, "")
	}
	if p.State() != rest.BreakerOpen || s.hits.Load() != 4 {
		t.Fatalf("breaker %s after %d requests, want open after 4", p.State(), s.hits.Load())
	}
	for range 5 {
		wantUpstream(t, get(t.Context(), c), upstream.KindUnavailable, rest.CodeCircuitOpen)
	}
	// A write is refused the same way: not sent, so never applied.
	_, err := c.Do(t.Context(), rest.Request{Method: http.MethodPost, Path: "/x", JSON: 1}, nil)
	wantUpstream(t, err, upstream.KindUnavailable, rest.CodeCircuitOpen)
	if s.hits.Load() != 4 {
		t.Fatalf("an open breaker let %d requests through", s.hits.Load()-4)
	}

	// Still down after the cool-down: the probe fails and the breaker opens again.
	time.Sleep(200 * time.Millisecond)
	if p.State() != rest.BreakerHalfOpen {
		t.Fatalf("after the cool-down: %s", p.State())
	}
	// The probe fails, and its retry meets the re-opened breaker.
	wantUpstream(t, get(t.Context(), c), upstream.KindUnavailable, rest.CodeCircuitOpen)
	if p.State() != rest.BreakerOpen || s.hits.Load() != 5 {
		t.Fatalf("failed probe: breaker %s after %d requests", p.State(), s.hits.Load())
	}

	down.Store(false)
	time.Sleep(200 * time.Millisecond)
	if err := get(t.Context(), c); err != nil {
		t.Fatal(err)
	}
	if p.State() != rest.BreakerClosed {
		t.Fatalf("after a good probe: %s", p.State())
	}
	mu.Lock()
	defer mu.Unlock()
	want := []string{"up:closed>open", "up:open>half-open", "up:half-open>open", "up:open>half-open", "up:half-open>closed"}
	if !slices.Equal(changes, want) {
		t.Fatalf("transitions %q, want %q", changes, want)
	}
}

// TestBreakerCountsOnlyOutages: answers that prove the upstream alive (404, 400, 429) and calls
// the caller abandoned never open the breaker, even with a threshold of one.
func TestBreakerCountsOnlyOutages(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		h      http.HandlerFunc
		cancel bool
	}{
		{"404", status(http.StatusNotFound), false},
		{"400", status(http.StatusBadRequest), false},
		{"429", status(http.StatusTooManyRequests), false},
		{"caller gone", func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := newServer(t, tc.h)
			p := newPolicy(t, rest.PolicyConfig{BreakerFailures: 1})
			c := newClient(t, s.URL, p, 1, nil)
			for range 3 {
				ctx := t.Context()
				if tc.cancel {
					var cancel context.CancelFunc
					ctx, cancel = context.WithTimeout(ctx, 20*time.Millisecond)
					defer cancel()
				}
				if err := get(ctx, c); err == nil {
					t.Fatal("want an error")
				}
			}
			if p.State() != rest.BreakerClosed || s.hits.Load() != 3 {
				t.Fatalf("breaker %s after %d requests", p.State(), s.hits.Load())
			}
		})
	}
}

// TestRefusedTokenIsFetchedOncePerCall: when the token endpoint refuses the credentials, a call
// costs one token request, not two; a token the API refuses (revoked) is still replaced once.
func TestRefusedTokenIsFetchedOncePerCall(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name                  string
		tokenStatus           int
		apiRefusesFirst       bool
		wantErr               bool
		wantTokenHits, apiHit int64
	}{
		{"credentials refused", http.StatusUnauthorized, false, true, 1, 0},
		{"token revoked upstream", http.StatusOK, true, false, 2, 2},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			tokens := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if tc.tokenStatus != http.StatusOK {
					status(tc.tokenStatus)(w, r)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				_, _ = w.Write([]byte(`{"access_token":"t","expires_in":3600}`))
			})
			var apiCalls atomic.Int64
			api := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				if apiCalls.Add(1) == 1 && tc.apiRefusesFirst {
					status(http.StatusUnauthorized)(w, r)
					return
				}
				status(http.StatusOK)(w, r)
			})
			tc1 := newClient(t, tokens.URL, nil, 3, nil)
			fetch := func(ctx context.Context) (*oauth2.Token, error) {
				var body struct {
					AccessToken string `json:"access_token"`
				}
				if _, err := tc1.Do(ctx, rest.Request{Method: http.MethodPost, Path: "/token", Retryable: true}, &body); err != nil {
					return nil, err
				}
				return &oauth2.Token{AccessToken: body.AccessToken, Expiry: time.Now().Add(time.Hour)}, nil
			}
			c := newClient(t, api.URL, newPolicy(t, rest.PolicyConfig{BreakerFailures: 1}), 3, rest.NewTokenAuth(fetch))
			err := get(t.Context(), c)
			if tc.wantErr {
				wantUpstream(t, err, upstream.KindUnauthorized, "")
			} else if err != nil {
				t.Fatal(err)
			}
			if tokens.hits.Load() != tc.wantTokenHits || api.hits.Load() != tc.apiHit {
				t.Fatalf("%d token and %d API requests, want %d and %d", tokens.hits.Load(), api.hits.Load(),
					tc.wantTokenHits, tc.apiHit)
			}
		})
	}
}

// TestBreakerNeedsAFailingMajority: a run of failures among mostly good answers (what a flaky
// upstream produces under concurrency) does not open the breaker; once failures are the
// majority of the last seconds, the same run does.
func TestBreakerNeedsAFailingMajority(t *testing.T) {
	t.Parallel()
	var failing atomic.Bool
	s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
		if failing.Load() {
			status(http.StatusServiceUnavailable)(w, r)
			return
		}
		status(http.StatusOK)(w, r)
	})
	p := newPolicy(t, rest.PolicyConfig{BreakerFailures: 5, BreakerCooldown: time.Minute})
	c := newClient(t, s.URL, p, 1, nil)
	for range 12 {
		if err := get(t.Context(), c); err != nil {
			t.Fatal(err)
		}
	}
	failing.Store(true)
	for i := range 12 {
		_ = get(t.Context(), c)
		if i < 11 && p.State() != rest.BreakerClosed {
			t.Fatalf("open after %d failures among 12 successes", i+1)
		}
	}
	if p.State() != rest.BreakerOpen {
		t.Fatalf("12 failures after 12 successes: breaker %s, want open", p.State())
	}
}
