package cache

import (
	"context"
	"time"

	"github.com/99designs/gqlgen/graphql"
)

// DefaultAPQTTL is the lifetime of a persisted query when APQ is given ttl <= 0. Clients resend
// the full query on a miss, so losing an entry costs one round trip, not correctness.
const DefaultAPQTTL = 24 * time.Hour

// APQName is the type name persisted queries are stored under.
const APQName = "apq"

type apqCache struct {
	c *Cache
	t Type
}

// APQ adapts the cache for gqlgen's automatic persisted queries
// (extension.AutomaticPersistedQuery{Cache: c.APQ(ttl)}): query text stored raw under type
// "apq", shared across replicas through Redis. Failures read as misses.
func (c *Cache) APQ(ttl time.Duration) graphql.Cache[string] {
	if ttl <= 0 {
		ttl = DefaultAPQTTL
	}
	return apqCache{c: c, t: Type{Name: APQName, TTL: ttl}}
}

func (a apqCache) Get(ctx context.Context, key string) (string, bool) {
	st := a.c.stats(a.t.Name)
	k := a.c.Key(a.t, key)
	got, ok := a.c.read(ctx, st, []string{k})
	if !ok {
		return "", false
	}
	v, ok := got[k]
	if !ok {
		st.misses.Add(1)
		return "", false
	}
	st.hits.Add(1)
	return string(v), true
}

func (a apqCache) Add(ctx context.Context, key string, value string) {
	a.c.write(ctx, a.c.stats(a.t.Name), []Entry{{Key: a.c.Key(a.t, key), Value: []byte(value), TTL: a.t.TTL}})
}
