// Package health answers the liveness (/healthz) and readiness (/readyz) probes. Liveness says
// the process serves HTTP. Readiness says this replica should get traffic: it has started, it
// is not shutting down, and its dependencies answer (each upstream's probe and, when
// configured, Redis). Dependency results are cached for a few seconds so that probes from a
// load balancer or kubelet every second cost the upstreams one cheap request per interval, not
// one per probe. It never reports error details or URLs in responses (they go to the log).
package health

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Check is one dependency's probe: nil when it is usable.
type Check struct {
	Name  string
	Probe func(ctx context.Context) error
}

// Options configure a Checker.
type Options struct {
	Checks []Check
	// CacheFor is how long dependency results are reused. 0 = 5 s.
	CacheFor time.Duration
	// Timeout bounds one round of probes (run in parallel). 0 = 2 s.
	Timeout time.Duration
	// Logger receives one line when a dependency's state changes. Nil: discard.
	Logger *slog.Logger
}

// Checker tracks readiness. It starts not ready: call Started once the server accepts
// connections and ShuttingDown when shutdown begins. It is safe for concurrent use.
type Checker struct {
	checks   []Check
	cacheFor time.Duration
	timeout  time.Duration
	log      *slog.Logger

	started  atomic.Bool
	stopping atomic.Bool

	mu      sync.Mutex // held while probing: concurrent readiness requests share one round
	checked time.Time
	results map[string]error
}

// New returns a Checker over opts.Checks.
func New(opts Options) *Checker {
	if opts.CacheFor <= 0 {
		opts.CacheFor = 5 * time.Second
	}
	if opts.Timeout <= 0 {
		opts.Timeout = 2 * time.Second
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.DiscardHandler)
	}
	return &Checker{checks: slices.Clone(opts.Checks), cacheFor: opts.CacheFor, timeout: opts.Timeout,
		log: opts.Logger, results: map[string]error{}}
}

// Started marks the server as accepting connections.
func (c *Checker) Started() { c.started.Store(true) }

// ShuttingDown makes readiness fail from now on, so load balancers stop sending new requests
// while the in-flight ones drain.
func (c *Checker) ShuttingDown() { c.stopping.Store(true) }

// Status is a readiness answer.
type Status struct {
	Ready bool `json:"ready"`
	// Reason says why not ready: "starting", "shutting down" or "dependencies".
	Reason string `json:"reason,omitempty"`
	// Checks maps each dependency to "ok" or "unavailable".
	Checks map[string]string `json:"checks,omitempty"`
}

// Ready probes the dependencies (or reuses results younger than CacheFor) and reports.
func (c *Checker) Ready(ctx context.Context) Status {
	switch {
	case c.stopping.Load():
		return Status{Reason: "shutting down"}
	case !c.started.Load():
		return Status{Reason: "starting"}
	}
	results := c.probe(ctx)
	st := Status{Ready: true, Checks: make(map[string]string, len(results))}
	for name, err := range results {
		st.Checks[name] = "ok"
		if err != nil {
			st.Checks[name] = "unavailable"
			st.Ready, st.Reason = false, "dependencies"
		}
	}
	if c.stopping.Load() { // shutdown began while probing
		return Status{Reason: "shutting down"}
	}
	return st
}

func (c *Checker) probe(ctx context.Context) map[string]error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if !c.checked.IsZero() && time.Since(c.checked) < c.cacheFor {
		return c.results
	}
	// A probe round outlives a caller that gives up: its result serves the next caller.
	pctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.timeout)
	defer cancel()
	errs := make([]error, len(c.checks))
	var wg sync.WaitGroup
	for i, ch := range c.checks {
		wg.Go(func() {
			errs[i] = ch.Probe(pctx)
			if errs[i] == nil && pctx.Err() != nil {
				errs[i] = pctx.Err()
			}
		})
	}
	wg.Wait()
	results := make(map[string]error, len(c.checks))
	for i, ch := range c.checks {
		results[ch.Name] = errs[i]
		prev, seen := c.results[ch.Name]
		switch {
		case errs[i] != nil && (!seen || prev == nil):
			c.log.WarnContext(ctx, "readiness: dependency unavailable", "dependency", ch.Name, "error", errs[i].Error())
		case errs[i] == nil && seen && prev != nil:
			c.log.InfoContext(ctx, "readiness: dependency available again", "dependency", ch.Name)
		}
	}
	c.results, c.checked = results, time.Now()
	return results
}

// LiveHandler answers /healthz: 200 while the process serves HTTP.
func LiveHandler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		_, _ = w.Write([]byte("ok\n"))
	})
}

// ServeHTTP answers /readyz: 200 with {"ready": true, ...} or 503 with the reason and which
// dependency is unavailable.
func (c *Checker) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := c.Ready(r.Context())
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if !st.Ready {
		w.WriteHeader(http.StatusServiceUnavailable)
	}
	_ = json.NewEncoder(w).Encode(st)
}

// HTTPProbe checks that an upstream answers HTTP at target: any status below 500 (401, 404 and
// 405 included: the probe carries no credentials) means reachable; a 5xx or no answer means
// not. It sends one HEAD request, which costs no quota at the vendors and needs no token.
func HTTPProbe(client *http.Client, target string) func(ctx context.Context) error {
	if client == nil {
		client = http.DefaultClient
	}
	return func(ctx context.Context) error {
		req, err := http.NewRequestWithContext(ctx, http.MethodHead, target, nil)
		if err != nil {
			return fmt.Errorf("probe request: %w", err)
		}
		req.Header.Set("User-Agent", "custgraph-readiness")
		resp, err := client.Do(req)
		if err != nil {
			var ue *url.Error
			if errors.As(err, &ue) {
				err = ue.Err // the transport error without the URL
			}
			return fmt.Errorf("no answer: %w", err)
		}
		resp.Body.Close()
		if resp.StatusCode >= 500 {
			return fmt.Errorf("answered %d", resp.StatusCode)
		}
		return nil
	}
}
