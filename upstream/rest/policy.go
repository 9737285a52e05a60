package rest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
	"golang.org/x/sync/semaphore"

	"custgraph/upstream"
)

// Codes of the *upstream.Error values the policy itself produces (upstream.Error.Code).
const (
	// CodeCircuitOpen: the upstream's breaker is open, the call was not sent.
	CodeCircuitOpen = "circuit_open"
	// CodeTimeout: one attempt got no complete answer within PolicyConfig.Timeout.
	CodeTimeout = "timeout"
)

// defaultCooldown is how long an open breaker waits before it lets a probe through.
const defaultCooldown = 5 * time.Second

// The breaker's failure ratio is taken over a rolling window of breakerWindow, in steps of
// breakerBucket: recent enough to see an outage within seconds, long enough to hold more than
// a handful of calls.
const (
	breakerWindow = 5 * time.Second
	breakerBucket = time.Second
)

// PolicyConfig describes how the gateway treats one upstream. The zero value imposes nothing.
type PolicyConfig struct {
	// Timeout bounds one attempt: token fetch, request and reading the answer. A call that is
	// retried gets it per attempt; the caller's deadline (the request budget) bounds them all.
	// 0 = the caller's deadline only.
	Timeout time.Duration
	// MaxConcurrent is how many attempts may be in flight to the upstream at once, across every
	// client sharing the Policy. Further attempts wait in line, bounded by their context,
	// instead of tripping the upstream's own concurrency limit. 0 = unlimited.
	MaxConcurrent int
	// BreakerFailures is how many consecutive failed attempts (5xx, no answer, attempt timeout)
	// open the circuit breaker, provided at least half of the attempts of the last 5 s failed.
	// Answers that prove the upstream alive (2xx, 4xx, 429) reset the count; calls abandoned by
	// their caller do not count. 0 = no breaker.
	BreakerFailures int
	// BreakerCooldown is how long an open breaker fails calls at once before it lets one probe
	// through (half-open); the probe's success closes it, its failure opens it again.
	// 0 = 5 s.
	BreakerCooldown time.Duration
	// OnStateChange, when set, is called on every breaker transition (a metrics hook). It runs
	// under the breaker's lock: it must be quick and must not call back into the Policy.
	OnStateChange func(upstream string, from, to BreakerState)
	// Logger receives one line per breaker transition; nil discards them.
	Logger *slog.Logger
}

// BreakerState is the state of an upstream's circuit breaker.
type BreakerState int

const (
	BreakerClosed   BreakerState = iota // calls flow
	BreakerHalfOpen                     // one probe is let through
	BreakerOpen                         // calls fail at once
)

func (s BreakerState) String() string {
	switch s {
	case BreakerClosed:
		return "closed"
	case BreakerHalfOpen:
		return "half-open"
	case BreakerOpen:
		return "open"
	}
	return fmt.Sprintf("state(%d)", int(s))
}

func stateOf(s gobreaker.State) BreakerState {
	switch s {
	case gobreaker.StateHalfOpen:
		return BreakerHalfOpen
	case gobreaker.StateOpen:
		return BreakerOpen
	}
	return BreakerClosed
}

// Policy is one upstream's shared resilience state: the concurrency slots and the circuit
// breaker. Build one per upstream and give it to every Client of that upstream (Config.Policy),
// so they share the limit and the breaker. It is safe for concurrent use.
type Policy struct {
	name    string
	timeout time.Duration
	sem     *semaphore.Weighted
	breaker *gobreaker.TwoStepCircuitBreaker[struct{}]

	inFlight atomic.Int64
	waiting  atomic.Int64
}

// PolicyStats is a snapshot of a Policy, for metrics and readiness.
type PolicyStats struct {
	State    BreakerState
	InFlight int64 // attempts holding a slot
	Waiting  int64 // attempts queued for a slot
}

// NewPolicy validates cfg and returns the Policy of the named upstream.
func NewPolicy(upstreamName string, cfg PolicyConfig) (*Policy, error) {
	switch {
	case upstreamName == "":
		return nil, errors.New("rest: policy: upstream name is required")
	case cfg.Timeout < 0, cfg.BreakerCooldown < 0:
		return nil, fmt.Errorf("rest: %s policy: durations must not be negative", upstreamName)
	case cfg.MaxConcurrent < 0, cfg.BreakerFailures < 0:
		return nil, fmt.Errorf("rest: %s policy: limits must not be negative", upstreamName)
	}
	p := &Policy{name: upstreamName, timeout: cfg.Timeout}
	if cfg.MaxConcurrent > 0 {
		p.sem = semaphore.NewWeighted(int64(cfg.MaxConcurrent))
	}
	if cfg.BreakerFailures > 0 {
		log := cfg.Logger
		if log == nil {
			log = slog.New(slog.DiscardHandler)
		}
		cooldown := cfg.BreakerCooldown
		if cooldown == 0 {
			cooldown = defaultCooldown
		}
		failures := uint32(cfg.BreakerFailures)
		hook := cfg.OnStateChange
		p.breaker = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
			Name:         upstreamName,
			MaxRequests:  1, // one probe decides: a recovering upstream is not flooded
			Timeout:      cooldown,
			Interval:     breakerWindow,
			BucketPeriod: breakerBucket,
			// A run of failures AND a failing majority: a flaky upstream (30% errors) is served
			// by retries, and under concurrency its failures can still finish in a row (a 503
			// comes back faster than a full page), so a run alone would trip it.
			ReadyToTrip: func(c gobreaker.Counts) bool {
				return c.ConsecutiveFailures >= failures && c.TotalFailures >= c.TotalSuccesses
			},
			IsExcluded: func(err error) bool { return errors.Is(err, errNotCounted) },
			OnStateChange: func(name string, from, to gobreaker.State) {
				level := slog.LevelInfo
				if to == gobreaker.StateOpen {
					level = slog.LevelWarn
				}
				log.Log(context.Background(), level, "upstream circuit breaker", "upstream", name,
					"from", stateOf(from).String(), "to", stateOf(to).String(), "cooldown", cooldown)
				if hook != nil {
					hook(name, stateOf(from), stateOf(to))
				}
			},
		})
	}
	return p, nil
}

// Upstream is the name the Policy was built for.
func (p *Policy) Upstream() string { return p.name }

// State is the breaker's state; BreakerClosed when the Policy has no breaker.
func (p *Policy) State() BreakerState {
	if p.breaker == nil {
		return BreakerClosed
	}
	return stateOf(p.breaker.State())
}

// Stats returns a snapshot of the breaker state and the slot usage.
func (p *Policy) Stats() PolicyStats {
	return PolicyStats{State: p.State(), InFlight: p.inFlight.Load(), Waiting: p.waiting.Load()}
}

// errNotCounted is reported to the breaker for attempts that say nothing about the upstream's
// health: the caller gave up, or the request could not even be built.
var errNotCounted = errors.New("not counted by the breaker")

func (p *Policy) acquire(ctx context.Context) error {
	if p.sem != nil {
		p.waiting.Add(1)
		err := p.sem.Acquire(ctx, 1)
		p.waiting.Add(-1)
		if err != nil {
			return err
		}
	}
	p.inFlight.Add(1)
	return nil
}

func (p *Policy) release() {
	p.inFlight.Add(-1)
	if p.sem != nil {
		p.sem.Release(1)
	}
}

// outcome classifies an attempt for the breaker: nil = the upstream answered, errNotCounted =
// no verdict, anything else = the upstream failed.
func outcome(ctx context.Context, err error) error {
	if err == nil {
		return nil
	}
	if ctx.Err() != nil {
		return errNotCounted
	}
	ue := upstream.As(err)
	switch {
	case ue == nil:
		return errNotCounted
	case ue.Kind == upstream.KindUnavailable:
		return err
	}
	return nil // a 4xx or 429 is an answer: the upstream is up
}

// attempt runs one try of a call under the client's policy: breaker admission, then a
// concurrency slot (waiting in line if need be), then send under the per-attempt timeout. The
// slot is held until send has read the whole answer.
func (c *Client) attempt(ctx context.Context, method, path string, send func(context.Context) (*Response, error)) (*Response, error) {
	p := c.policy
	if p == nil {
		return send(ctx)
	}
	report := func(error) {}
	if p.breaker != nil {
		done, err := p.breaker.Allow()
		if err != nil {
			// Fail fast: an upstream that failed every recent call is not asked again until the
			// cool-down has passed and one probe has succeeded.
			return nil, &upstream.Error{Upstream: c.name, Method: method, Path: path,
				Kind: upstream.KindUnavailable, Code: CodeCircuitOpen,
				Message: "circuit breaker open after consecutive failures"}
		}
		report = done
	}
	if err := p.acquire(ctx); err != nil {
		report(errNotCounted)
		return nil, err
	}
	actx, cancel := ctx, context.CancelFunc(func() {})
	if p.timeout > 0 {
		actx, cancel = context.WithTimeout(ctx, p.timeout)
	}
	resp, err := send(actx)
	timedOut := err != nil && ctx.Err() == nil && actx.Err() != nil
	cancel()
	p.release()
	if timedOut {
		// Our own per-attempt deadline, not the caller's: a transient failure of the upstream,
		// worth a retry while the caller's budget lasts.
		err = &upstream.Error{Upstream: c.name, Method: method, Path: path,
			Kind: upstream.KindUnavailable, Code: CodeTimeout,
			Message: fmt.Sprintf("no complete answer within %s", p.timeout)}
	}
	report(outcome(ctx, err))
	return resp, err
}
