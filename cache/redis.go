package cache

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// DefaultOpTimeout bounds every Redis call when RedisOptions.OpTimeout is not set: a cache hit
// that takes longer than this is not worth waiting for.
const DefaultOpTimeout = 50 * time.Millisecond

// Socket defaults RedisClientFromURL applies when the URL does not set them. They are a backstop
// for calls made without a deadline; OpTimeout is the real bound.
const (
	defaultDialTimeout  = 250 * time.Millisecond
	defaultReadTimeout  = 250 * time.Millisecond
	defaultWriteTimeout = 250 * time.Millisecond
	defaultPoolTimeout  = 100 * time.Millisecond
)

// RedisOptions configures NewRedis.
type RedisOptions struct {
	// OpTimeout bounds every call (GetMany, SetMany, Delete, Ping). Default DefaultOpTimeout.
	// The client must have ContextTimeoutEnabled (RedisClientFromURL sets it), or the socket
	// timeouts bound the call instead.
	OpTimeout time.Duration
}

type redisStore struct {
	client  redis.UniversalClient
	timeout time.Duration
}

// NewRedis returns a Store over client. It does not own the client: close it yourself.
func NewRedis(client redis.UniversalClient, opts RedisOptions) Store {
	if client == nil {
		panic("cache: NewRedis with a nil client")
	}
	if opts.OpTimeout <= 0 {
		opts.OpTimeout = DefaultOpTimeout
	}
	return &redisStore{client: client, timeout: opts.OpTimeout}
}

func (s *redisStore) GetMany(ctx context.Context, keys []string) (map[string][]byte, error) {
	if len(keys) == 0 {
		return map[string][]byte{}, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	vals, err := s.client.MGet(ctx, keys...).Result()
	if err != nil {
		return nil, fmt.Errorf("cache: redis MGET of %d keys: %w", len(keys), err)
	}
	if len(vals) != len(keys) {
		return nil, fmt.Errorf("cache: redis MGET returned %d values for %d keys", len(vals), len(keys))
	}
	out := make(map[string][]byte, len(keys))
	for i, v := range vals {
		if str, ok := v.(string); ok { // nil: absent
			out[keys[i]] = []byte(str)
		}
	}
	return out, nil
}

func (s *redisStore) SetMany(ctx context.Context, entries []Entry) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	pipe := s.client.Pipeline()
	n := 0
	for _, e := range entries {
		if e.TTL <= 0 {
			continue
		}
		// PX in whole milliseconds, at least 1: jittered TTLs are rarely whole seconds.
		ms := max(e.TTL.Milliseconds(), 1)
		pipe.Do(ctx, "set", e.Key, e.Value, "px", ms)
		n++
	}
	if n == 0 {
		return nil
	}
	if _, err := pipe.Exec(ctx); err != nil {
		return fmt.Errorf("cache: redis pipeline of %d SETs: %w", n, err)
	}
	return nil
}

func (s *redisStore) AddMany(ctx context.Context, entries []Entry) ([]bool, error) {
	added := make([]bool, len(entries))
	if len(entries) == 0 {
		return added, nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	pipe := s.client.Pipeline()
	cmds := make([]*redis.Cmd, len(entries))
	for i, e := range entries {
		if e.TTL <= 0 {
			continue
		}
		cmds[i] = pipe.Do(ctx, "set", e.Key, e.Value, "nx", "px", max(e.TTL.Milliseconds(), 1))
	}
	// A key that exists answers nil: Exec reports redis.Nil, which is not a failure here.
	if _, err := pipe.Exec(ctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("cache: redis pipeline of %d SET NX: %w", len(entries), err)
	}
	for i, c := range cmds {
		added[i] = c != nil && c.Err() == nil
	}
	return added, nil
}

func (s *redisStore) Delete(ctx context.Context, keys ...string) error {
	if len(keys) == 0 {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.Unlink(ctx, keys...).Err(); err != nil {
		return fmt.Errorf("cache: redis UNLINK of %d keys: %w", len(keys), err)
	}
	return nil
}

func (s *redisStore) Ping(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	if err := s.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("cache: redis PING: %w", err)
	}
	return nil
}

// RedisClientFromURL builds a go-redis client from one URL (see the package documentation for
// the accepted forms): standalone, Sentinel or Cluster, with ContextTimeoutEnabled and short
// socket timeouts. It does not connect; the caller closes the client. Errors never contain the
// URL.
func RedisClientFromURL(rawURL string) (redis.UniversalClient, error) {
	// Parse once here so a malformed URL fails with our own message: url.Parse's error would
	// quote the whole URL, password included.
	u, err := url.Parse(rawURL)
	if err != nil || u.Scheme == "" {
		return nil, errors.New("cache: Redis URL does not parse; expected scheme://[user:password@]host:port[/db][?options]")
	}
	_, rest, ok := strings.Cut(rawURL, "://")
	if !ok {
		return nil, fmt.Errorf("cache: Redis URL with scheme %q needs \"://\"", u.Scheme)
	}
	switch u.Scheme {
	case "redis", "rediss", "unix":
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			return nil, fmt.Errorf("cache: Redis URL: %w", err)
		}
		tune(clientTuning{&o.ContextTimeoutEnabled, &o.DialTimeout, &o.DialerRetries, &o.MaxRetries,
			&o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout})
		return redis.NewClient(o), nil
	case "redis-sentinel", "rediss-sentinel":
		o, err := redis.ParseFailoverURL(strings.TrimSuffix(u.Scheme, "-sentinel") + "://" + rest)
		if err != nil {
			return nil, fmt.Errorf("cache: Redis Sentinel URL: %w", err)
		}
		if o.MasterName == "" {
			return nil, errors.New("cache: Redis Sentinel URL needs a master_name parameter")
		}
		tune(clientTuning{&o.ContextTimeoutEnabled, &o.DialTimeout, &o.DialerRetries, &o.MaxRetries,
			&o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout})
		return redis.NewFailoverClient(o), nil
	case "redis-cluster", "rediss-cluster":
		o, err := redis.ParseClusterURL(strings.TrimSuffix(u.Scheme, "-cluster") + "://" + rest)
		if err != nil {
			return nil, fmt.Errorf("cache: Redis Cluster URL: %w", err)
		}
		tune(clientTuning{&o.ContextTimeoutEnabled, &o.DialTimeout, &o.DialerRetries, &o.MaxRetries,
			&o.ReadTimeout, &o.WriteTimeout, &o.PoolTimeout})
		return redis.NewClusterClient(o), nil
	default:
		return nil, fmt.Errorf("cache: unsupported Redis URL scheme %q (want redis, rediss, unix, "+
			"redis-sentinel, rediss-sentinel, redis-cluster or rediss-cluster)", u.Scheme)
	}
}

// clientTuning points at the fields the three go-redis option structs share, so one function
// applies the cache's defaults to all of them.
type clientTuning struct {
	contextTimeout *bool
	dial           *time.Duration
	dialAttempts   *int
	retries        *int
	read, write    *time.Duration
	pool           *time.Duration
}

func tune(t clientTuning) {
	*t.contextTimeout = true // without it the per-call deadline does not reach the socket
	setDefault(t.dial, defaultDialTimeout)
	setDefault(t.read, defaultReadTimeout)
	setDefault(t.write, defaultWriteTimeout)
	setDefault(t.pool, defaultPoolTimeout)
	if *t.dialAttempts == 0 {
		// go-redis retries a failed dial 5 times 100ms apart; a cache call should fail at once
		// and let the breaker and the next call try again.
		*t.dialAttempts = 1
	}
	if *t.retries == 0 {
		// go-redis retries a failed command 3 times with backoff from 8ms; within a 50ms budget
		// that only turns a fast failure into a timeout. -1 is go-redis for "no retries".
		*t.retries = -1
	}
}

func setDefault(d *time.Duration, v time.Duration) {
	if *d == 0 { // negative means "disabled" to go-redis: keep the URL's choice
		*d = v
	}
}
