package gateway

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"golang.org/x/sync/semaphore"

	"custgraph/auth"
	"custgraph/reqlog"
	"custgraph/telemetry"
)

// Admission control. Offered more GraphQL requests than its CPU and its upstreams' limits can
// serve, a gateway without it queues them all inside the process: every request slows down, the
// cache's 50 ms Redis reads time out waiting for CPU, and their fallback to the upstreams adds
// load. With it, at most a fixed number of requests execute at once; the excess waits a little
// for a slot and is then refused early, cheaply and retryably, so the replica stays at capacity.

// CodeOverloaded is the extensions.code of a request refused for want of an execution slot
// (HTTP 503 with Retry-After, extensions.retryAfterSeconds).
const CodeOverloaded = "OVERLOADED"

// overloadRetryAfter is the Retry-After of a refused request, in seconds: a slot frees within
// milliseconds at capacity, so a short pause (or another replica) is the cure.
const overloadRetryAfter = 1

// admit lets at most maxInflight requests run next at once. A request beyond that waits for a
// slot, first come first served, for up to queueTimeout (0: refused at once) and is then
// refused with 503 OVERLOADED; so is one whose client goes away while it waits, which takes no
// slot. Only GET and POST execute GraphQL: other methods (OPTIONS, the 405s) pass without one.
// maxInflight <= 0 returns next as it is.
func admit(maxInflight int, queueTimeout time.Duration, tel *telemetry.Telemetry, next http.Handler) http.Handler {
	if maxInflight <= 0 {
		return next
	}
	slots := semaphore.NewWeighted(int64(maxInflight))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodPost {
			next.ServeHTTP(w, r)
			return
		}
		start := time.Now()
		if !slots.TryAcquire(1) {
			if err := waitForSlot(r.Context(), slots, queueTimeout); err != nil {
				reason := telemetry.ShedTimeout
				if r.Context().Err() != nil {
					reason = telemetry.ShedCanceled
				}
				tel.Shed(reason)
				overloaded(w, r)
				return
			}
		}
		defer slots.Release(1)
		tel.Admitted(time.Since(start))
		next.ServeHTTP(w, r)
	})
}

// waitForSlot acquires a slot within d, or returns why not: the wait ran out, or ctx ended.
// semaphore.Acquire leaves nothing taken when it fails, whichever happens first.
func waitForSlot(ctx context.Context, slots *semaphore.Weighted, d time.Duration) error {
	if d <= 0 {
		return context.DeadlineExceeded
	}
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return slots.Acquire(ctx, 1)
}

// overloaded answers a refused request: 503, Retry-After, and a GraphQL error as the other
// refusals before execution write it (auth.WriteError); its code goes to the request's log line.
func overloaded(w http.ResponseWriter, r *http.Request) {
	reqlog.From(r.Context()).ErrorCodes(CodeOverloaded)
	w.Header().Set("Retry-After", strconv.Itoa(overloadRetryAfter))
	auth.WriteError(w, http.StatusServiceUnavailable,
		fmt.Sprintf("the gateway is at capacity and could not start this request: retry in %d s", overloadRetryAfter),
		map[string]any{"code": CodeOverloaded, "retryAfterSeconds": overloadRetryAfter})
}
