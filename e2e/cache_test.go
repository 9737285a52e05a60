package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net"
	"os/exec"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"custgraph/cache"
	"custgraph/e2e/views"
)

// redisCache returns a Cache over the machine's Redis (127.0.0.1:6379) in a namespace of its own.
func redisCache(t testing.TB, addr string) *cache.Cache {
	t.Helper()
	rc := testRedisClient(t, addr)
	if err := rc.Ping(t.Context()).Err(); err != nil {
		t.Fatalf("Redis at %s: %v (the suite needs a Redis server; .ci/run starts one)", addr, err)
	}
	return newCache(t, cache.NewRedis(rc, cache.RedisOptions{OpTimeout: testOpTimeout}), uniqueNamespace())
}

// testOpTimeout is generous: these tests check what is cached, and a loaded CI machine running
// the race detector must not turn a slow Redis answer into a bypass (production uses 50 ms).
const testOpTimeout = 2 * time.Second

func testRedisClient(t testing.TB, addr string) redis.UniversalClient {
	t.Helper()
	rc, err := cache.RedisClientFromURL("redis://" + addr + "/0?read_timeout=2s&write_timeout=2s&pool_timeout=2s")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rc.Close() })
	return rc
}

// replicaCaches returns the caches of two replicas sharing the machine's Redis in a namespace
// of their own.
func replicaCaches(t testing.TB) (a, b *cache.Cache) {
	t.Helper()
	ns := uniqueNamespace()
	rc := testRedisClient(t, "127.0.0.1:6379")
	a = newCache(t, cache.NewRedis(rc, cache.RedisOptions{OpTimeout: testOpTimeout}), ns)
	b = newCache(t, cache.NewRedis(rc, cache.RedisOptions{OpTimeout: testOpTimeout}), ns)
	return a, b
}

func newCache(t testing.TB, store cache.Store, ns string) *cache.Cache {
	t.Helper()
	c, err := cache.New(store, cache.Options{Namespace: ns, FormatVersion: 1})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func uniqueNamespace() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "e2e-" + hex.EncodeToString(b)
}

func TestWarmNestedQueryMakesNoUpstreamRequests(t *testing.T) {
	t.Parallel()
	for name, mk := range map[string]func(t *testing.T) *cache.Cache{
		"redis":  func(t *testing.T) *cache.Cache { return redisCache(t, "127.0.0.1:6379") },
		"memory": func(t *testing.T) *cache.Cache { return newCache(t, cache.NewMemory(10000), "mem") },
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			h := newHarness(t, harnessOptions{cache: mk(t)})
			cold := h.do(nestedQuery, map[string]any{"first": 50})
			h.resetCounts()
			warm := h.do(nestedQuery, map[string]any{"first": 50})
			if got := h.requests(); got["netsuite"]+got["commercetools"]+got["sales"] != 0 {
				t.Errorf("warm repeat made upstream requests %v, want none", got)
			}
			if len(cold.Errors)+len(warm.Errors) > 0 || string(cold.Data) != string(warm.Data) {
				t.Errorf("warm answer differs from cold:\n%s\n%s", cold.Data, warm.Data)
			}
		})
	}
}

// TestWriteThroughOneReplicaReadThroughAnother: two gateway instances share one Redis; a
// mutation through the first is seen by the second at once.
func TestWriteThroughOneReplicaReadThroughAnother(t *testing.T) {
	t.Parallel()
	a, b := replicaCaches(t)
	h := newHarness(t, harnessOptions{cache: a})
	second := h.addGateway(b)
	cust, cats, grps := h.ids()

	read := `query($c: ID!, $g: ID!) { customer(id: $c) { note category { id name } groups { id } } customerGroup(id: $g) { name version } }`
	vars := map[string]any{"c": cust[0], "g": grps[0]}
	type view struct {
		Customer struct {
			Note     *string
			Category struct{ ID, Name string }
			Groups   []struct{ ID string }
		}
		CustomerGroup struct {
			Name    string
			Version int
		}
	}
	var before view
	h.data(read, vars, &before) // warms the shared cache through the first replica
	r := h.doAt(second, read, vars)
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	list := `{ customers(first: 1) { nodes { note } } }`
	h.doAt(second, list, nil) // a cached list page on the second replica

	// Writes through the first replica.
	h.data(`mutation($c: ID!, $cat: ID!, $g: ID!, $v: Int!) {
		updateCustomer(id: $c, input: {note: "replicated"}) { note }
		assignCustomerCategory(customerId: $c, categoryId: $cat) { id }
		setCustomerGroups(customerId: $c, groupIds: [$g]) { id }
		updateCustomerGroup(id: $g, version: $v, input: {name: "Renamed Gold"}) { version }
		updateCustomerCategory(id: $cat, input: {name: "Renamed Category"}) { name }
	}`, map[string]any{"c": cust[0], "cat": cats[3], "g": grps[0], "v": before.CustomerGroup.Version}, &struct{}{})

	// Reads through the second replica see every change immediately.
	var after view
	r = h.doAt(second, read, vars)
	if len(r.Errors) > 0 {
		t.Fatal(r.Errors)
	}
	if err := jsonUnmarshal(r.Data, &after); err != nil {
		t.Fatal(err)
	}
	r = h.doAt(second, list, nil)
	if string(r.Data) != `{"customers":{"nodes":[{"note":"replicated"}]}}` {
		t.Errorf("list page through the second replica: %s", r.Data)
	}
	if after.Customer.Note == nil || *after.Customer.Note != "replicated" {
		t.Errorf("note through the second replica: %v", after.Customer.Note)
	}
	if after.Customer.Category.ID != cats[3] || after.Customer.Category.Name != "Renamed Category" {
		t.Errorf("category through the second replica: %+v", after.Customer.Category)
	}
	if len(after.Customer.Groups) != 1 || after.Customer.Groups[0].ID != grps[0] {
		t.Errorf("groups through the second replica: %+v", after.Customer.Groups)
	}
	if after.CustomerGroup.Name != "Renamed Gold" || after.CustomerGroup.Version != before.CustomerGroup.Version+1 {
		t.Errorf("group through the second replica: %+v", after.CustomerGroup)
	}
}

// TestRedisOutageUnderLoad stops a real redis-server in the middle of a load and starts it
// again: no GraphQL request fails, and caching resumes by itself.
func TestRedisOutageUnderLoad(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skip("redis-server binary not installed (Debian package redis-server); .ci/run installs it")
	}
	port := freePort(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	start := func() *exec.Cmd {
		cmd := exec.Command(bin, "--port", fmt.Sprint(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no")
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		waitListening(t, addr)
		return cmd
	}
	srv := start()
	t.Cleanup(func() { _ = srv.Process.Kill(); _ = srv.Wait() })
	c := redisCache(t, addr)
	h := newHarness(t, harnessOptions{cache: c})
	query := `{ customers(first: 20) { nodes { number category { name } groups { key } } } }`

	var failed, total atomic.Int64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				r := h.do(query, nil)
				total.Add(1)
				if len(r.Errors) > 0 || r.Status != 200 {
					failed.Add(1)
					t.Errorf("request failed during the outage: %d %+v", r.Status, r.Errors)
				}
			}
		})
	}
	time.Sleep(300 * time.Millisecond)
	_ = srv.Process.Kill() // the outage
	_ = srv.Wait()
	time.Sleep(700 * time.Millisecond)
	srv = start() // back
	hitsBefore := c.Stats()["customer-category"].Hits
	deadline := time.Now().Add(10 * time.Second)
	for c.Stats()["customer-category"].Hits == hitsBefore && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
	}
	close(stop)
	wg.Wait()
	if c.Stats()["customer-category"].Hits == hitsBefore {
		t.Error("caching did not resume after Redis came back")
	}
	t.Logf("%d requests, %d failed; cache stats %+v", total.Load(), failed.Load(), c.Stats()["customer-category"])
}

func freePort(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}

func waitListening(t testing.TB, addr string) {
	t.Helper()
	for range 100 {
		if c, err := net.Dial("tcp", addr); err == nil {
			_ = c.Close()
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("nothing listens on %s", addr)
}

// BenchmarkNested50At50ms is the nested 50-customer query with 50 ms of simulated latency on
// every upstream call: cold (no cache), warm over Redis, warm over the in-memory cache, in one
// run. Each reports its median (p50-ms) besides the mean.
func BenchmarkNested50At50ms(b *testing.B) {
	modes := []struct {
		name  string
		cache func(b *testing.B) *cache.Cache
	}{
		{"cold", func(*testing.B) *cache.Cache { return nil }},
		{"warm-redis", func(b *testing.B) *cache.Cache { return redisCache(b, "127.0.0.1:6379") }},
		{"warm-memory", func(b *testing.B) *cache.Cache { return newCache(b, cache.NewMemory(10000), "bench") }},
	}
	for _, m := range modes {
		b.Run(m.name, func(b *testing.B) {
			h := newHarness(b, harnessOptions{latency: 50 * time.Millisecond, cache: m.cache(b)})
			vars := map[string]any{"first": 50}
			h.data(views.Counted, vars, &struct{}{}) // tokens, and the cache when there is one
			var durations []time.Duration
			for b.Loop() {
				start := time.Now()
				h.data(views.Counted, vars, &struct{}{})
				durations = append(durations, time.Since(start))
			}
			b.ReportMetric(float64(percentile(durations, 50).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(percentile(durations, 99).Microseconds())/1000, "p99-ms")
		})
	}
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}
