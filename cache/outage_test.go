package cache

import (
	"testing"
	"time"
)

// outageRig is a Cache over a redis-server this test owns, with a fast breaker.
type outageRig struct {
	srv      *redisServer
	c        *Cache
	u        *fakeUpstream
	typ      Type
	opTime   time.Duration
	failures uint32
	open     time.Duration
}

func newOutageRig(t *testing.T) *outageRig {
	t.Helper()
	r := &outageRig{
		srv:      startRedisServer(t),
		u:        &fakeUpstream{},
		typ:      Type{Name: "customer", TTL: time.Minute, NegativeTTL: time.Minute, Jitter: 0.1},
		opTime:   50 * time.Millisecond,
		failures: 3,
		open:     150 * time.Millisecond,
	}
	client, err := RedisClientFromURL(r.srv.url())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = client.Close() })
	r.c = newCache(t, NewRedis(client, RedisOptions{OpTimeout: r.opTime}), Options{
		Namespace: "outage",
		Breaker:   BreakerSettings{ConsecutiveFailures: r.failures, OpenDuration: r.open},
	})
	return r
}

// run loads keys once and fails the test if any result is wrong: the cache must never fail a
// batch. It returns how long the batch took.
func (r *outageRig) run(t *testing.T, keys []string) time.Duration {
	t.Helper()
	start := time.Now()
	res := loader(r.c, r.typ, r.u)(t.Context(), keys)
	took := time.Since(start)
	checkResults(t, keys, res)
	return took
}

func (r *outageRig) hits() uint64 {
	st := r.c.Stats()[r.typ.Name]
	return st.Hits + st.NegativeHits
}

// TestRedisKilledAndRestarted kills the Redis under a loop of batches and restarts it: no batch
// fails, the breaker opens, and cache hits resume by themselves after the restart.
func TestRedisKilledAndRestarted(t *testing.T) {
	t.Parallel()
	r := newOutageRig(t)
	keys := []string{"1", "2", "missing-3", "4"}

	const killAt, restartAt, maxRounds = 20, 50, 400
	var hitsBeforeKill, bypassedAtRestart uint64
	var slowWhileDown int
	var killedAt time.Time
	var downFor time.Duration
	resumedAt := -1
	for i := 0; i < maxRounds && resumedAt < 0; i++ {
		switch i {
		case killAt:
			hitsBeforeKill = r.hits()
			r.srv.stop()
			killedAt = time.Now()
		case restartAt:
			bypassedAtRestart = r.c.Stats()[r.typ.Name].Bypassed
			downFor = time.Since(killedAt)
			r.srv.start()
		}
		hitsBefore := r.hits()
		took := r.run(t, keys)
		if i >= killAt && i < restartAt && took >= r.opTime {
			slowWhileDown++
		}
		if i > restartAt && r.hits() > hitsBefore {
			resumedAt = i
		}
		time.Sleep(5 * time.Millisecond)
	}
	if hitsBeforeKill == 0 {
		t.Error("no cache hits before the outage")
	}
	if bypassedAtRestart == 0 {
		t.Error("nothing was bypassed while Redis was down")
	}
	if resumedAt < 0 {
		t.Fatalf("no cache hits within %d rounds after the restart; stats %+v", maxRounds-restartAt, r.c.Stats())
	}
	// A killed Redis refuses connections at once, so hardly any batch should wait for a timeout;
	// at most the ones before the breaker opened and the half-open probes.
	if maxSlow := int(r.failures) + int(downFor/r.open) + 1; slowWhileDown > maxSlow {
		t.Errorf("%d batches took >= OpTimeout during %v down, want at most %d", slowWhileDown, downFor, maxSlow)
	}
	t.Logf("hits resumed %d rounds after the restart; stats %+v", resumedAt-restartAt, r.c.Stats()[r.typ.Name])
}

// TestRedisHangs freezes the Redis process (SIGSTOP: connections are accepted, nothing is
// answered): every call is bounded by OpTimeout, the breaker opens after ConsecutiveFailures, and
// from then on batches no longer wait for Redis; after SIGCONT caching resumes.
func TestRedisHangs(t *testing.T) {
	t.Parallel()
	r := newOutageRig(t)
	keys := []string{"1", "2", "missing-3"}
	r.waitForHits(t, keys)

	r.srv.pause()
	const rounds = 60
	var slow int
	start := time.Now()
	for range rounds {
		took := r.run(t, keys)
		// Bounded: a read that times out, and no write after a failed read.
		if took > r.opTime+250*time.Millisecond {
			t.Errorf("a batch took %v against a hung Redis, want about OpTimeout %v at most", took, r.opTime)
		}
		if took >= r.opTime*8/10 {
			slow++
		}
		time.Sleep(5 * time.Millisecond)
	}
	elapsed := time.Since(start)
	// Slow batches: the ones that tripped the breaker plus one half-open probe per open period.
	if maxSlow := int(r.failures) + int(elapsed/r.open) + 2; slow > maxSlow {
		t.Errorf("%d of %d batches waited for the hung Redis over %v, want at most %d", slow, rounds, elapsed, maxSlow)
	}
	if slow < int(r.failures) {
		t.Errorf("only %d batches waited for the hung Redis; the test did not exercise the timeout", slow)
	}

	r.srv.resume()
	r.waitForHits(t, keys)
}

// waitForHits runs batches until one of them is answered from the cache, for at most 5s.
func (r *outageRig) waitForHits(t *testing.T, keys []string) {
	t.Helper()
	hits := r.hits()
	deadline := time.Now().Add(5 * time.Second)
	for r.hits() <= hits {
		if time.Now().After(deadline) {
			t.Fatalf("no cache hits within 5s; stats %+v", r.c.Stats())
		}
		r.run(t, keys)
		time.Sleep(10 * time.Millisecond)
	}
}
