package gateway

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"custgraph/config"
	"custgraph/upstream/commercetools"
	"custgraph/upstream/netsuite"
	"custgraph/upstream/rest"
	"custgraph/upstream/sales"
)

// Resilience is what the gateway imposes on each upstream: a shared rest.Policy (attempt
// timeout, concurrency limit that queues, circuit breaker) and the retry setting. Build it once
// per process, so every client of an upstream shares the limit and the breaker.
type Resilience struct {
	NetSuite, Commercetools, Sales UpstreamPolicy
}

// UpstreamPolicy is one upstream's share of Resilience. A nil Policy imposes nothing; a nil
// Retry is rest.DefaultRetry.
type UpstreamPolicy struct {
	Policy *rest.Policy
	Retry  *rest.RetryPolicy
}

// NewResilience builds the three policies from their settings. onState, when set, is called on
// every breaker transition (a metrics hook; it must be quick).
func NewResilience(cfg config.Resilience, log *slog.Logger, onState func(upstream string, from, to rest.BreakerState)) (Resilience, error) {
	build := func(name, env string, c config.UpstreamPolicy) (UpstreamPolicy, error) {
		p, err := rest.NewPolicy(name, rest.PolicyConfig{Timeout: c.Timeout, MaxConcurrent: c.MaxConcurrent,
			BreakerFailures: c.BreakerFailures, BreakerCooldown: c.BreakerCooldown, OnStateChange: onState, Logger: log})
		if err != nil {
			return UpstreamPolicy{}, fmt.Errorf("%s_*: %w", env, err)
		}
		retry := rest.DefaultRetry
		retry.MaxAttempts = c.Retries + 1
		return UpstreamPolicy{Policy: p, Retry: &retry}, nil
	}
	var r Resilience
	var err error
	if r.NetSuite, err = build("netsuite", "CUSTGRAPH_NETSUITE", cfg.NetSuite); err != nil {
		return r, err
	}
	if r.Commercetools, err = build("commercetools", "CUSTGRAPH_COMMERCETOOLS", cfg.Commercetools); err != nil {
		return r, err
	}
	if r.Sales, err = build("sales", "CUSTGRAPH_SALES", cfg.Sales); err != nil {
		return r, err
	}
	return r, nil
}

// Policies returns the policies by upstream name, for metrics and readiness (Policy.Stats).
func (r Resilience) Policies() map[string]*rest.Policy {
	return map[string]*rest.Policy{"netsuite": r.NetSuite.Policy, "commercetools": r.Commercetools.Policy,
		"sales": r.Sales.Policy}
}

// UpstreamOption adjusts the three clients' configurations before SandboxUpstreams or
// ConfiguredUpstreams builds them.
type UpstreamOption func(ns *netsuite.Config, ct *commercetools.Config, sl *sales.Config)

// Option applies r to the clients.
func (r Resilience) Option() UpstreamOption {
	return func(ns *netsuite.Config, ct *commercetools.Config, sl *sales.Config) {
		ns.Policy, ns.Retry = r.NetSuite.Policy, r.NetSuite.Retry
		ct.Policy, ct.Retry = r.Commercetools.Policy, r.Commercetools.Retry
		sl.Policy, sl.Retry = r.Sales.Policy, r.Sales.Retry
	}
}

// budgetReserve is the part of the request budget kept for finishing the answer after the
// upstream deadline (resolving the failed fields, encoding, writing, on a busy machine): a fifth
// of it, at most 500 ms.
func budgetReserve(budget time.Duration) time.Duration {
	return min(budget/5, 500*time.Millisecond)
}

// withBudget bounds the upstream work of one GraphQL request. Everything below runs under a
// context that ends when the budget (less a reserve for the answer) has passed: loader batches
// inherit it from the first Load of their window, resolvers' direct client calls from their
// field's context, the policy's queueing and retries from the call's. A field still waiting
// then fails with an error naming its upstream; the rest of the response is returned on time.
// The caller going away cancels the same context, and with it every upstream call.
func withBudget(budget time.Duration, next http.Handler) http.Handler {
	if budget <= 0 {
		return next
	}
	upstreamShare := budget - budgetReserve(budget)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithTimeout(r.Context(), upstreamShare)
		defer cancel()
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// UpstreamTransport is the transport of the upstream clients: connection reuse sized for the
// concurrency limits (the default keeps two idle connections per host, so a burst would open
// and close connections by the hundred; in sandbox mode all three upstreams share one host).
func UpstreamTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost = 64
	return tr
}
