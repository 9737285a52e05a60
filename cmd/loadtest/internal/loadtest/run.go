package loadtest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"

	vegeta "github.com/tsenart/vegeta/v12/lib"

	"custgraph/cache"
	"custgraph/simstack"
	"custgraph/upstream/seed"
)

// Config is one load-test run.
type Config struct {
	Scenarios []string // names; empty = all
	Modes     []Mode   // empty = all; ignored with Target
	// Rate is the fixed request rate per second; 0 runs at maximum throughput with Workers
	// requests in flight.
	Rate     int
	Workers  int
	Duration time.Duration // measured window per row
	Warmup   time.Duration // load before measuring, after two passes over every distinct read
	// Latency is added by the in-process simulators to every upstream call.
	Latency   time.Duration
	Customers int // customers seeded into the in-process simulators

	// Target is an existing gateway's base URL; "" starts one child gateway per row.
	Target string
	// Sandbox is the base URL of the simulators behind Target, for upstream request counts;
	// "" = unknown (the column shows "-").
	Sandbox string

	RedisURL string // the warm-redis mode's Redis
	// RedisOpTimeout replaces the gateway's default bound on each Redis call (50 ms); for tests
	// on a machine too busy for it. 0 = the default.
	RedisOpTimeout time.Duration
	LoaderWait     time.Duration
	CPUProfileDir  string // one profile per row, of the gateway child, over the measured window
	// Executable is re-executed as the gateway child; "" = this process's executable.
	Executable string
	// Progress receives one line per step; nil = discard.
	Progress io.Writer
}

func (c *Config) defaults() error {
	if len(c.Scenarios) == 0 {
		c.Scenarios = ScenarioNames()
	}
	if len(c.Modes) == 0 {
		c.Modes = Modes()
	}
	if c.Workers <= 0 {
		c.Workers = 32
	}
	if c.Duration <= 0 {
		c.Duration = 10 * time.Second
	}
	if c.Customers <= 0 {
		c.Customers = 200
	}
	if c.Progress == nil {
		c.Progress = io.Discard
	}
	var errs []error
	if c.Rate < 0 {
		errs = append(errs, errors.New("-rate must be >= 0 (0 = maximum throughput)"))
	}
	if c.Target == "" && c.Executable == "" {
		exe, err := os.Executable()
		if err != nil {
			errs = append(errs, fmt.Errorf("cannot find own executable to start the gateway: %w", err))
		}
		c.Executable = exe
	}
	if c.Target == "" && c.RedisURL == "" {
		for _, m := range c.Modes {
			if m == ModeWarmRedis {
				errs = append(errs, errors.New("-redis is required for the warm-redis mode"))
				break
			}
		}
	}
	return errors.Join(errs...)
}

// Row is the outcome of one scenario in one mode.
type Row struct {
	Scenario Scenario
	Mode     Mode
	Rate     int // the requested rate; 0 = maximum

	Requests  uint64
	OKPerSec  float64 // successful GraphQL responses per second
	P50       time.Duration
	P90       time.Duration
	P99       time.Duration
	Errors    uint64 // transport errors, non-2xx answers and GraphQL errors
	FirstErr  string
	Upstream  map[string]float64 // upstream requests per query, by upstream; nil = unknown
	Routes    map[string]float64 // upstream requests per query, by "upstream METHOD /route"
	HitRatio  float64            // cache hits / lookups over the window; < 0 = unknown or no cache
	CPUCores  float64            // gateway CPU seconds per wall second; < 0 = unknown
	CPUPerReq time.Duration
	PeakRSS   uint64
	PeakHeap  uint64
}

// ErrorRate is the share of requests that failed.
func (r Row) ErrorRate() float64 {
	if r.Requests == 0 {
		return 0
	}
	return float64(r.Errors) / float64(r.Requests)
}

// UpstreamTotal is upstream requests per query over every upstream; < 0 = unknown.
func (r Row) UpstreamTotal() float64 {
	if r.Upstream == nil {
		return -1
	}
	var t float64
	for _, v := range r.Upstream {
		t += v
	}
	return t
}

// Run runs every (scenario, mode) row and returns the rows in order. The simulators (unless
// cfg.Target is set) run in this process; each row's gateway runs in a fresh child process.
func Run(ctx context.Context, cfg Config) ([]Row, error) {
	if err := cfg.defaults(); err != nil {
		return nil, err
	}
	scenarios, err := pickScenarios(cfg.Scenarios)
	if err != nil {
		return nil, err
	}
	sandbox := cfg.Sandbox
	var stack *simstack.Stack
	if cfg.Target == "" {
		stack, err = simstack.Start(simstack.Options{Latency: cfg.Latency, Seed: seed.Options{Customers: cfg.Customers}})
		if err != nil {
			return nil, err
		}
		defer func() {
			sctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
			defer cancel()
			_ = stack.Close(sctx)
		}()
		sandbox = stack.URL
		if cfg.CPUProfileDir != "" {
			if err := os.MkdirAll(cfg.CPUProfileDir, 0o755); err != nil {
				return nil, fmt.Errorf("-cpuprofile: %w", err)
			}
		}
	}
	if cfg.Target != "" {
		cfg.Modes = []Mode{modeTarget}
	}
	for _, m := range cfg.Modes {
		if m == ModeWarmRedis {
			if err := pingRedis(ctx, cfg.RedisURL); err != nil {
				return nil, err
			}
			break
		}
	}
	var redisNamespaces []string
	defer func() { cleanRedis(context.WithoutCancel(ctx), cfg.RedisURL, redisNamespaces) }()

	var customers []customerRef
	var rows []Row
	for _, sc := range scenarios {
		for _, mode := range cfg.Modes {
			if err := ctx.Err(); err != nil {
				return rows, err
			}
			r := &rowRun{cfg: cfg, scenario: sc, mode: mode, sandbox: sandbox, url: cfg.Target}
			if stack != nil {
				stack.Reset() // seed data back (mutation-mix writes), counters zero
				ns := fmt.Sprintf("loadtest-%d-%d", os.Getpid(), len(rows))
				if mode == ModeWarmRedis {
					redisNamespaces = append(redisNamespaces, ns)
				}
				opts := childOptions{SandboxURL: sandbox, Mode: mode, RedisURL: cfg.RedisURL, Namespace: ns,
					LoaderWait: cfg.LoaderWait, RedisOpTimeout: cfg.RedisOpTimeout}
				if cfg.CPUProfileDir != "" {
					opts.CPUProfile = filepath.Join(cfg.CPUProfileDir, sc.Name+"-"+string(mode)+".pprof")
				}
				fmt.Fprintf(cfg.Progress, "%s %s: starting gateway\n", sc.Name, mode)
				ch, err := startChild(ctx, cfg.Executable, opts)
				if err != nil {
					return rows, err
				}
				r.child, r.url = ch, ch.url
			}
			if customers == nil {
				customers, err = discover(ctx, r.url)
				if err != nil {
					r.stop()
					return rows, err
				}
			}
			row, err := r.run(ctx, customers)
			r.stop()
			if err != nil {
				return rows, fmt.Errorf("%s %s: %w", sc.Name, mode, err)
			}
			rows = append(rows, row)
		}
	}
	return rows, nil
}

// rowRun is one row in progress.
type rowRun struct {
	cfg      Config
	scenario Scenario
	mode     Mode
	sandbox  string
	url      string
	child    *child
}

func (r *rowRun) stop() {
	if r.child != nil {
		r.child.stop()
	}
}

func (r *rowRun) run(ctx context.Context, customers []customerRef) (Row, error) {
	row := Row{Scenario: r.scenario, Mode: r.mode, Rate: r.cfg.Rate, HitRatio: -1, CPUCores: -1}
	w, err := newWorkload(r.scenario, r.url, customers)
	if err != nil {
		return row, err
	}
	fmt.Fprintf(r.cfg.Progress, "%s %s: warm-up\n", r.scenario.Name, r.mode)
	// Without a cache one request warms what there is to warm (tokens, connections, the parsed
	// query); with one, every distinct read fills it.
	if err := warm(ctx, w, r.mode != ModeCold && r.mode != ModeNaive); err != nil {
		return row, err
	}
	if r.cfg.Warmup > 0 {
		if _, err := r.attack(ctx, w, r.cfg.Warmup, "warmup"); err != nil {
			return row, err
		}
	}

	hc := &http.Client{Timeout: 10 * time.Second}
	upBefore, upErr := upstreamCounts(ctx, hc, r.sandbox)
	var promBefore cacheCounts
	var promErr error
	if r.child == nil {
		// A gateway the tool did not start: its cache counters from /metrics, when it serves them.
		promBefore, promErr = scrapeCacheCounts(ctx, hc, r.url)
	}
	var gwBefore gatewayStats
	if r.child != nil {
		if gwBefore, err = r.child.stats(ctx, true); err != nil {
			return row, err
		}
		if r.cfg.CPUProfileDir != "" {
			if err := r.child.profile(ctx, "start"); err != nil {
				return row, err
			}
		}
	}
	fmt.Fprintf(r.cfg.Progress, "%s %s: measuring %s\n", r.scenario.Name, r.mode, r.cfg.Duration)
	start := time.Now()
	res, err := r.attack(ctx, w, r.cfg.Duration, "measure")
	if err != nil {
		return row, err
	}
	wall := time.Since(start)
	if r.child != nil && r.cfg.CPUProfileDir != "" {
		if err := r.child.profile(ctx, "stop"); err != nil {
			return row, err
		}
	}
	upAfter, upErr2 := upstreamCounts(ctx, hc, r.sandbox)

	row.Requests, row.Errors, row.FirstErr = res.metrics.Requests, res.errors, res.firstErr
	row.P50, row.P90, row.P99 = res.metrics.Latencies.P50, res.metrics.Latencies.P90, res.metrics.Latencies.P99
	if d := res.metrics.Duration + res.metrics.Wait; d > 0 {
		row.OKPerSec = float64(res.metrics.Requests-res.errors) / d.Seconds()
	}
	if upErr == nil && upErr2 == nil && upBefore != nil && row.Requests > 0 {
		row.Upstream, row.Routes = map[string]float64{}, map[string]float64{}
		for _, name := range upstreamNames() {
			row.Upstream[name] = 0
		}
		for route, n := range upAfter {
			if d := n - upBefore[route]; d != 0 {
				per := float64(d) / float64(row.Requests)
				row.Routes[route] = per
				name, _, _ := strings.Cut(route, " ")
				row.Upstream[name] += per
			}
		}
	}
	if r.child == nil && promErr == nil {
		if after, err := scrapeCacheCounts(ctx, hc, r.url); err == nil {
			row.HitRatio = after.ratioSince(promBefore)
		}
	}
	if r.child != nil {
		gwAfter, err := r.child.stats(ctx, false)
		if err != nil {
			return row, err
		}
		cpu := gwAfter.CPU - gwBefore.CPU
		row.CPUCores = cpu.Seconds() / wall.Seconds()
		if row.Requests > 0 {
			row.CPUPerReq = cpu / time.Duration(row.Requests)
		}
		row.PeakRSS, row.PeakHeap = gwAfter.PeakRSS, gwAfter.PeakHeap
		row.HitRatio = hitRatio(gwBefore.Cache, gwAfter.Cache)
	}
	return row, nil
}

type attackResult struct {
	metrics  vegeta.Metrics
	errors   uint64
	firstErr string
}

// attack runs w for d at the configured pacing: a constant rate, or (rate 0) as fast as
// cfg.Workers concurrent requests allow.
func (r *rowRun) attack(ctx context.Context, w *workload, d time.Duration, name string) (*attackResult, error) {
	opts := []func(*vegeta.Attacker){vegeta.Timeout(30 * time.Second), vegeta.KeepAlive(true)}
	pacer := vegeta.ConstantPacer{Freq: r.cfg.Rate, Per: time.Second}
	if r.cfg.Rate == 0 {
		opts = append(opts, vegeta.Workers(uint64(r.cfg.Workers)), vegeta.MaxWorkers(uint64(r.cfg.Workers)))
	}
	atk := vegeta.NewAttacker(opts...)
	stop := context.AfterFunc(ctx, func() { atk.Stop() })
	defer stop()
	out := &attackResult{}
	for res := range atk.Attack(w.targeter(), pacer, d, name) {
		out.metrics.Add(res)
		if msg := failure(res); msg != "" {
			out.errors++
			if out.firstErr == "" {
				out.firstErr = msg
			}
		}
	}
	out.metrics.Close()
	return out, ctx.Err()
}

// failure describes why a result failed: transport error, HTTP status, or GraphQL errors in a
// 200 answer. "" = success.
func failure(res *vegeta.Result) string {
	switch {
	case res.Error != "":
		return res.Error
	case res.Code != http.StatusOK:
		return fmt.Sprintf("HTTP %d", res.Code)
	case bytes.Contains(res.Body, []byte(`"errors":`)):
		var body struct {
			Errors []struct {
				Message    string         `json:"message"`
				Extensions map[string]any `json:"extensions"`
			} `json:"errors"`
		}
		if json.Unmarshal(res.Body, &body) == nil && len(body.Errors) > 0 {
			e := body.Errors[0]
			return fmt.Sprintf("%v: %s", e.Extensions["code"], e.Message)
		}
		return "GraphQL errors"
	}
	return ""
}

// warm sends every distinct read twice (16 at a time): the first pass fills the cache with
// every entity the measured window will ask for, and the second, read from those entries, stores
// each whole response (an answer built from upstream answers is not stored, cache/deps.go).
// Every query is then in the gateway's parsed-query cache too. With all false, only the first
// read, once.
func warm(ctx context.Context, w *workload, all bool) error {
	if !all {
		return warmPass(ctx, w.url, w.reads[:1])
	}
	if err := warmPass(ctx, w.url, w.reads); err != nil {
		return err
	}
	return warmPass(ctx, w.url, w.reads)
}

func warmPass(ctx context.Context, url string, reads [][]byte) error {
	hc := &http.Client{Timeout: 60 * time.Second}
	sem := make(chan struct{}, 16)
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
	)
	for _, body := range reads {
		sem <- struct{}{}
		wg.Go(func() {
			defer func() { <-sem }()
			err := postOK(ctx, hc, url, body)
			mu.Lock()
			defer mu.Unlock()
			if err != nil && first == nil {
				first = err
			}
		})
	}
	wg.Wait()
	if first != nil {
		return fmt.Errorf("warm-up: %w", first)
	}
	return nil
}

func postOK(ctx context.Context, hc *http.Client, url string, body []byte) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if msg := failure(&vegeta.Result{Code: uint16(resp.StatusCode), Body: b}); msg != "" {
		return errors.New(msg)
	}
	return nil
}

// discover asks the gateway for the customers the scenarios rotate through.
func discover(ctx context.Context, gatewayURL string) ([]customerRef, error) {
	body, _ := json.Marshal(request{Query: `{ customers(first: 500) { nodes { id number } } }`})
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimSuffix(gatewayURL, "/")+"/graphql", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := (&http.Client{Timeout: 60 * time.Second}).Do(req)
	if err != nil {
		return nil, fmt.Errorf("discover customers: %w", err)
	}
	defer resp.Body.Close()
	var out struct {
		Data struct {
			Customers struct{ Nodes []customerRef }
		}
		Errors []struct{ Message string }
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("discover customers: %s: %w", resp.Status, err)
	}
	if len(out.Errors) > 0 {
		return nil, fmt.Errorf("discover customers: %s", out.Errors[0].Message)
	}
	if len(out.Data.Customers.Nodes) == 0 {
		return nil, errors.New("discover customers: the gateway lists no customers")
	}
	return out.Data.Customers.Nodes, nil
}

// upstreamCounts reads each simulator's request counts by route ("netsuite POST /...") from its
// /_sim/stats, leaving out token fetches (once per client per token lifetime, not per query).
// nil, nil when sandbox is "".
func upstreamCounts(ctx context.Context, hc *http.Client, sandbox string) (map[string]int64, error) {
	if sandbox == "" {
		return nil, nil
	}
	out := map[string]int64{}
	for _, name := range upstreamNames() {
		var st struct{ Routes map[string]int64 }
		if err := getJSON(ctx, hc, strings.TrimSuffix(sandbox, "/")+"/"+name+"/_sim/stats", &st); err != nil {
			return nil, fmt.Errorf("simulator stats: %w", err)
		}
		for route, n := range st.Routes {
			if !strings.Contains(route, "/token") {
				out[name+" "+route] += n
			}
		}
	}
	return out, nil
}

// upstreamNames are the simulators' names, which are also their path prefixes in simstack.
func upstreamNames() []string {
	return []string{strings.TrimPrefix(simstack.SalesPrefix, "/"), strings.TrimPrefix(simstack.NetSuitePrefix, "/"),
		strings.TrimPrefix(simstack.CommercetoolsPrefix, "/")}
}

// hitRatio is hits / (hits + misses + bypassed) over every cached type between two snapshots:
// a key the cache skipped (breaker open, store read failed or timed out) went upstream like a
// miss. -1 when the cache was not asked.
func hitRatio(before, after map[string]cache.TypeStats) float64 {
	var hits, lookups uint64
	for name, a := range after {
		b := before[name]
		h := (a.Hits - b.Hits) + (a.NegativeHits - b.NegativeHits)
		hits += h
		lookups += h + (a.Misses - b.Misses) + (a.Bypassed - b.Bypassed)
	}
	if lookups == 0 {
		return -1
	}
	return float64(hits) / float64(lookups)
}

// cacheCounts are the gateway's cache counters summed over every type.
type cacheCounts struct{ hits, misses float64 }

// ratioSince is the hit ratio between two snapshots; -1 when nothing was looked up.
func (c cacheCounts) ratioSince(before cacheCounts) float64 {
	hits, misses := c.hits-before.hits, c.misses-before.misses
	if hits+misses <= 0 {
		return -1
	}
	return hits / (hits + misses)
}

// scrapeCacheCounts reads custgraph_cache_{hits,negative_hits,misses,bypassed}_total from the
// gateway's Prometheus /metrics (package telemetry exports cache.Stats() under those names).
func scrapeCacheCounts(ctx context.Context, hc *http.Client, gatewayURL string) (cacheCounts, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimSuffix(gatewayURL, "/")+"/metrics", nil)
	if err != nil {
		return cacheCounts{}, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return cacheCounts{}, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return cacheCounts{}, fmt.Errorf("GET /metrics: %s", resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return cacheCounts{}, err
	}
	var c cacheCounts
	found := false
	for line := range strings.Lines(string(b)) {
		name, rest, ok := strings.Cut(strings.TrimSpace(line), "{")
		if !ok {
			name, rest, ok = strings.Cut(strings.TrimSpace(line), " ")
		}
		if !ok || strings.HasPrefix(name, "#") {
			continue
		}
		f := strings.Fields(rest[strings.LastIndex(rest, "}")+1:])
		if len(f) == 0 {
			continue
		}
		v, err := strconv.ParseFloat(f[0], 64)
		if err != nil {
			continue
		}
		switch name {
		case "custgraph_cache_hits_total", "custgraph_cache_negative_hits_total":
			c.hits += v
			found = true
		case "custgraph_cache_misses_total", "custgraph_cache_bypassed_total":
			c.misses += v
			found = true
		}
	}
	if !found {
		return cacheCounts{}, errors.New("no custgraph_cache_* counters in /metrics")
	}
	return c, nil
}

// cleanRedis removes the keys the warm-redis rows wrote (their namespaces are this run's own).
func cleanRedis(ctx context.Context, redisURL string, namespaces []string) {
	if redisURL == "" || len(namespaces) == 0 {
		return
	}
	rc, err := cache.RedisClientFromURL(redisURL)
	if err != nil {
		return
	}
	defer rc.Close()
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	for _, ns := range namespaces {
		var cursor uint64
		for {
			keys, next, err := rc.Scan(ctx, cursor, ns+":*", 1000).Result()
			if err != nil {
				break
			}
			if len(keys) > 0 {
				rc.Unlink(ctx, keys...)
			}
			if cursor = next; cursor == 0 {
				break
			}
		}
	}
}

// pingRedis checks the warm-redis mode's Redis before any row starts.
func pingRedis(ctx context.Context, redisURL string) error {
	rc, err := cache.RedisClientFromURL(redisURL)
	if err != nil {
		return fmt.Errorf("-redis: %w", err)
	}
	defer rc.Close()
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := rc.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("-redis: ping: %w", err)
	}
	return nil
}
