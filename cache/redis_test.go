package cache

import (
	"context"
	"fmt"
	"net"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
)

// commandLog records the commands a go-redis client sends, through the client's own hook API.
type commandLog struct {
	mu        sync.Mutex
	commands  []string // lower-case command names
	pipelines [][]string
}

func (l *commandLog) DialHook(next redis.DialHook) redis.DialHook { return next }

func (l *commandLog) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		if !handshake(cmd) {
			l.mu.Lock()
			l.commands = append(l.commands, strings.Join(argStrings(cmd), " "))
			l.mu.Unlock()
		}
		return next(ctx, cmd)
	}
}

func (l *commandLog) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		var p []string
		for _, c := range cmds {
			if !handshake(c) {
				p = append(p, strings.Join(argStrings(c), " "))
			}
		}
		if len(p) > 0 {
			l.mu.Lock()
			l.pipelines = append(l.pipelines, p)
			l.mu.Unlock()
		}
		return next(ctx, cmds)
	}
}

func (l *commandLog) take() (commands []string, pipelines [][]string) {
	l.mu.Lock()
	defer l.mu.Unlock()
	commands, pipelines = l.commands, l.pipelines
	l.commands, l.pipelines = nil, nil
	return commands, pipelines
}

// handshake reports whether cmd is one go-redis sends when it opens a connection.
func handshake(cmd redis.Cmder) bool {
	name := strings.ToLower(cmd.Name())
	return name == "hello" || name == "client" || name == "auth" || name == "select"
}

func argStrings(cmd redis.Cmder) []string {
	var out []string
	for i, a := range cmd.Args() {
		s := fmt.Sprint(a)
		if i == 0 {
			s = strings.ToLower(s)
		}
		if b, ok := a.([]byte); ok {
			s = string(b)
		}
		out = append(out, s)
	}
	return out
}

func TestRedisStoreCommands(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	client, err := RedisClientFromURL(testRedisURL())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	log := &commandLog{}
	client.AddHook(log)
	ns := testNamespace(t)
	s := NewRedis(client, RedisOptions{OpTimeout: testOpTimeout})
	k1, k2, k3 := ns+":a", ns+":b", ns+":c"

	if err := s.SetMany(ctx, []Entry{
		{Key: k1, Value: []byte("one"), TTL: 1500 * time.Millisecond},
		{Key: k2, Value: []byte("two"), TTL: time.Minute},
		{Key: k3, Value: []byte("never stored"), TTL: 0},
	}); err != nil {
		t.Fatalf("SetMany: %v", err)
	}
	cmds, pipes := log.take()
	wantPipe := []string{"set " + k1 + " one px 1500", "set " + k2 + " two px 60000"}
	if len(cmds) != 0 || len(pipes) != 1 || !slices.Equal(pipes[0], wantPipe) {
		t.Errorf("SetMany sent commands %q and pipelines %q, want one pipeline %q", cmds, pipes, wantPipe)
	}

	got, err := s.GetMany(ctx, []string{k1, k3, k2})
	if err != nil {
		t.Fatalf("GetMany: %v", err)
	}
	if len(got) != 2 || string(got[k1]) != "one" || string(got[k2]) != "two" {
		t.Errorf("GetMany = %q, want a and b only", got)
	}
	if _, ok := got[k3]; ok {
		t.Error("absent key present in GetMany's map")
	}
	cmds, pipes = log.take()
	if want := []string{"mget " + k1 + " " + k3 + " " + k2}; !slices.Equal(cmds, want) || len(pipes) != 0 {
		t.Errorf("GetMany sent %q and pipelines %q, want %q", cmds, pipes, want)
	}

	if err := s.Delete(ctx, k1, k2); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	cmds, _ = log.take()
	if want := []string{"unlink " + k1 + " " + k2}; !slices.Equal(cmds, want) {
		t.Errorf("Delete sent %q, want %q", cmds, want)
	}
	if got, _ := s.GetMany(ctx, []string{k1, k2}); len(got) != 0 {
		t.Errorf("after Delete: %q", got)
	}
	if err := s.Ping(ctx); err != nil {
		t.Errorf("Ping: %v", err)
	}
	if cmds, _ = log.take(); !slices.Equal(cmds, []string{"mget " + k1 + " " + k2, "ping"}) {
		t.Errorf("GetMany and Ping sent %q", cmds)
	}

	// Nothing to do means no round trip.
	_, _ = s.GetMany(ctx, nil)
	_ = s.SetMany(ctx, nil)
	_ = s.Delete(ctx)
	if cmds, pipes := log.take(); len(cmds)+len(pipes) != 0 {
		t.Errorf("empty calls sent %q %q", cmds, pipes)
	}
}

func TestRedisStoreOpTimeout(t *testing.T) {
	t.Parallel()
	// A server that accepts connections and never answers: the worst kind of slow Redis.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	var connsMu sync.Mutex
	var conns []net.Conn
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			connsMu.Lock()
			conns = append(conns, c)
			connsMu.Unlock()
		}
	})
	t.Cleanup(func() {
		_ = l.Close()
		wg.Wait()
		connsMu.Lock()
		for _, c := range conns {
			_ = c.Close()
		}
		connsMu.Unlock()
	})
	client, err := RedisClientFromURL("redis://" + l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	const op = 30 * time.Millisecond
	s := NewRedis(client, RedisOptions{OpTimeout: op})
	calls := []struct {
		name string
		call func(ctx context.Context) error
	}{
		{"GetMany", func(ctx context.Context) error { _, err := s.GetMany(ctx, []string{"k"}); return err }},
		{"SetMany", func(ctx context.Context) error {
			return s.SetMany(ctx, []Entry{{Key: "k", Value: []byte("v"), TTL: time.Second}})
		}},
		{"Delete", func(ctx context.Context) error { return s.Delete(ctx, "k") }},
		{"Ping", func(ctx context.Context) error { return s.Ping(ctx) }},
	}
	for _, c := range calls {
		start := time.Now()
		err := c.call(t.Context())
		took := time.Since(start)
		if err == nil {
			t.Errorf("%s against a silent server succeeded", c.name)
		}
		// Generous slack for -race on a loaded machine; go-redis's default would be seconds.
		if took > op+300*time.Millisecond {
			t.Errorf("%s took %v, want about OpTimeout %v", c.name, took, op)
		}
	}
}

func TestJitteredTTLs(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	client := newRedisClient(t)
	c := newCache(t, NewRedis(client, RedisOptions{OpTimeout: testOpTimeout}), Options{Namespace: testNamespace(t)})
	tests := []struct {
		name    string
		typ     Type
		prefix  string // id prefix: "missing" makes negative entries
		base    time.Duration
		jitter  float64
		minSpan time.Duration // the spread 200 samples must at least show
	}{
		{"positive ±20%", Type{Name: "pos", TTL: 10 * time.Second, NegativeTTL: time.Second, Jitter: 0.2}, "", 10 * time.Second, 0.2, time.Second},
		{"negative ±20%", Type{Name: "neg", TTL: time.Minute, NegativeTTL: 2 * time.Second, Jitter: 0.2}, "missing", 2 * time.Second, 0.2, 200 * time.Millisecond},
		{"no jitter", Type{Name: "flat", TTL: 10 * time.Second}, "", 10 * time.Second, 0, 0},
		{"jitter clamped", Type{Name: "wild", TTL: 10 * time.Second, Jitter: 7}, "", 10 * time.Second, maxJitter, time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ids := make([]string, 200)
			for i := range ids {
				ids[i] = fmt.Sprintf("%s%d", tt.prefix, i)
			}
			loader(c, tt.typ, &fakeUpstream{})(ctx, ids)
			pipe := client.Pipeline()
			cmds := make([]*redis.DurationCmd, len(ids))
			for i, id := range ids {
				cmds[i] = pipe.PTTL(ctx, c.Key(tt.typ, id))
			}
			if _, err := pipe.Exec(ctx); err != nil {
				t.Fatalf("PTTL: %v", err)
			}
			lo := time.Duration(float64(tt.base) * (1 - tt.jitter))
			hi := time.Duration(float64(tt.base) * (1 + tt.jitter))
			const elapsed = 2 * time.Second // the test's own runtime eats into the TTL
			minGot, maxGot := time.Duration(1<<62), time.Duration(0)
			for i, cmd := range cmds {
				d := cmd.Val()
				if d < lo-elapsed || d > hi {
					t.Errorf("PTTL of %s = %v, want within [%v, %v]", ids[i], d, lo, hi)
				}
				minGot, maxGot = min(minGot, d), max(maxGot, d)
			}
			if span := maxGot - minGot; span < tt.minSpan {
				t.Errorf("TTLs span %v (%v..%v), want at least %v of spread", span, minGot, maxGot, tt.minSpan)
			}
		})
	}
}

func TestRedisClientFromURL(t *testing.T) {
	t.Parallel()
	type check func(t *testing.T, c redis.UniversalClient)
	standalone := func(want func(t *testing.T, o *redis.Options)) check {
		return func(t *testing.T, c redis.UniversalClient) {
			cl, ok := c.(*redis.Client)
			if !ok {
				t.Fatalf("client is %T, want *redis.Client", c)
			}
			o := cl.Options()
			if !o.ContextTimeoutEnabled {
				t.Error("ContextTimeoutEnabled is off")
			}
			want(t, o)
		}
	}
	tests := []struct {
		url     string
		check   check
		wantErr string
	}{
		{url: "redis://127.0.0.1:6379/2", check: standalone(func(t *testing.T, o *redis.Options) {
			if o.Addr != "127.0.0.1:6379" || o.DB != 2 || o.TLSConfig != nil {
				t.Errorf("addr %q db %d tls %v", o.Addr, o.DB, o.TLSConfig != nil)
			}
			if o.DialTimeout != defaultDialTimeout || o.ReadTimeout != defaultReadTimeout ||
				o.WriteTimeout != defaultWriteTimeout || o.PoolTimeout != defaultPoolTimeout || o.DialerRetries != 1 ||
				o.MaxRetries != 0 {
				t.Errorf("timeouts dial %v read %v write %v pool %v, dial attempts %d, retries %d; want the cache defaults",
					o.DialTimeout, o.ReadTimeout, o.WriteTimeout, o.PoolTimeout, o.DialerRetries, o.MaxRetries)
			}
		})},
		{url: "redis://:pw@cache.internal?read_timeout=1s&max_retries=2&pool_size=7", check: standalone(func(t *testing.T, o *redis.Options) {
			if o.Addr != "cache.internal:6379" || o.Password != "pw" || o.ReadTimeout != time.Second ||
				o.MaxRetries != 2 || o.PoolSize != 7 || o.DialTimeout != defaultDialTimeout {
				t.Errorf("URL options not honoured: %+v", o)
			}
		})},
		{url: "rediss://user:pw@cache.example.com:6380", check: standalone(func(t *testing.T, o *redis.Options) {
			if o.TLSConfig == nil || o.TLSConfig.ServerName != "cache.example.com" || o.Username != "user" {
				t.Errorf("TLS %v, user %q", o.TLSConfig, o.Username)
			}
		})},
		{url: "unix:///run/redis/redis.sock?db=3", check: standalone(func(t *testing.T, o *redis.Options) {
			if o.Network != "unix" || o.Addr != "/run/redis/redis.sock" || o.DB != 3 {
				t.Errorf("network %q addr %q db %d", o.Network, o.Addr, o.DB)
			}
		})},
		{url: "redis-sentinel://s1:26379/1?master_name=mymaster&addr=s2:26379&password=masterpw", check: func(t *testing.T, c redis.UniversalClient) {
			if _, ok := c.(*redis.Client); !ok {
				t.Fatalf("client is %T, want a failover *redis.Client", c)
			}
		}},
		{url: "REDISS-SENTINEL://s1:26379?master_name=m", check: func(t *testing.T, c redis.UniversalClient) {
			if _, ok := c.(*redis.Client); !ok {
				t.Fatalf("client is %T, want a failover *redis.Client", c)
			}
		}},
		{url: "redis-cluster://n1:7000?addr=n2:7001&addr=n3:7002", check: func(t *testing.T, c redis.UniversalClient) {
			cl, ok := c.(*redis.ClusterClient)
			if !ok {
				t.Fatalf("client is %T, want *redis.ClusterClient", c)
			}
			o := cl.Options()
			if !slices.Equal(o.Addrs, []string{"n1:7000", "n2:7001", "n3:7002"}) || !o.ContextTimeoutEnabled ||
				o.ReadTimeout != defaultReadTimeout {
				t.Errorf("addrs %q, context timeouts %v, read timeout %v", o.Addrs, o.ContextTimeoutEnabled, o.ReadTimeout)
			}
		}},
		{url: "rediss-cluster://n1:7000", check: func(t *testing.T, c redis.UniversalClient) {
			if cl, ok := c.(*redis.ClusterClient); !ok || cl.Options().TLSConfig == nil {
				t.Fatalf("client is %T, want a TLS *redis.ClusterClient", c)
			}
		}},
		{url: "", wantErr: "does not parse"},
		{url: "localhost:6379", wantErr: "scheme"},
		{url: "http://cache:6379", wantErr: "unsupported Redis URL scheme"},
		{url: "redis:cache", wantErr: "://"},
		{url: "redis://u:hunter2secret@cache:notaport/0", wantErr: "does not parse"},
		{url: "redis://cache/0?bogus=1", wantErr: "unexpected option"},
		{url: "redis://cache/x", wantErr: "database number"},
		{url: "redis-sentinel://s1:26379", wantErr: "master_name"},
		{url: "redis-cluster://n1:7000?addr=nope", wantErr: "addr"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			t.Parallel()
			c, err := RedisClientFromURL(tt.url)
			if tt.wantErr != "" {
				if err == nil {
					_ = c.Close()
					t.Fatalf("no error, want one mentioning %q", tt.wantErr)
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("error %q, want it to mention %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "hunter2secret") {
					t.Errorf("error %q repeats the password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("RedisClientFromURL: %v", err)
			}
			defer c.Close()
			tt.check(t, c)
		})
	}
}
