// Package ratelimit applies a token bucket per caller to HTTP requests: Rate requests per second
// on average, bursts of up to Burst. With a Redis client the buckets live in Redis
// (github.com/go-redis/redis_rate: GCRA, one atomic script call per request), so every replica
// draws from the same bucket; without one they live in this process (golang.org/x/time/rate,
// bounded by an LRU of callers). A refused request gets HTTP 429 with Retry-After and a GraphQL
// error RATE_LIMITED. A Redis that fails or is slow never blocks traffic: a circuit breaker
// falls back to the in-process buckets until Redis answers again. The package does not decide
// who a caller is (the key function does) and stores only hashes of caller keys in Redis.
package ratelimit

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math"
	"net/http"
	"strconv"
	"time"

	"github.com/go-redis/redis_rate/v10"
	lru "github.com/hashicorp/golang-lru/v2"
	"github.com/redis/go-redis/v9"
	"github.com/sony/gobreaker/v2"
	"golang.org/x/time/rate"
)

// CodeRateLimited is the extensions.code of a refused request.
const CodeRateLimited = "RATE_LIMITED"

// Defaults of Options.
const (
	DefaultMaxKeys = 100_000
	// Redis failures in a row that switch to the in-process buckets, and for how long.
	breakerFailures = 3
	breakerOpen     = 5 * time.Second
)

// Options configure a Limiter.
type Options struct {
	// Rate is the sustained requests per second allowed per caller (> 0).
	Rate int
	// Burst is the bucket size; <= 0 means Rate.
	Burst int
	// Redis, when set, holds the buckets (shared by replicas); nil keeps them in memory.
	Redis redis.UniversalClient
	// Namespace prefixes the Redis keys (one per deployment or tenant sharing a Redis).
	Namespace string
	// MaxKeys bounds the in-memory buckets (least recently seen callers are dropped);
	// 0 = DefaultMaxKeys.
	MaxKeys int
	// Logger receives Redis fallbacks (warn). Nil: discard.
	Logger *slog.Logger
}

// Decision is the outcome of one Allow.
type Decision struct {
	Allowed bool
	// RetryAfter is how long until a request would be allowed (when refused).
	RetryAfter time.Duration
}

// Limiter is a per-caller token bucket. It is safe for concurrent use.
type Limiter struct {
	rate, burst int
	ns          string
	log         *slog.Logger
	mem         *lru.Cache[string, *rate.Limiter]
	redis       *redis_rate.Limiter
	breaker     *gobreaker.CircuitBreaker[*redis_rate.Result]
}

// New returns a Limiter.
func New(opts Options) (*Limiter, error) {
	if opts.Rate <= 0 {
		return nil, fmt.Errorf("ratelimit: Rate must be positive, got %d", opts.Rate)
	}
	if opts.Burst <= 0 {
		opts.Burst = opts.Rate
	}
	if opts.MaxKeys <= 0 {
		opts.MaxKeys = DefaultMaxKeys
	}
	mem, err := lru.New[string, *rate.Limiter](opts.MaxKeys)
	if err != nil {
		return nil, fmt.Errorf("ratelimit: %w", err)
	}
	l := &Limiter{rate: opts.Rate, burst: opts.Burst, ns: opts.Namespace, log: opts.Logger, mem: mem}
	if l.log == nil {
		l.log = slog.New(slog.DiscardHandler)
	}
	if opts.Redis != nil {
		l.redis = redis_rate.NewLimiter(opts.Redis)
		l.breaker = gobreaker.NewCircuitBreaker[*redis_rate.Result](gobreaker.Settings{
			Name:        "ratelimit-redis",
			MaxRequests: 1,
			Timeout:     breakerOpen,
			ReadyToTrip: func(c gobreaker.Counts) bool { return c.ConsecutiveFailures >= breakerFailures },
			// The caller hanging up says nothing about Redis.
			IsExcluded: func(err error) bool {
				return errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded)
			},
			OnStateChange: func(_ string, from, to gobreaker.State) {
				if to == gobreaker.StateOpen {
					l.log.Warn("ratelimit: Redis failing; limiting per replica in memory", "retry_after", breakerOpen)
					return
				}
				l.log.Info("ratelimit: Redis breaker changed state", "from", from.String(), "to", to.String())
			},
		})
	}
	return l, nil
}

// Allow takes one token from key's bucket.
func (l *Limiter) Allow(ctx context.Context, key string) Decision {
	if l.redis != nil {
		res, err := l.breaker.Execute(func() (*redis_rate.Result, error) {
			return l.redis.Allow(ctx, l.redisKey(key), redis_rate.Limit{Rate: l.rate, Burst: l.burst, Period: time.Second})
		})
		if err == nil {
			return Decision{Allowed: res.Allowed > 0, RetryAfter: res.RetryAfter}
		}
		// Fall through: an unavailable Redis must not turn into an outage of the gateway.
	}
	lim, ok := l.mem.Get(key)
	if !ok {
		fresh := rate.NewLimiter(rate.Limit(l.rate), l.burst)
		if prev, found, _ := l.mem.PeekOrAdd(key, fresh); found {
			lim = prev // another request of this caller added it first
		} else {
			lim = fresh
		}
	}
	r := lim.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel() // a refused request does not consume a token
		return Decision{RetryAfter: d}
	}
	return Decision{Allowed: true}
}

// redisKey never puts the caller's identity itself into Redis, only a hash of it.
func (l *Limiter) redisKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return l.ns + ":" + hex.EncodeToString(sum[:16])
}

// Middleware limits each request under key(r); requests over the limit get 429.
func (l *Limiter) Middleware(key func(*http.Request) string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodOptions {
			next.ServeHTTP(w, r)
			return
		}
		d := l.Allow(r.Context(), key(r))
		if d.Allowed {
			next.ServeHTTP(w, r)
			return
		}
		secs := max(1, int(math.Ceil(d.RetryAfter.Seconds())))
		w.Header().Set("Retry-After", strconv.Itoa(secs))
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusTooManyRequests)
		_ = json.NewEncoder(w).Encode(map[string]any{"errors": []map[string]any{{
			"message":    fmt.Sprintf("too many requests: retry in %d s", secs),
			"extensions": map[string]any{"code": CodeRateLimited, "retryAfterSeconds": secs},
		}}})
	})
}
