package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"custgraph/cache"
	"custgraph/config"
	"custgraph/gateway"
	"custgraph/reqlog"
	"custgraph/simstack"
	"custgraph/simstack/simstacktest"
	"custgraph/telemetry"
	"custgraph/telemetry/telemetrytest"
	"custgraph/upstream/seed"
	"custgraph/upstream/sim"
)

// requestRecorder is a transport that passes every request on and remembers its URL and
// headers: under the instrumented transport it sees each upstream request as it goes out,
// traceparent included.
type requestRecorder struct {
	next http.RoundTripper
	mu   sync.Mutex
	seen []*http.Request // URL and Header only, cloned
}

func (r *requestRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	u := *req.URL
	r.mu.Lock()
	r.seen = append(r.seen, &http.Request{URL: &u, Header: req.Header.Clone()})
	r.mu.Unlock()
	return r.next.RoundTrip(req)
}

// take returns the requests seen since the last take.
func (r *requestRecorder) take() []*http.Request {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := r.seen
	r.seen = nil
	return out
}

func (r *requestRecorder) traceparents() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []string
	for _, req := range r.seen {
		out = append(out, req.Header.Get("traceparent"))
	}
	return out
}

// opsRig is a gateway over the simulators with telemetry, a JSON log and an in-memory cache,
// built as gateway.Run builds it: one instrumented transport split per upstream.
type opsRig struct {
	*harness
	tel   *telemetry.Telemetry
	spans *tracetest.SpanRecorder
	log   *lockedBuffer
	wire  *requestRecorder
}

func newOpsRig(t *testing.T) *opsRig {
	t.Helper()
	stack := simstacktest.Start(t, simstack.Options{Seed: seedOptions(20)})
	r := &opsRig{spans: tracetest.NewSpanRecorder(), log: &lockedBuffer{}, wire: &requestRecorder{next: http.DefaultTransport}}
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(r.spans))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	r.tel = telemetry.New(telemetry.Options{TracerProvider: tp})
	log := slog.New(reqlog.NewHandler(slog.NewJSONHandler(r.log, nil)))
	up, err := gateway.SandboxUpstreams(stack, &http.Client{Timeout: 30 * time.Second, Transport: r.tel.UpstreamTransport(r.wire)}, log)
	if err != nil {
		t.Fatal(err)
	}
	c, err := cache.New(cache.NewMemory(1000), cache.Options{Namespace: "ops"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(gateway.New(gateway.Options{Upstreams: up, Logger: log, Introspection: true,
		Cache: c, Telemetry: r.tel, MaxInflight: 8, QueueTimeout: time.Second}))
	t.Cleanup(srv.Close)
	r.harness = &harness{t: t, stack: stack, url: srv.URL, seed: seed.Generate(seedOptions(20))}
	return r
}

const opsQuery = `query OpsCustomers($first: Int!) {
  customers(first: $first) { nodes { number category { name } groups { key } } }
}`

// scrape reads /metrics over HTTP and parses it.
func scrape(t *testing.T, url string) map[string]*dto.MetricFamily {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("/metrics: %d", resp.StatusCode)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return fams
}

// sample sums the value of a metric's series whose labels include want (counter, gauge,
// or a histogram's count).
func sample(fams map[string]*dto.MetricFamily, name string, want map[string]string) (float64, bool) {
	f, ok := fams[name]
	if !ok {
		return 0, false
	}
	return telemetrytest.Sum(f, want)
}

// TestMetricsMoveAfterQuery scrapes /metrics before and after queries: every metric family the
// README lists is exported, and the ones a query touches move by what the query did.
func TestMetricsMoveAfterQuery(t *testing.T) {
	t.Parallel()
	r := newOpsRig(t)
	before := scrape(t, r.url)
	r.data(opsQuery, map[string]any{"first": 5}, new(any))
	r.data(opsQuery, map[string]any{"first": 5}, new(any)) // the second is answered by the cache
	if res := r.do(`{ nope }`, nil); len(res.Errors) != 1 {
		t.Fatalf("invalid query: %+v", res)
	}
	after := scrape(t, r.url)

	for _, name := range []string{
		"custgraph_http_requests_in_flight", "custgraph_http_requests_total",
		"custgraph_http_requests_shed_total", "custgraph_http_queue_wait_seconds",
		"custgraph_graphql_operations_total", "custgraph_graphql_operation_duration_seconds", "custgraph_graphql_errors_total",
		"custgraph_upstream_requests_total", "custgraph_upstream_request_duration_seconds",
		"custgraph_loader_batch_size", "custgraph_loader_batch_duration_seconds",
		"custgraph_cache_hits_total", "custgraph_cache_misses_total", "custgraph_cache_negative_hits_total",
		"custgraph_cache_errors_total", "custgraph_cache_bypassed_total", "custgraph_cache_coalesced_total",
		"custgraph_breaker_state", "go_goroutines", "process_cpu_seconds_total",
	} {
		if _, ok := after[name]; !ok {
			t.Errorf("metric %s missing", name)
		}
	}
	moved := func(name string, labels map[string]string, min float64) {
		t.Helper()
		b, _ := sample(before, name, labels)
		a, ok := sample(after, name, labels)
		if !ok || a-b < min {
			t.Errorf("%s%v moved by %v, want at least %v", name, labels, a-b, min)
		}
	}
	moved("custgraph_http_requests_total", map[string]string{"method": "post"}, 3)
	moved("custgraph_http_queue_wait_seconds", nil, 3) // each request took an execution slot
	moved("custgraph_graphql_operations_total", map[string]string{"operation": "OpsCustomers", "type": "query", "outcome": "ok"}, 2)
	moved("custgraph_graphql_operation_duration_seconds", map[string]string{"operation": "OpsCustomers"}, 2)
	moved("custgraph_graphql_operations_total", map[string]string{"operation": "(invalid)", "outcome": "error"}, 1)
	moved("custgraph_graphql_errors_total", map[string]string{"operation": "(invalid)", "code": "GRAPHQL_VALIDATION_FAILED"}, 1)
	moved("custgraph_upstream_requests_total", map[string]string{"upstream": "sales", "status": "200",
		"route": simstack.SalesPrefix + "/v1/sales/customers", "method": "GET"}, 1)
	moved("custgraph_upstream_requests_total", map[string]string{"upstream": "netsuite",
		"route": simstack.NetSuitePrefix + "/services/rest/query/v1/suiteql"}, 1)
	moved("custgraph_upstream_request_duration_seconds", map[string]string{"upstream": "commercetools"}, 1)
	moved("custgraph_loader_batch_size", map[string]string{"loader": "CategoryOfCustomer"}, 2)
	moved("custgraph_loader_batch_size", map[string]string{"loader": "GroupsOfCustomer"}, 2)
	moved("custgraph_cache_hits_total", map[string]string{"type": "customer-category"}, 5)
	moved("custgraph_cache_misses_total", map[string]string{"type": "customer-category"}, 5)
	if v, ok := sample(after, "custgraph_breaker_state", map[string]string{"breaker": "cache"}); !ok || v != 0 {
		t.Errorf("cache breaker state %v (present %v), want 0 (closed)", v, ok)
	}
	if v, _ := sample(after, "custgraph_http_requests_in_flight", nil); v != 0 {
		t.Errorf("in-flight %v after the requests ended", v)
	}
	if _, ok := sample(after, "custgraph_upstream_requests_total", map[string]string{"upstream": "unknown"}); ok {
		t.Error("an upstream call was not attributed to its upstream")
	}
}

// TestTraceParentChild checks the span tree of one query sent with a caller's traceparent:
// caller → server span → operation → loader batch → upstream HTTP call, one trace id, and the
// upstream request carrying traceparent of its own HTTP span.
func TestTraceParentChild(t *testing.T) {
	t.Parallel()
	r := newOpsRig(t)
	const traceID, callerSpan = "4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7"
	body, _ := json.Marshal(map[string]any{"query": opsQuery, "variables": map[string]any{"first": 3}})
	req, _ := http.NewRequest(http.MethodPost, r.url+"/graphql", bytes.NewReader(body))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("traceparent", "00-"+traceID+"-"+callerSpan+"-01")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()

	var spans []sdktrace.ReadOnlySpan
	byName := func(prefix string) []sdktrace.ReadOnlySpan {
		var out []sdktrace.ReadOnlySpan
		for _, s := range spans {
			if strings.HasPrefix(s.Name(), prefix) {
				out = append(out, s)
			}
		}
		return out
	}
	deadline := time.Now().Add(5 * time.Second)
	for { // the server span ends just after the response is written
		spans = r.spans.Ended()
		if len(byName("POST /graphql")) == 1 || time.Now().After(deadline) {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	one := func(prefix string) sdktrace.ReadOnlySpan {
		t.Helper()
		got := byName(prefix)
		if len(got) != 1 {
			var names []string
			for _, s := range spans {
				names = append(names, s.Name())
			}
			t.Fatalf("want one span %q, got %d among %q", prefix, len(got), names)
		}
		return got[0]
	}
	childOf := func(child, parent sdktrace.ReadOnlySpan) {
		t.Helper()
		if child.Parent().SpanID() != parent.SpanContext().SpanID() {
			t.Errorf("span %q has parent %s, want %q (%s)", child.Name(), child.Parent().SpanID(), parent.Name(), parent.SpanContext().SpanID())
		}
	}
	for _, s := range spans {
		if s.SpanContext().TraceID().String() != traceID {
			t.Errorf("span %q is in trace %s, not the caller's", s.Name(), s.SpanContext().TraceID())
		}
	}
	server := one("POST /graphql")
	if !server.Parent().IsRemote() || server.Parent().SpanID().String() != callerSpan {
		t.Errorf("server span's parent %v is not the caller's span", server.Parent())
	}
	op := one("query OpsCustomers")
	childOf(op, server)
	for _, tc := range []struct{ batch, call string }{
		{"loader CategoryOfCustomer", "netsuite POST " + simstack.NetSuitePrefix + "/services/rest/query/v1/suiteql"},
		{"loader GroupsOfCustomer", "commercetools GET " + simstack.CommercetoolsPrefix + "/custgraph-sandbox/customers"},
	} {
		batch, call := one(tc.batch), one(tc.call)
		childOf(batch, op)
		childOf(call, batch)
		if call.SpanKind() != trace.SpanKindClient {
			t.Errorf("%q is a %v span, want client", call.Name(), call.SpanKind())
		}
		// The upstream saw this very span as its parent.
		want := "00-" + traceID + "-" + call.SpanContext().SpanID().String() + "-01"
		found := false
		for _, tp := range r.wire.traceparents() {
			found = found || tp == want
		}
		if !found {
			t.Errorf("no upstream request carried traceparent %s; sent %q", want, r.wire.traceparents())
		}
	}
	// The sales page is fetched by the list resolver itself, not a loader: a direct child.
	childOf(one("sales GET "+simstack.SalesPrefix+"/v1/sales/customers"), op)
}

// TestRequestLogLine: one JSON line per request with the request id (echoed), operation,
// upstream calls per upstream, cache hits and error codes, and never the variables.
func TestRequestLogLine(t *testing.T) {
	t.Parallel()
	r := newOpsRig(t)
	const marker = "C-SECRET-MARKER-9"
	// customerByNumber asks the sales API (then the cache: a negative entry); node with a
	// malformed id is an error without any upstream call.
	body, _ := json.Marshal(map[string]any{"query": `query ByNumber($n: String!) { customerByNumber(number: $n) { name } node(id: "nonsense") { id } }`,
		"variables": map[string]any{"n": marker}})
	for i, id := range []string{"req-ops-1", "req-ops-2"} {
		req, _ := http.NewRequest(http.MethodPost, r.url+"/graphql", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("X-Request-Id", id)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if got := resp.Header.Get("X-Request-Id"); got != id {
			t.Fatalf("request %d: X-Request-Id echoed %q, want %q", i, got, id)
		}
	}
	lines := map[string]map[string]any{}
	for _, l := range strings.Split(strings.TrimSpace(r.log.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		if m["msg"] == "request" {
			lines[fmt.Sprint(m["request_id"])] = m
		}
	}
	first, second := lines["req-ops-1"], lines["req-ops-2"]
	if first == nil || second == nil {
		t.Fatalf("request lines missing:\n%s", r.log.String())
	}
	for k, want := range map[string]any{"operation": "ByNumber", "operation_type": "query", "status": 200.0,
		"errors": 1.0, "error_codes": "BAD_USER_INPUT", "path": "/graphql"} {
		if first[k] != want {
			t.Errorf("%s = %v, want %v (line %v)", k, first[k], want, first)
		}
	}
	if calls, _ := first["upstream"].(map[string]any); calls["sales"] == nil {
		t.Errorf("first request's upstream calls %v, want sales", first["upstream"])
	}
	if second["upstream_calls"] != 0.0 || second["cache_hits"] != 1.0 {
		t.Errorf("second request: upstream_calls %v cache_hits %v, want 0 and 1 (negative entry)", second["upstream_calls"], second["cache_hits"])
	}
	if strings.Contains(r.log.String(), marker) {
		t.Errorf("a query variable reached the log:\n%s", r.log.String())
	}
}

// runGateway runs gateway.Run in-process in sandbox mode with env over the defaults and
// returns where it listens, a cancel that starts the shutdown, and Run's result.
func runGateway(t *testing.T, env map[string]string) (gateway.Started, context.CancelFunc, func() error, *lockedBuffer) {
	t.Helper()
	base := map[string]string{"CUSTGRAPH_ADDR": "127.0.0.1:0", "CUSTGRAPH_SANDBOX_ADDR": "127.0.0.1:0",
		"CUSTGRAPH_SANDBOX_CUSTOMERS": "20", "CUSTGRAPH_READY_INTERVAL": "50ms", "CUSTGRAPH_LOG_FORMAT": "json"}
	for k, v := range env {
		base[k] = v
	}
	cfg, err := config.Load(nil, func(k string) string { return base[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &lockedBuffer{}
	log := slog.New(reqlog.NewHandler(slog.NewJSONHandler(logs, nil)))
	ctx, cancel := context.WithCancel(context.Background())
	startedCh := make(chan gateway.Started, 1)
	done := make(chan struct{})
	var runErr error
	go func() {
		defer close(done)
		runErr = gateway.Run(ctx, cfg, log, func(s gateway.Started) { startedCh <- s })
	}()
	// wait returns Run's result, or an error when it has not returned within 10 s.
	wait := func() error {
		select {
		case <-done:
			return runErr
		case <-time.After(10 * time.Second):
			return errors.New("gateway.Run did not return within 10s")
		}
	}
	t.Cleanup(func() {
		cancel()
		if err := wait(); err != nil {
			t.Error(err)
		}
	})
	select {
	case s := <-startedCh:
		return s, cancel, wait, logs
	case <-done:
		t.Fatalf("gateway.Run: %v", runErr)
	case <-time.After(10 * time.Second):
		t.Fatal("gateway.Run did not start")
	}
	return gateway.Started{}, nil, nil, nil
}

// readyz returns /readyz's status and body; 0 when nothing answered (a closed listener).
func readyz(t *testing.T, url string) (int, string) {
	t.Helper()
	resp, err := http.Get(url + "/readyz")
	if err != nil {
		return 0, err.Error()
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func setFaults(t *testing.T, sandboxURL, upstream string, f sim.Faults) {
	t.Helper()
	b, _ := json.Marshal(f)
	resp, err := http.Post(sandboxURL+"/"+upstream+"/_sim/faults", "application/json", bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("setting faults: %d", resp.StatusCode)
	}
}

// TestReadinessFollowsUpstreams: /readyz fails while NetSuite is down (simulator fault) and
// recovers with it; /healthz stays up throughout.
func TestReadinessFollowsUpstreams(t *testing.T) {
	t.Parallel()
	s, _, _, _ := runGateway(t, nil)
	eventually(t, "ready", func() bool { c, _ := readyz(t, s.URL); return c == http.StatusOK })
	setFaults(t, s.SandboxURL, "netsuite", sim.Faults{Down: true})
	eventually(t, "not ready while NetSuite is down", func() bool {
		c, body := readyz(t, s.URL)
		return c == http.StatusServiceUnavailable && strings.Contains(body, `"netsuite":"unavailable"`) &&
			strings.Contains(body, `"sales":"ok"`)
	})
	if resp, err := http.Get(s.URL + "/healthz"); err != nil || resp.StatusCode != http.StatusOK {
		t.Errorf("/healthz while an upstream is down: %v %v", resp, err)
	} else {
		resp.Body.Close() // an unclosed body keeps the connection's goroutines alive (goleak)
	}
	setFaults(t, s.SandboxURL, "netsuite", sim.Faults{})
	eventually(t, "ready again", func() bool { c, _ := readyz(t, s.URL); return c == http.StatusOK })
}

// TestReadinessFollowsRedis: with a Redis cache, /readyz fails once Redis dies.
func TestReadinessFollowsRedis(t *testing.T) {
	t.Parallel()
	bin, err := exec.LookPath("redis-server")
	if err != nil {
		t.Skipf("skipping: the redis-server binary is not on PATH (%v)", err)
	}
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	_ = l.Close()
	redis := exec.Command(bin, "--port", port, "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", t.TempDir())
	if err := redis.Start(); err != nil {
		t.Fatal(err)
	}
	stopped := false
	stop := func() {
		if !stopped {
			stopped = true
			_ = redis.Process.Kill()
			_ = redis.Wait()
		}
	}
	t.Cleanup(stop)
	eventually(t, "redis-server up", func() bool {
		c, err := net.Dial("tcp", "127.0.0.1:"+port)
		if err == nil {
			c.Close()
		}
		return err == nil
	})

	s, _, _, _ := runGateway(t, map[string]string{"CUSTGRAPH_REDIS_URL": "redis://127.0.0.1:" + port + "/0",
		"CUSTGRAPH_CACHE_NAMESPACE": "readyz"})
	eventually(t, "ready with Redis", func() bool {
		c, body := readyz(t, s.URL)
		return c == http.StatusOK && strings.Contains(body, `"redis":"ok"`)
	})
	stop()
	eventually(t, "not ready without Redis", func() bool {
		c, body := readyz(t, s.URL)
		return c == http.StatusServiceUnavailable && strings.Contains(body, `"redis":"unavailable"`)
	})
}

// TestShutdownDrainsInFlight cancels Run's context while a query waits on slow upstreams:
// /readyz reports shutting down at once, the query still completes with its data, Run returns
// cleanly, and then the listener is gone.
func TestShutdownDrainsInFlight(t *testing.T) {
	t.Parallel()
	s, cancel, wait, logs := runGateway(t, map[string]string{"CUSTGRAPH_SANDBOX_LATENCY": "300ms",
		"CUSTGRAPH_SHUTDOWN_DELAY": "600ms", "CUSTGRAPH_SHUTDOWN_TIMEOUT": "10s"})
	eventually(t, "ready", func() bool { c, _ := readyz(t, s.URL); return c == http.StatusOK })

	type result struct {
		status int
		body   string
		err    error
	}
	res := make(chan result, 1)
	go func() {
		body, _ := json.Marshal(map[string]any{"query": `{ customers(first: 3) { nodes { number category { name } } } }`})
		resp, err := http.Post(s.URL+"/graphql", "application/json", bytes.NewReader(body))
		if err != nil {
			res <- result{err: err}
			return
		}
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		res <- result{resp.StatusCode, string(b), err}
	}()
	// Wait until the query reached an upstream, then start the shutdown mid-request.
	eventually(t, "query in flight", func() bool {
		resp, err := http.Get(s.SandboxURL + "/sales/_sim/stats")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var st sim.Stats
		_ = json.NewDecoder(resp.Body).Decode(&st)
		return st.Requests > 0
	})
	cancel()
	eventually(t, "not ready during shutdown", func() bool {
		c, body := readyz(t, s.URL)
		return c == http.StatusServiceUnavailable && strings.Contains(body, "shutting down")
	})

	r := <-res
	if r.err != nil || r.status != http.StatusOK || !strings.Contains(r.body, `"number":"C-1001"`) ||
		strings.Contains(r.body, `"errors"`) {
		t.Fatalf("in-flight query at shutdown: %d %v %s", r.status, r.err, r.body)
	}
	if err := wait(); err != nil {
		t.Fatalf("gateway.Run after draining: %v", err)
	}
	if _, err := http.Get(s.URL + "/healthz"); err == nil {
		t.Error("the listener still accepts connections after Run returned")
	}
	if !strings.Contains(logs.String(), `"msg":"shutting down"`) {
		t.Errorf("no shutdown line in the log:\n%s", logs.String())
	}
}
