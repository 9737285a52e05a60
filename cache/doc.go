// Package cache is the read-through entity cache under the gateway's per-request dataloaders and
// in front of the upstream clients: Redis in production (shared by all replicas), a bounded
// in-memory LRU when no Redis is configured. It must never be slower or less available than the
// upstream it saves, so it must not fail a request: every store call is bounded by a short
// timeout, a circuit breaker skips the store after repeated failures, and a batch whose cache
// step fails simply asks the upstream. It knows nothing of GraphQL schemas or upstream URLs, and
// it never logs cached values, URLs or credentials.
//
// # Layers
//
// A [Store] moves bytes (one MGET, one pipelined SET ... PX, one UNLINK per call). A [Cache] adds
// keys, JSON encoding, negative caching, TTL jitter, per-key single-flight, a circuit breaker and
// per-type counters. [Batch] wraps a dataloader batch function with all of that; [Cache.APQ]
// serves gqlgen's automatic persisted queries.
//
// # Keys
//
// Every key is "{namespace}:v{format}:{type}:{id}", e.g. "prod:v1:category:42". The namespace
// (deployment or tenant) is restricted to letters, digits, '.', '_' and '-' so it cannot contain
// a separator; the type name and the id are escaped (':' -> %3A, '%' -> %25, '{' -> %7B,
// '}' -> %7D) so ids containing ':' cannot collide with other keys and no id can pick a Redis
// Cluster hash slot through a "{...}" hash tag. Bumping FormatVersion makes every old entry a
// miss (old entries then expire on their own TTL).
//
// # Values
//
// A found entity is stored as its JSON encoding. A not-found answer is stored as the single byte
// "!" (never valid JSON) with the type's NegativeTTL, and served as the error the caller's
// notFound func rebuilds. Other errors are never cached. An entry whose bytes do not decode is
// counted as an error and treated as a miss, so the next fetch overwrites it. Reading the very
// same bytes again under the same key reuses the value decoded last time (a memo bounded by
// Options.DecodedBytes), so hits share values between requests: treat them as immutable.
//
// # Expiry
//
// Each entry's TTL is the type's TTL (or NegativeTTL) times a uniform factor in
// [1-Jitter, 1+Jitter] (Jitter is clamped to [0, 0.9]), so entries written together do not expire
// together and stampede the upstream. A Type with TTL <= 0 is not cached at all (Batch calls
// straight through, counted as Bypassed); NegativeTTL <= 0 disables negative caching for it.
//
// # Single-flight
//
// Within one process, concurrent batches that miss the same key share one upstream fetch: the
// first batch fetches it, the others call their batch function only for the keys nobody is
// fetching yet and then wait (bounded by their own context) for the rest. If the fetching batch's
// context ended or its batch function panicked, waiters fetch those keys themselves rather than
// inherit a cancellation that was not theirs. Results shared this way are the same values (and
// pointers) in several requests: treat loaded values as immutable. Use one Type name per value
// type V; a batch never reads another V's in-flight result.
//
// # Failure handling
//
// The store is guarded by one circuit breaker per Cache (github.com/sony/gobreaker/v2). After
// BreakerSettings.ConsecutiveFailures store failures in a row it opens: Batch then neither reads
// nor writes the store (no added latency) and calls the batch function for every key. After
// OpenDuration one probe goes through (half-open); its success closes the breaker, so caching
// resumes by itself when Redis is back. A failure caused by the caller's own context ending does
// not count against the store. A batch whose read failed does not write either. [Cache.Invalidate]
// bypasses the breaker and always tries the delete, because a mutation must know whether stale
// data may remain; it returns the error.
//
// Invalidate also marks keys being fetched at that moment so that fetch does not write its
// (possibly pre-mutation) result. A fetch in flight on another replica can still write an old value
// after the delete; the TTL bounds how long that can last.
//
// # Redis URLs
//
// [RedisClientFromURL] accepts:
//
//	redis://[[user]:password@]host[:port][/db][?option=value&...]      standalone
//	rediss://[[user]:password@]host[:port][/db][?...]                  standalone over TLS
//	unix://[[user]:password@]/path/to/redis.sock[?db=N&...]            standalone over a unix socket
//	redis-sentinel://[[user]:password@]host:port[/db]?master_name=NAME[&addr=host:port...][&username=U&password=P]
//	rediss-sentinel://...                                              the same over TLS
//	redis-cluster://[[user]:password@]host:port[?addr=host:port...]    Redis Cluster (seed nodes)
//	rediss-cluster://...                                               the same over TLS
//
// Options are go-redis's own query parameters (snake_case field names, e.g. pool_size=20,
// read_timeout=300ms, max_retries=2; unknown parameters are an error). In the sentinel form, as in
// go-redis, the userinfo authenticates to the sentinels and the username/password parameters to
// the master; further sentinels and cluster seed nodes are given as repeated addr parameters;
// a missing port is 6379, so give sentinel ports explicitly. ContextTimeoutEnabled is always on
// (so the per-call OpTimeout is honoured on the socket); unless the URL sets them, dial timeout is
// 250ms with a single dial attempt per call, no command retries (max_retries), read/write
// timeouts 250ms and pool wait 100ms: a cache call is worth one quick try. In
// Cluster mode go-redis splits MGET and UNLINK per shard and pipelines SETs per node. Errors
// never repeat the URL (it may hold a password).
//
// # Memory store
//
// [NewMemory] is a per-process LRU (github.com/hashicorp/golang-lru/v2/simplelru under one mutex)
// with an expiry time per entry, checked on read. The library's expirable LRU does not fit: it has
// one TTL for the whole cache, and with a TTL it starts a cleanup goroutine that never exits.
// Replicas do not share a memory store, so Invalidate reaches only the local one.
package cache
