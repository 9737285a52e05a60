// Command soak runs the gateway over the in-process simulators for a bounded time while the
// simulators' faults switch on and off (NetSuite down or hanging, 503s and 429s, concurrency
// limits), and prints what a long run must show: no crashes, no goroutines left behind, a flat
// heap. It is a manual check, not part of the test suite:
//
//	go run ./cmd/soak -duration 60s
//
// The gateway uses its normal settings (CUSTGRAPH_* variables: policies, budget, cache), with
// the cache off unless -cache is given (a warm cache would hide the upstream faults). Exit
// status 1 when a crash was seen or goroutines were left behind.
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"custgraph/config"
	"custgraph/gateway"
	"custgraph/simstack"
	"custgraph/upstream/seed"
	"custgraph/upstream/sim"
)

func main() {
	duration := flag.Duration("duration", 60*time.Second, "how long to send queries")
	phase := flag.Duration("phase", 5*time.Second, "how long each fault setting lasts")
	workers := flag.Int("workers", 8, "concurrent clients")
	latency := flag.Duration("latency", 10*time.Millisecond, "simulated latency of every upstream call")
	withCache := flag.Bool("cache", false, "keep the gateway's cache on (CUSTGRAPH_CACHE)")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, *duration, *phase, *workers, *latency, *withCache); err != nil {
		fmt.Fprintln(os.Stderr, "soak:", err)
		os.Exit(1)
	}
}

// faultPhases are switched through in order, round robin.
var faultPhases = []struct {
	name   string
	faults map[string]sim.Faults // by upstream; "*" = all three
}{
	{"calm", nil},
	{"netsuite down", map[string]sim.Faults{"netsuite": {Down: true}}},
	{"calm", nil},
	{"sales 30% 503", map[string]sim.Faults{"sales": {ErrorRate: 0.3}}},
	{"commercetools 50% 429 Retry-After 1", map[string]sim.Faults{"commercetools": {ErrorRate: 0.5, ErrorStatus: 429, RetryAfterS: 1}}},
	{"netsuite hangs", map[string]sim.Faults{"netsuite": {LatencyMS: 60_000}}},
	{"calm", nil},
	{"all limited to 5 concurrent, +20ms", map[string]sim.Faults{"*": {MaxConcurrent: 5, LatencyMS: 20}}},
	{"commercetools down, sales 10% 500", map[string]sim.Faults{"commercetools": {Down: true}, "sales": {ErrorRate: 0.1, ErrorStatus: 500}}},
	{"netsuite 50% 503", map[string]sim.Faults{"netsuite": {ErrorRate: 0.5}}},
}

var queries = []string{
	`{ customers(first: 20) { nodes { number name status category { name } groups { key name }
	   billToAddress { name } priceGroups { nodes { name } } parentAccount { number category { name } }
	   childAccounts { nodes { number groups { key } } } } pageInfo { hasNextPage endCursor } } }`,
	`{ customers(first: 50) { nodes { number category { name } groups { key } } } }`,
	`{ customerCategories(first: 20) { nodes { name customers(first: 5) { nodes { number groups { key } } } } } }`,
	`{ customerGroups(first: 20) { nodes { key name } } }`,
	`{ customers(first: 5, filter: {status: PREFERRED}) { nodes { number type { name } shipToAddress { name } } } }`,
}

// tally is what happened in one phase: outcomes of the queries started in it, and the
// process's goroutines, live heap and breaker states at its end.
type tally struct {
	name       string
	goroutines int
	heap       uint64
	breakers   string

	ok, partial, failed, crashed, transport atomic.Int64

	mu   sync.Mutex
	took []time.Duration
}

func run(ctx context.Context, duration, phase time.Duration, workers int, latency time.Duration, withCache bool) error {
	startGoroutines := runtime.NumGoroutine()
	cfg, err := config.Load(nil, os.Getenv)
	if err != nil {
		return err
	}
	cfg.Cache.Enabled = cfg.Cache.Enabled && withCache
	panics := &countingHandler{}
	log := slog.New(panics)

	stack, err := simstack.Start(simstack.Options{Seed: seed.Options{Customers: 200}, Latency: latency})
	if err != nil {
		return err
	}
	res, err := gateway.NewResilience(cfg.Resilience, log, nil)
	if err != nil {
		return err
	}
	upTransport := http.DefaultTransport.(*http.Transport).Clone()
	upTransport.MaxIdleConnsPerHost = 64
	up, err := gateway.SandboxUpstreams(stack, &http.Client{Timeout: 30 * time.Second, Transport: upTransport}, log, res.Option())
	if err != nil {
		return err
	}
	c, closeCache, err := gateway.NewCache(cfg.Cache, log)
	if err != nil {
		return err
	}
	h := gateway.New(gateway.Options{Upstreams: up, Logger: log, Cache: c, RequestBudget: cfg.Resilience.RequestBudget,
		LoaderWait: cfg.LoaderWait, BatchTimeout: cfg.BatchTimeout,
		MaxInflight: cfg.Admission.Slots(), QueueTimeout: cfg.Admission.QueueTimeout})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(ln) }()
	url := "http://" + ln.Addr().String() + "/graphql"
	clientTransport := http.DefaultTransport.(*http.Transport).Clone()
	clientTransport.MaxIdleConnsPerHost = workers
	client := &http.Client{Timeout: 30 * time.Second, Transport: clientTransport}

	for _, q := range queries { // warm-up: tokens, connections, code paths
		if _, err := send(ctx, client, url, q); err != nil {
			return fmt.Errorf("warm-up: %w", err)
		}
	}
	settle(clientTransport, upTransport)
	baseGoroutines, baseHeap := snapshot()
	fmt.Printf("soak: %d workers for %v, fault setting changes every %v, budget %v, cache %v\n",
		workers, duration, phase, cfg.Resilience.RequestBudget, cfg.Cache.Enabled)
	fmt.Printf("before: %d goroutines, live heap %.1f MiB\n", baseGoroutines, mib(baseHeap))

	runCtx, cancel := context.WithTimeout(ctx, duration)
	defer cancel()
	var current atomic.Pointer[tally]
	current.Store(&tally{})
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := w; runCtx.Err() == nil; i++ {
				t := current.Load()
				start := time.Now()
				o, err := send(runCtx, client, url, queries[i%len(queries)])
				if runCtx.Err() != nil {
					return // the run ended mid-request: not an outcome of the gateway
				}
				t.record(o, err, time.Since(start))
			}
		})
	}
	var phases []*tally
	for i := 0; runCtx.Err() == nil; i++ {
		p := faultPhases[i%len(faultPhases)]
		setFaults(stack, p.faults)
		t := &tally{name: p.name}
		current.Store(t)
		phases = append(phases, t)
		select {
		case <-runCtx.Done():
		case <-time.After(phase):
		}
		t.goroutines, t.heap = runtime.NumGoroutine(), heapNow()
		for _, name := range []string{"netsuite", "commercetools", "sales"} {
			t.breakers += fmt.Sprintf("%s=%s ", name[:2], res.Policies()[name].State())
		}
	}
	wg.Wait()
	setFaults(stack, nil)
	// Printed once every query has ended: a query is counted in the phase it started in.
	fmt.Printf("\n%-38s %6s %6s %7s %6s %6s %8s %8s %6s %9s  %s\n", "phase (queries by start)", "ok", "part",
		"failed", "crash", "conn", "p50", "p99", "gorout", "live MiB", "breakers (at phase end)")
	totals := tally{}
	for _, t := range phases {
		t.print()
		totals.add(t)
	}
	if ctx.Err() != nil {
		return ctx.Err()
	}

	// Let the breakers' cool-down pass and in-flight work end, then compare at the same point
	// of the lifecycle as the baseline: servers up, no request running, idle connections closed.
	time.Sleep(cfg.Resilience.NetSuite.BreakerCooldown + time.Second)
	for _, q := range queries {
		_, _ = send(ctx, client, url, q)
	}
	settle(clientTransport, upTransport)
	afterGoroutines, afterHeap := snapshot()

	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer scancel()
	err = errors.Join(srv.Shutdown(sctx), stack.Close(sctx))
	if serr := <-served; !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	closeCache()
	settle(clientTransport, upTransport)
	time.Sleep(200 * time.Millisecond)
	endGoroutines := runtime.NumGoroutine()

	crashes := totals.crashed.Load() + panics.n.Load()
	fmt.Printf("\nqueries: %d ok, %d partial (data with errors), %d failed (no data), %d crashes, %d transport errors\n",
		totals.ok.Load(), totals.partial.Load(), totals.failed.Load(), crashes, totals.transport.Load())
	fmt.Printf("latency over the run: p50 %v, p99 %v\n", totals.percentile(50), totals.percentile(99))
	fmt.Printf("crashes: %d (HTTP 5xx, non-JSON answers, INTERNAL_SERVER_ERROR, resolver panics)\n", crashes)
	fmt.Printf("goroutines: before %d, after %d (servers up, idle); at start %d, after teardown %d\n",
		baseGoroutines, afterGoroutines, startGoroutines, endGoroutines)
	fmt.Printf("live heap after GC: before %.1f MiB, after %.1f MiB\n", mib(baseHeap), mib(afterHeap))
	if err != nil {
		return fmt.Errorf("teardown: %w", err)
	}
	if crashes > 0 || afterGoroutines > baseGoroutines || endGoroutines > startGoroutines {
		return errors.New("crashes or goroutines left behind")
	}
	return nil
}

type outcome int

const (
	outOK outcome = iota
	outPartial
	outFailed
	outCrash
)

// send posts one query and classifies the answer. A crash is what a client must never see: a
// 5xx, a body that is not a GraphQL response, or an internal error.
func send(ctx context.Context, client *http.Client, url, query string) (outcome, error) {
	body, _ := json.Marshal(map[string]string{"query": query})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return outFailed, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := client.Do(req)
	if err != nil {
		return outFailed, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return outFailed, err
	}
	var r struct {
		Data   json.RawMessage `json:"data"`
		Errors []struct {
			Extensions map[string]any `json:"extensions"`
		} `json:"errors"`
	}
	if resp.StatusCode >= 500 || json.Unmarshal(raw, &r) != nil {
		return outCrash, nil
	}
	for _, e := range r.Errors {
		if e.Extensions["code"] == "INTERNAL_SERVER_ERROR" {
			return outCrash, nil
		}
	}
	switch {
	case len(r.Errors) == 0:
		return outOK, nil
	case len(r.Data) > 0 && string(r.Data) != "null":
		return outPartial, nil
	}
	return outFailed, nil
}

func (t *tally) record(o outcome, err error, took time.Duration) {
	switch {
	case err != nil:
		t.transport.Add(1)
	case o == outOK:
		t.ok.Add(1)
	case o == outPartial:
		t.partial.Add(1)
	case o == outFailed:
		t.failed.Add(1)
	default:
		t.crashed.Add(1)
	}
	t.mu.Lock()
	t.took = append(t.took, took)
	t.mu.Unlock()
}

func (t *tally) add(o *tally) {
	t.ok.Add(o.ok.Load())
	t.partial.Add(o.partial.Load())
	t.failed.Add(o.failed.Load())
	t.crashed.Add(o.crashed.Load())
	t.transport.Add(o.transport.Load())
	o.mu.Lock()
	t.took = append(t.took, o.took...)
	o.mu.Unlock()
}

func (t *tally) percentile(p int) time.Duration {
	t.mu.Lock()
	s := slices.Clone(t.took)
	t.mu.Unlock()
	if len(s) == 0 {
		return 0
	}
	slices.Sort(s)
	return s[(len(s)*p+99)/100-1].Round(time.Millisecond)
}

func (t *tally) print() {
	fmt.Printf("%-38s %6d %6d %7d %6d %6d %8v %8v %6d %9.1f  %s\n", t.name, t.ok.Load(), t.partial.Load(),
		t.failed.Load(), t.crashed.Load(), t.transport.Load(), t.percentile(50), t.percentile(99),
		t.goroutines, mib(t.heap), t.breakers)
}

func setFaults(stack *simstack.Stack, faults map[string]sim.Faults) {
	for name, s := range stack.Servers() {
		f, ok := faults[name]
		if !ok {
			f = faults["*"]
		}
		_ = s.SetFaults(f)
	}
}

// settle closes idle connections on both sides and gives their goroutines time to end.
func settle(transports ...*http.Transport) {
	for _, t := range transports {
		t.CloseIdleConnections()
	}
	time.Sleep(300 * time.Millisecond)
}

func snapshot() (goroutines int, heap uint64) {
	return runtime.NumGoroutine(), heapNow()
}

// heapNow is the live heap: bytes still allocated after two full collections (the second
// empties what sync.Pools kept aside in the first).
func heapNow() uint64 {
	runtime.GC()
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

func mib(b uint64) float64 { return float64(b) / (1 << 20) }

// countingHandler discards log records and counts the ones that report a resolver panic or an
// unexpected error: crashes the clients did not necessarily see as such.
type countingHandler struct{ n atomic.Int64 }

func (h *countingHandler) Enabled(_ context.Context, l slog.Level) bool { return l >= slog.LevelError }

func (h *countingHandler) Handle(_ context.Context, r slog.Record) error {
	if r.Message == "resolver panic" || r.Message == "unexpected resolver error" {
		h.n.Add(1)
	}
	return nil
}

func (h *countingHandler) WithAttrs([]slog.Attr) slog.Handler { return h }
func (h *countingHandler) WithGroup(string) slog.Handler      { return h }
