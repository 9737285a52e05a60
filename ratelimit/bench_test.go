package ratelimit_test

import (
	"strconv"
	"testing"

	"custgraph/ratelimit"
)

// BenchmarkAllow is the cost the rate limit adds to one request: an in-memory bucket, or one
// script call to the local Redis (shared by replicas).
func BenchmarkAllow(b *testing.B) {
	rc := redisClientB(b)
	for _, tc := range []struct {
		name  string
		redis bool
	}{{"memory", false}, {"redis", true}} {
		b.Run(tc.name, func(b *testing.B) {
			o := ratelimit.Options{Rate: 1_000_000, Burst: 1_000_000, Namespace: namespace()}
			if tc.redis {
				o.Redis = rc
			}
			l, err := ratelimit.New(o)
			if err != nil {
				b.Fatal(err)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				i++
				l.Allow(b.Context(), "caller-"+strconv.Itoa(i%100))
			}
		})
	}
}
