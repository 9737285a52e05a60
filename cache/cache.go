package cache

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// Breaker defaults: a few failures in a row mean Redis is down or overloaded, not unlucky; a short
// open period lets caching come back quickly once it recovers.
const (
	DefaultBreakerFailures = 5
	DefaultBreakerOpen     = 2 * time.Second
)

const maxNamespaceLen = 64

// Options configures a Cache.
type Options struct {
	// Namespace is the deployment or tenant prefix of every key. Required: 1 to 64 letters,
	// digits, '.', '_' or '-', starting with a letter or digit.
	Namespace string
	// FormatVersion is part of every key; bump it when the encoding of any cached type changes
	// so no replica reads entries written in the old shape. Must be >= 0.
	FormatVersion int
	// Logger receives breaker state changes (warn/info) and store errors (debug). Nil: discard.
	Logger *slog.Logger
	// Breaker tunes the circuit breaker around the store.
	Breaker BreakerSettings
	// DecodedBytes bounds the memo of decoded values (decoded.go), by the length of the stored
	// bytes it remembers: 0 = DefaultDecodedBytes, negative = no memo (decode every read).
	DecodedBytes int
}

// BreakerSettings tunes the circuit breaker around the store. Zero fields take the defaults.
type BreakerSettings struct {
	// ConsecutiveFailures is how many store failures in a row open the breaker.
	// Default DefaultBreakerFailures.
	ConsecutiveFailures uint32
	// OpenDuration is how long the breaker stays open before one probe call may go through.
	// Default DefaultBreakerOpen.
	OpenDuration time.Duration
}

// Type describes one cached entity type.
type Type struct {
	// Name is the key segment and the Stats key, e.g. "category". One Name per value type.
	Name string
	// TTL of found entries; <= 0 disables caching of this type.
	TTL time.Duration
	// NegativeTTL of not-found entries; <= 0 disables negative caching of this type.
	NegativeTTL time.Duration
	// Jitter spreads each entry's TTL uniformly over ±Jitter of it (0.1 = ±10%), clamped to
	// [0, 0.9].
	Jitter float64
}

// TypeStats counts what a Cache did for one type since it was created.
type TypeStats struct {
	Hits         uint64 // keys answered from a found entry
	Misses       uint64 // keys the store was asked for and did not have
	NegativeHits uint64 // keys answered from a not-found entry
	Errors       uint64 // failed store calls, plus entries that failed to encode or decode
	Bypassed     uint64 // keys for which the store was skipped: breaker open, read failed, TTL <= 0
	Coalesced    uint64 // keys answered by another concurrent batch's fetch (single-flight)
}

type typeCounters struct {
	hits, misses, negativeHits, errors, bypassed, coalesced atomic.Uint64
}

// Cache is a namespaced, typed cache over a Store. It is safe for concurrent use. It does not
// own the Store.
type Cache struct {
	store   Store
	prefix  string // "{namespace}:v{format}:"
	log     *slog.Logger
	breaker *gobreaker.TwoStepCircuitBreaker[struct{}]

	counters sync.Map // type name -> *typeCounters

	mu      sync.Mutex
	flights map[string]*flight // cache key -> fetch in progress in this process

	decoded *decodedMemo // nil: decode every read
}

// New returns a Cache over store.
func New(store Store, opts Options) (*Cache, error) {
	var errs []error
	if store == nil {
		errs = append(errs, errors.New("cache: nil Store"))
	}
	if err := validNamespace(opts.Namespace); err != nil {
		errs = append(errs, err)
	}
	if opts.FormatVersion < 0 {
		errs = append(errs, fmt.Errorf("cache: FormatVersion %d is negative", opts.FormatVersion))
	}
	if opts.Breaker.OpenDuration < 0 {
		errs = append(errs, fmt.Errorf("cache: Breaker.OpenDuration %v is negative", opts.Breaker.OpenDuration))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	failures := opts.Breaker.ConsecutiveFailures
	if failures == 0 {
		failures = DefaultBreakerFailures
	}
	open := opts.Breaker.OpenDuration
	if open == 0 {
		open = DefaultBreakerOpen
	}
	c := &Cache{
		store:   store,
		prefix:  opts.Namespace + ":v" + strconv.Itoa(opts.FormatVersion) + ":",
		log:     log.With("component", "cache", "namespace", opts.Namespace),
		flights: make(map[string]*flight),
		decoded: newDecodedMemo(opts.DecodedBytes),
	}
	c.breaker = gobreaker.NewTwoStepCircuitBreaker[struct{}](gobreaker.Settings{
		Name:        "cache-store",
		MaxRequests: 1, // one probe when half-open; everyone else keeps bypassing meanwhile
		Timeout:     open,
		ReadyToTrip: func(counts gobreaker.Counts) bool { return counts.ConsecutiveFailures >= failures },
		IsExcluded:  func(err error) bool { return errors.As(err, new(callerGoneError)) },
		OnStateChange: func(_ string, from, to gobreaker.State) {
			if to == gobreaker.StateOpen {
				c.log.Warn("cache store circuit opened; bypassing the store", "from", from.String(), "retry_after", open)
				return
			}
			c.log.Info("cache store circuit changed state", "from", from.String(), "to", to.String())
		},
	})
	return c, nil
}

func validNamespace(ns string) error {
	if ns == "" {
		return errors.New("cache: Namespace is required")
	}
	if len(ns) > maxNamespaceLen {
		return fmt.Errorf("cache: Namespace is longer than %d bytes", maxNamespaceLen)
	}
	for i := 0; i < len(ns); i++ {
		ch := ns[i]
		alnum := (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9')
		punct := ch == '.' || ch == '_' || ch == '-'
		if !alnum && (i == 0 || !punct) {
			return fmt.Errorf("cache: Namespace %q: only letters, digits, '.', '_' and '-' allowed, starting with a letter or digit", ns)
		}
	}
	return nil
}

// Key returns the store key of id under t: "{namespace}:v{format}:{type}:{id}", with the type
// name and id escaped so that no two (type, id) pairs share a key.
func (c *Cache) Key(t Type, id string) string {
	return c.prefix + escapeKeyPart(t.Name) + ":" + escapeKeyPart(id)
}

const upperHex = "0123456789ABCDEF"

func needsEscape(ch byte) bool { return ch == ':' || ch == '%' || ch == '{' || ch == '}' }

// escapeKeyPart percent-encodes the separator, the escape character itself (so the encoding is
// injective) and Redis Cluster's hash-tag braces.
func escapeKeyPart(s string) string {
	n := 0
	for i := 0; i < len(s); i++ {
		if needsEscape(s[i]) {
			n++
		}
	}
	if n == 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 2*n)
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if needsEscape(ch) {
			b.WriteByte('%')
			b.WriteByte(upperHex[ch>>4])
			b.WriteByte(upperHex[ch&0xF])
			continue
		}
		b.WriteByte(ch)
	}
	return b.String()
}

// Invalidate deletes the entries of ids from the store, so every replica sharing it misses at
// once. It tries even when the breaker is open and returns the store's error: a mutation must
// know that stale data may remain (until the TTL).
func (c *Cache) Invalidate(ctx context.Context, t Type, ids ...string) error {
	if len(ids) == 0 {
		return nil
	}
	keys := make([]string, len(ids))
	for i, id := range ids {
		keys[i] = c.Key(t, id)
	}
	c.mu.Lock()
	for _, k := range keys {
		if f, ok := c.flights[k]; ok {
			f.stale.Store(true) // its result may predate the mutation: do not write it
			delete(c.flights, k)
		}
	}
	c.mu.Unlock()
	c.decoded.forget(keys)
	if err := c.store.Delete(ctx, keys...); err != nil {
		c.stats(t.Name).errors.Add(1)
		return fmt.Errorf("cache: invalidate %d %s entries: %w", len(keys), t.Name, err)
	}
	// After the delete: a response read before it holds the old stamp and is refused from now on;
	// one read after it has the new entry (deps.go).
	stamps := make([]Entry, len(keys))
	for i, k := range keys {
		stamps[i] = Entry{Key: c.stampKey(k), Value: newStamp(), TTL: stampTTL}
	}
	if err := c.store.SetMany(ctx, stamps); err != nil {
		c.stats(t.Name).errors.Add(1)
		return fmt.Errorf("cache: invalidate %d %s responses: %w", len(keys), t.Name, err)
	}
	return nil
}

// Stats returns a snapshot of the counters of every type used so far.
func (c *Cache) Stats() map[string]TypeStats {
	out := make(map[string]TypeStats)
	c.counters.Range(func(k, v any) bool {
		tc := v.(*typeCounters)
		out[k.(string)] = TypeStats{
			Hits:         tc.hits.Load(),
			Misses:       tc.misses.Load(),
			NegativeHits: tc.negativeHits.Load(),
			Errors:       tc.errors.Load(),
			Bypassed:     tc.bypassed.Load(),
			Coalesced:    tc.coalesced.Load(),
		}
		return true
	})
	return out
}

// Healthy pings the store through the circuit breaker, for a readiness check. It returns an
// error while the breaker is open or when the ping fails. Requests never fail because of the
// cache; whether readiness should is the caller's choice.
func (c *Cache) Healthy(ctx context.Context) error {
	done, err := c.breaker.Allow()
	if err != nil {
		return fmt.Errorf("cache: store circuit breaker is %s: %w", c.breaker.State(), err)
	}
	err = c.store.Ping(ctx)
	done(c.breakerOutcome(ctx, err))
	if err != nil {
		return fmt.Errorf("cache: store ping: %w", err)
	}
	return nil
}

func (c *Cache) stats(name string) *typeCounters {
	if v, ok := c.counters.Load(name); ok {
		return v.(*typeCounters)
	}
	v, _ := c.counters.LoadOrStore(name, new(typeCounters))
	return v.(*typeCounters)
}

// callerGoneError marks a store failure caused by the caller's own context ending: it says
// nothing about the store, so the breaker ignores it.
type callerGoneError struct{ err error }

func (e callerGoneError) Error() string { return "cache: caller's context ended: " + e.err.Error() }
func (e callerGoneError) Unwrap() error { return e.err }

func (c *Cache) breakerOutcome(ctx context.Context, err error) error {
	if err != nil && ctx.Err() != nil {
		return callerGoneError{err}
	}
	return err
}

// read fetches keys through the breaker. ok is false when the store was skipped or failed; the
// keys then count as bypassed.
func (c *Cache) read(ctx context.Context, st *typeCounters, keys []string) (got map[string][]byte, ok bool) {
	done, err := c.breaker.Allow()
	if err != nil {
		st.bypassed.Add(uint64(len(keys)))
		return nil, false
	}
	got, err = c.store.GetMany(ctx, keys)
	done(c.breakerOutcome(ctx, err))
	if err != nil {
		st.errors.Add(1)
		st.bypassed.Add(uint64(len(keys)))
		c.log.DebugContext(ctx, "cache read failed; asking the upstream", "keys", len(keys), "error", err)
		return nil, false
	}
	return got, true
}

// write stores entries through the breaker; a failure is counted and logged, never returned.
func (c *Cache) write(ctx context.Context, st *typeCounters, entries []Entry) {
	if len(entries) == 0 {
		return
	}
	done, err := c.breaker.Allow()
	if err != nil {
		return
	}
	err = c.store.SetMany(ctx, entries)
	done(c.breakerOutcome(ctx, err))
	if err != nil {
		st.errors.Add(1)
		c.log.DebugContext(ctx, "cache write failed", "entries", len(entries), "error", err)
	}
}

// maxJitter keeps jittered TTLs well above zero.
const maxJitter = 0.9

// expiry returns base spread uniformly over ±t.Jitter of itself, never below 1ms.
func (t Type) expiry(base time.Duration) time.Duration {
	j := t.Jitter
	if !(j > 0) { // also catches NaN
		return base
	}
	j = min(j, maxJitter)
	d := time.Duration(float64(base) * (1 + j*(2*rand.Float64()-1)))
	return max(d, time.Millisecond)
}
