package ratelimit_test

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"custgraph/cache"
	"custgraph/ratelimit"
)

const redisAddr = "127.0.0.1:6379"

func redisClient(t *testing.T, addr string) redis.UniversalClient { return redisClientTB(t, addr) }

func redisClientB(b *testing.B) redis.UniversalClient { return redisClientTB(b, redisAddr) }

func redisClientTB(t testing.TB, addr string) redis.UniversalClient {
	t.Helper()
	rc, err := cache.RedisClientFromURL("redis://" + addr + "/0?read_timeout=2s&write_timeout=2s&pool_timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	return rc
}

func namespace() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "rl-test-" + hex.EncodeToString(b)
}

func newLimiter(t *testing.T, o ratelimit.Options) *ratelimit.Limiter {
	t.Helper()
	l, err := ratelimit.New(o)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// TestBucket: Burst requests pass at once, the next is refused with a wait of about 1/Rate, and
// each caller has a bucket of its own; in memory and in Redis alike.
func TestBucket(t *testing.T) {
	t.Parallel()
	rc := redisClient(t, redisAddr)
	if err := rc.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("Redis at %s: %v (the suite needs a Redis server; .ci/run starts one)", redisAddr, err)
	}
	for _, tc := range []struct {
		name  string
		redis redis.UniversalClient
	}{{"memory", nil}, {"redis", rc}} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			l := newLimiter(t, ratelimit.Options{Rate: 2, Burst: 3, Redis: tc.redis, Namespace: namespace()})
			for i := range 3 {
				if d := l.Allow(t.Context(), "alice"); !d.Allowed {
					t.Fatalf("request %d of the burst refused", i+1)
				}
			}
			d := l.Allow(t.Context(), "alice")
			if d.Allowed || d.RetryAfter <= 0 || d.RetryAfter > 600*time.Millisecond {
				t.Errorf("over the burst: %+v, want refused with a wait of about 500ms", d)
			}
			if d := l.Allow(t.Context(), "bob"); !d.Allowed {
				t.Error("another caller was limited by alice's requests")
			}
		})
	}
}

// TestReplicasShareRedisBuckets: two limiters over one Redis (two gateway replicas) draw from
// the same bucket; two in-memory limiters do not.
func TestReplicasShareRedisBuckets(t *testing.T) {
	t.Parallel()
	rc := redisClient(t, redisAddr)
	ns := namespace()
	a := newLimiter(t, ratelimit.Options{Rate: 1, Burst: 2, Redis: rc, Namespace: ns})
	b := newLimiter(t, ratelimit.Options{Rate: 1, Burst: 2, Redis: rc, Namespace: ns})
	if !a.Allow(t.Context(), "carol").Allowed || !b.Allow(t.Context(), "carol").Allowed {
		t.Fatal("burst refused")
	}
	if a.Allow(t.Context(), "carol").Allowed || b.Allow(t.Context(), "carol").Allowed {
		t.Error("replicas do not share the bucket")
	}
	other := newLimiter(t, ratelimit.Options{Rate: 1, Burst: 2, Redis: rc, Namespace: namespace()})
	if !other.Allow(t.Context(), "carol").Allowed {
		t.Error("a deployment in another namespace shares the bucket")
	}
	// Only hashes of caller keys are stored.
	keys, err := rc.Keys(t.Context(), "rate:"+ns+":*").Result()
	if err != nil || len(keys) != 1 || len(keys[0]) != len("rate:"+ns+":")+32 {
		t.Errorf("Redis keys %q (%v)", keys, err)
	}
}

// TestRedisDownFallsBackToMemory: with Redis unreachable requests still pass, limited per
// replica.
func TestRedisDownFallsBackToMemory(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := ln.Addr().String()
	_ = ln.Close()
	l := newLimiter(t, ratelimit.Options{Rate: 1, Burst: 2, Redis: redisClient(t, dead), Namespace: namespace()})
	start := time.Now()
	got := []bool{}
	for range 6 {
		got = append(got, l.Allow(t.Context(), "dave").Allowed)
	}
	if !got[0] || !got[1] || got[2] {
		t.Errorf("decisions with Redis down: %v, want the in-memory bucket (2 then refused)", got)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("6 decisions with Redis down took %v", d)
	}
}

func TestMiddlewareAnswers429(t *testing.T) {
	t.Parallel()
	l := newLimiter(t, ratelimit.Options{Rate: 1, Burst: 1})
	srv := httptest.NewServer(l.Middleware(func(r *http.Request) string { return r.Header.Get("X-Caller") },
		http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(`{"data":{}}`)) })))
	defer srv.Close()
	get := func(caller string) *http.Response {
		req, _ := http.NewRequestWithContext(t.Context(), http.MethodPost, srv.URL, nil)
		req.Header.Set("X-Caller", caller)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = resp.Body.Close() })
		return resp
	}
	if r := get("erin"); r.StatusCode != 200 {
		t.Fatalf("first request: %d", r.StatusCode)
	}
	r := get("erin")
	var body struct {
		Data   any
		Errors []struct {
			Extensions struct {
				Code              string
				RetryAfterSeconds int
			}
		}
	}
	_ = json.NewDecoder(r.Body).Decode(&body)
	ra, _ := strconv.Atoi(r.Header.Get("Retry-After"))
	if r.StatusCode != http.StatusTooManyRequests || ra < 1 || len(body.Errors) != 1 || body.Data != nil ||
		body.Errors[0].Extensions.Code != ratelimit.CodeRateLimited || body.Errors[0].Extensions.RetryAfterSeconds != ra {
		t.Errorf("second request: %d Retry-After %q %+v", r.StatusCode, r.Header.Get("Retry-After"), body)
	}
	if r := get("frank"); r.StatusCode != 200 {
		t.Errorf("another caller: %d", r.StatusCode)
	}
}
