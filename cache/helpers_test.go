package cache

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/graph-gophers/dataloader/v7"
	"github.com/redis/go-redis/v9"
	"go.uber.org/goleak"
)

func TestMain(m *testing.M) {
	// go-redis logs every failed dial through a process-wide logger; the outage tests cause
	// hundreds on purpose.
	redis.SetLogger(quietLogger{})
	goleak.VerifyTestMain(m)
}

type quietLogger struct{}

func (quietLogger) Printf(context.Context, string, ...any) {}

// testOpTimeout replaces the 50ms production default in tests that are not about timeouts:
// under -race on a busy machine a local Redis round trip can exceed 50ms, and those tests assert
// exact hit and call counts.
const testOpTimeout = 2 * time.Second

// testRedisURL is the shared Redis 7 every machine running these tests provides.
func testRedisURL() string {
	if u := os.Getenv("CACHE_TEST_REDIS_URL"); u != "" {
		return u
	}
	return "redis://127.0.0.1:6379/0"
}

// newRedisClient returns a client of the shared Redis, closed at the end of the test.
func newRedisClient(tb testing.TB) redis.UniversalClient {
	tb.Helper()
	client, err := RedisClientFromURL(testRedisURL())
	if err != nil {
		tb.Fatalf("RedisClientFromURL: %v", err)
	}
	tb.Cleanup(func() { _ = client.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		tb.Fatalf("the shared Redis at %s does not answer: %v", testRedisURL(), err)
	}
	return client
}

// testNamespace returns a namespace no other test uses and deletes its keys from the shared
// Redis when the test ends.
func testNamespace(tb testing.TB) string {
	tb.Helper()
	name := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '-', r == '_':
			return r
		}
		return '.'
	}, tb.Name())
	if len(name) > 40 {
		name = name[len(name)-40:]
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	ns := "t" + hex.EncodeToString(b[:]) + "-" + name
	tb.Cleanup(func() { deleteNamespace(tb, ns) })
	return ns
}

func deleteNamespace(tb testing.TB, ns string) {
	tb.Helper()
	client, err := RedisClientFromURL(testRedisURL())
	if err != nil {
		tb.Errorf("cleanup client: %v", err)
		return
	}
	defer client.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	var cursor uint64
	for {
		keys, next, err := client.Scan(ctx, cursor, ns+":*", 1000).Result()
		if err != nil {
			tb.Errorf("cleanup scan of %s: %v", ns, err)
			return
		}
		if len(keys) > 0 {
			if err := client.Unlink(ctx, keys...).Err(); err != nil {
				tb.Errorf("cleanup unlink: %v", err)
				return
			}
		}
		if cursor = next; cursor == 0 {
			return
		}
	}
}

func newCache(tb testing.TB, store Store, opts Options) *Cache {
	tb.Helper()
	c, err := New(store, opts)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return c
}

// storeFactory builds a fresh store for one test; both kinds must behave alike.
type storeFactory struct {
	name string
	make func(tb testing.TB) Store
}

func storeFactories() []storeFactory {
	return []storeFactory{
		{"memory", func(testing.TB) Store { return NewMemory(1000) }},
		{"redis", func(tb testing.TB) Store { return NewRedis(newRedisClient(tb), RedisOptions{OpTimeout: testOpTimeout}) }},
	}
}

// entity stands for an upstream record.
type entity struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Number string `json:"number"`
}

type notFoundError struct{ id string }

func (e *notFoundError) Error() string { return "record " + e.id + " not found" }

func notFound(id string) error { return &notFoundError{id: id} }

func isNotFound(err error) bool {
	var nf *notFoundError
	return errors.As(err, &nf)
}

// upstreamDown is the error of ids starting with "fail"; a comparable value, so errors.Is works.
type upstreamDown struct{}

func (upstreamDown) Error() string { return "upstream unavailable" }

// fakeUpstream stands in for an upstream API behind a batch function: ids starting with
// "missing" do not exist, ids starting with "fail" fail, others exist. It records every call.
type fakeUpstream struct {
	mu    sync.Mutex
	calls [][]string
	hook  func(ctx context.Context, call int, keys []string) // runs before answering, if set
}

func (u *fakeUpstream) next(ctx context.Context, keys []string) []*dataloader.Result[entity] {
	u.mu.Lock()
	u.calls = append(u.calls, slices.Clone(keys))
	n := len(u.calls)
	u.mu.Unlock()
	if u.hook != nil {
		u.hook(ctx, n, keys)
	}
	out := make([]*dataloader.Result[entity], len(keys))
	for i, k := range keys {
		switch {
		case strings.HasPrefix(k, "missing"):
			out[i] = &dataloader.Result[entity]{Error: notFound(k)}
		case strings.HasPrefix(k, "fail"):
			out[i] = &dataloader.Result[entity]{Error: upstreamDown{}}
		default:
			out[i] = &dataloader.Result[entity]{Data: wantEntity(k)}
		}
	}
	return out
}

func (u *fakeUpstream) Calls() [][]string {
	u.mu.Lock()
	defer u.mu.Unlock()
	return slices.Clone(u.calls)
}

func wantEntity(id string) entity {
	return entity{ID: id, Name: "Customer " + id, Number: "C-" + id}
}

func identity(s string) string { return s }

func loader(c *Cache, t Type, u *fakeUpstream) dataloader.BatchFunc[string, entity] {
	return Batch(c, t, identity, notFound, isNotFound, u.next)
}

// checkResults asserts one result per key, in key order, each as fakeUpstream answers it.
func checkResults(tb testing.TB, keys []string, got []*dataloader.Result[entity]) {
	tb.Helper()
	if len(got) != len(keys) {
		tb.Fatalf("got %d results for %d keys", len(got), len(keys))
	}
	for i, k := range keys {
		r := got[i]
		if r == nil {
			tb.Errorf("key %q: nil result", k)
			continue
		}
		switch {
		case strings.HasPrefix(k, "missing"):
			var nf *notFoundError
			if !errors.As(r.Error, &nf) || nf.id != k {
				tb.Errorf("key %q: error %v, want not-found for that key", k, r.Error)
			}
		case strings.HasPrefix(k, "fail"):
			if !errors.Is(r.Error, upstreamDown{}) {
				tb.Errorf("key %q: error %v, want %v", k, r.Error, upstreamDown{})
			}
		default:
			if r.Error != nil || r.Data != wantEntity(k) {
				tb.Errorf("key %q: got (%+v, %v), want %+v", k, r.Data, r.Error, wantEntity(k))
			}
		}
	}
}

// redisServer is a redis-server this test starts, kills, pauses and restarts.
type redisServer struct {
	tb   testing.TB
	bin  string
	port int
	dir  string
	cmd  *exec.Cmd
}

func startRedisServer(tb testing.TB) *redisServer {
	tb.Helper()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		tb.Skipf("skipping: the redis-server binary is not on PATH (%v); install redis-server to run this test", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		tb.Fatalf("finding a free port: %v", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	_ = l.Close()
	s := &redisServer{tb: tb, bin: bin, port: port, dir: tb.TempDir()}
	s.start()
	tb.Cleanup(s.stop)
	return s
}

func (s *redisServer) url() string { return "redis://127.0.0.1:" + strconv.Itoa(s.port) + "/0" }

func (s *redisServer) start() {
	s.tb.Helper()
	s.cmd = exec.Command(s.bin, "--port", strconv.Itoa(s.port), "--bind", "127.0.0.1",
		"--save", "", "--appendonly", "no", "--dir", s.dir)
	if err := s.cmd.Start(); err != nil {
		s.tb.Fatalf("starting redis-server: %v", err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", s.port), 100*time.Millisecond)
		if err == nil {
			ok := pingRaw(conn)
			_ = conn.Close()
			if ok {
				return
			}
		}
		if time.Now().After(deadline) {
			s.stop()
			s.tb.Fatalf("redis-server on port %d did not come up", s.port)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func pingRaw(conn net.Conn) bool {
	_ = conn.SetDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := conn.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	buf := make([]byte, 16)
	n, _ := conn.Read(buf)
	return strings.HasPrefix(string(buf[:n]), "+PONG")
}

// stop kills the server (no shutdown courtesy: this is the outage).
func (s *redisServer) stop() {
	if s.cmd == nil {
		return
	}
	_ = s.cmd.Process.Signal(syscall.SIGCONT) // a paused server cannot die cleanly otherwise
	_ = s.cmd.Process.Kill()
	_ = s.cmd.Wait()
	s.cmd = nil
}

func (s *redisServer) pause()  { _ = s.cmd.Process.Signal(syscall.SIGSTOP) }
func (s *redisServer) resume() { _ = s.cmd.Process.Signal(syscall.SIGCONT) }
