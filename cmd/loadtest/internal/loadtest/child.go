package loadtest

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"runtime/metrics"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"custgraph/cache"
	"custgraph/config"
	"custgraph/gateway"
	"custgraph/loaders"
	"custgraph/simstack"
)

// ChildEnv, when set in a process's environment, makes cmd/loadtest serve one gateway instead
// of running scenarios: its value is the JSON of the gateway's options (see ServeGateway).
const ChildEnv = "CUSTGRAPH_LOADTEST_GATEWAY"

// Mode is how the gateway under test is configured.
type Mode string

// The modes a row can run in.
const (
	ModeCold       Mode = "cold"        // batching on, cache off: every query goes upstream
	ModeWarmRedis  Mode = "warm-redis"  // batching on, Redis cache, warmed before measuring
	ModeWarmMemory Mode = "warm-memory" // batching on, in-memory cache, warmed before measuring
	ModeNaive      Mode = "naive"       // no batching, no cache: one upstream call per item
	modeTarget     Mode = "target"      // an existing gateway (-target): its own configuration
)

// The child's own endpoints, beside the gateway's.
const (
	childStatsPath   = "/_loadtest/stats"
	childProfilePath = "/_loadtest/cpuprofile"
)

// Modes lists the modes a started gateway can run in.
func Modes() []Mode { return []Mode{ModeCold, ModeWarmRedis, ModeWarmMemory, ModeNaive} }

// ParseMode returns the mode named s.
func ParseMode(s string) (Mode, error) {
	for _, m := range Modes() {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown mode %q (cold, warm-redis, warm-memory, naive)", s)
}

// childOptions configure a gateway child.
type childOptions struct {
	SandboxURL string        `json:"sandbox_url"`
	Mode       Mode          `json:"mode"`
	RedisURL   string        `json:"redis_url,omitempty"`
	Namespace  string        `json:"namespace,omitempty"`
	LoaderWait time.Duration `json:"loader_wait,omitempty"`
	CPUProfile string        `json:"cpu_profile,omitempty"`
	// RedisOpTimeout, when set, replaces the cache's default bound on each Redis call.
	RedisOpTimeout time.Duration `json:"redis_op_timeout,omitempty"`
}

// gatewayStats is what a child reports: cumulative CPU, memory peaks since the last reset, and
// the cache's counters.
type gatewayStats struct {
	CPU        time.Duration              `json:"cpu_ns"`
	PeakRSS    uint64                     `json:"peak_rss_bytes"`
	PeakHeap   uint64                     `json:"peak_heap_bytes"`
	Goroutines int                        `json:"goroutines"`
	Cache      map[string]cache.TypeStats `json:"cache,omitempty"`
}

// ServeGateway is the child side: it serves one gateway over the simulators named in spec (the
// JSON of childOptions) on a free loopback port, writes {"url": ...} as one line to stdout, and
// serves until ctx ends or stdin closes (the parent went away). Besides the gateway it serves
// GET /_loadtest/stats and POST /_loadtest/cpuprofile?action=start|stop, on the same listener.
func ServeGateway(ctx context.Context, spec string, stdin io.Reader, stdout io.Writer) error {
	var o childOptions
	if err := json.Unmarshal([]byte(spec), &o); err != nil {
		return fmt.Errorf("%s: %w", ChildEnv, err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() {
		_, _ = io.Copy(io.Discard, stdin)
		cancel()
	}()

	log := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	// The gateway as gateway.Run assembles it (garbage collection target, upstream policies,
	// request budget, batch window and deadline, cache sizes and TTLs, execution slots and their
	// queue timeout), minus what only Run does: the listener, tracing exporters,
	// authentication (off, as in sandbox mode).
	// Settings are the defaults unless a CUSTGRAPH_* variable in the environment changes one,
	// as it would for `go run ./cmd/gateway`.
	def, err := config.Load(nil, os.Getenv)
	if err != nil {
		return fmt.Errorf("configuration: %w", err)
	}
	gateway.TuneGC(def.GCPercent)
	res, err := gateway.NewResilience(def.Resilience, log, nil)
	if err != nil {
		return err
	}
	httpClient := &http.Client{Timeout: 30 * time.Second, Transport: gateway.UpstreamTransport()}
	// SandboxUpstreams only needs the stack's URL: the simulators run in the parent process.
	up, err := gateway.SandboxUpstreams(&simstack.Stack{URL: o.SandboxURL}, httpClient, log, res.Option())
	if err != nil {
		return err
	}
	cfg := def.Cache
	cfg.Enabled = o.Mode == ModeWarmRedis || o.Mode == ModeWarmMemory
	cfg.RedisURL = ""
	if o.Namespace != "" {
		cfg.Namespace = o.Namespace
	}
	if o.Mode == ModeWarmRedis {
		cfg.RedisURL = o.RedisURL
	}
	c, closeCache, err := newCache(cfg, o.RedisOpTimeout, log)
	if err != nil {
		return err
	}
	defer closeCache()
	wait := def.LoaderWait
	if o.LoaderWait > 0 {
		wait = o.LoaderWait
	}
	h := gateway.New(gateway.Options{Upstreams: up, Logger: log, LoaderWait: wait, BatchTimeout: def.BatchTimeout,
		Cache: c, CacheTTLs: loaders.CacheTTLs{Customer: cfg.CustomerTTL, Category: cfg.CategoryTTL, Group: cfg.GroupTTL,
			NotFound: cfg.NotFoundTTL}, EntitiesOnly: !cfg.Responses, RequestBudget: def.Resilience.RequestBudget, Naive: o.Mode == ModeNaive,
		MaxInflight: def.Admission.Slots(), QueueTimeout: def.Admission.QueueTimeout})

	mem := newPeakSampler()
	go mem.run(ctx, 10*time.Millisecond)
	prof := &profiler{path: o.CPUProfile}
	defer prof.stop()

	mux := http.NewServeMux()
	mux.Handle("/", h)
	mux.HandleFunc("GET "+childStatsPath, func(w http.ResponseWriter, r *http.Request) {
		st := gatewayStats{CPU: processCPU(), Goroutines: runtime.NumGoroutine()}
		st.PeakRSS, st.PeakHeap = mem.peaks()
		if c != nil {
			st.Cache = c.Stats()
		}
		if r.URL.Query().Get("reset_peaks") != "" {
			mem.reset()
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(st)
	})
	mux.HandleFunc("POST "+childProfilePath, func(w http.ResponseWriter, r *http.Request) {
		var err error
		switch r.URL.Query().Get("action") {
		case "start":
			err = prof.start()
		case "stop":
			err = prof.stop()
		default:
			err = errors.New("action must be start or stop")
		}
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("gateway listen: %w", err)
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second, IdleTimeout: 120 * time.Second,
		ErrorLog: slog.NewLogLogger(log.Handler(), slog.LevelWarn)}
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ln) }()
	if err := json.NewEncoder(stdout).Encode(map[string]string{"url": "http://" + ln.Addr().String()}); err != nil {
		return fmt.Errorf("announce gateway url: %w", err)
	}
	select {
	case err := <-done:
		return err
	case <-ctx.Done():
	}
	sctx, scancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer scancel()
	err = srv.Shutdown(sctx)
	if serr := <-done; serr != nil && !errors.Is(serr, http.ErrServerClosed) {
		err = errors.Join(err, serr)
	}
	return err
}

// newCache is gateway.NewCache, the production construction, unless opTimeout asks for other
// Redis call bounds (tests on a machine too busy for the 50 ms default).
func newCache(cfg config.Cache, opTimeout time.Duration, log *slog.Logger) (*cache.Cache, func(), error) {
	if opTimeout <= 0 || cfg.RedisURL == "" || !cfg.Enabled {
		return gateway.NewCache(cfg, log)
	}
	rc, err := cache.RedisClientFromURL(cfg.RedisURL)
	if err != nil {
		return nil, nil, fmt.Errorf("redis: %w", err)
	}
	c, err := cache.New(cache.NewRedis(rc, cache.RedisOptions{OpTimeout: opTimeout}),
		cache.Options{Namespace: cfg.Namespace, FormatVersion: 1, Logger: log})
	if err != nil {
		_ = rc.Close()
		return nil, nil, err
	}
	return c, func() { _ = rc.Close() }, nil
}

// processCPU is this process's user + system CPU time.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// peakSampler tracks the peak Go heap (sampled) and the peak RSS (the kernel's VmHWM, which
// /proc/self/clear_refs can reset so that a peak belongs to the measured window only).
type peakSampler struct {
	heap    atomic.Uint64
	mu      sync.Mutex
	samples []metrics.Sample
}

func newPeakSampler() *peakSampler {
	return &peakSampler{samples: []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}}
}

func (p *peakSampler) run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		p.sample()
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

func (p *peakSampler) sample() {
	p.mu.Lock()
	metrics.Read(p.samples)
	v := p.samples[0].Value.Uint64()
	p.mu.Unlock()
	for {
		old := p.heap.Load()
		if v <= old || p.heap.CompareAndSwap(old, v) {
			return
		}
	}
}

func (p *peakSampler) peaks() (rss, heap uint64) {
	p.sample()
	return vmHWM(), p.heap.Load()
}

func (p *peakSampler) reset() {
	p.heap.Store(0)
	p.sample()
	// "5" resets the peak RSS (Linux >= 4.0); without it the peak covers the process's life.
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// vmHWM is the peak resident set size, from /proc/self/status, or from getrusage.
func vmHWM() uint64 {
	if b, err := os.ReadFile("/proc/self/status"); err == nil {
		for line := range strings.Lines(string(b)) {
			if v, ok := strings.CutPrefix(line, "VmHWM:"); ok {
				kb, err := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
				if err == nil {
					return kb << 10
				}
			}
		}
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		return uint64(ru.Maxrss) << 10 // kilobytes on Linux
	}
	return 0
}

// profiler writes one CPU profile covering the measured window.
type profiler struct {
	path string
	mu   sync.Mutex
	f    *os.File
}

func (p *profiler) start() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.path == "" {
		return errors.New("no cpu profile path configured")
	}
	if p.f != nil {
		return errors.New("cpu profile already running")
	}
	f, err := os.Create(p.path)
	if err != nil {
		return fmt.Errorf("cpu profile: %w", err)
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		_ = f.Close()
		return fmt.Errorf("cpu profile: %w", err)
	}
	p.f = f
	return nil
}

func (p *profiler) stop() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.f == nil {
		return nil
	}
	pprof.StopCPUProfile()
	err := p.f.Close()
	p.f = nil
	return err
}

// child is the parent's handle on a gateway child process.
type child struct {
	url   string
	cmd   *exec.Cmd
	stdin io.Closer
	http  *http.Client
}

// startChild re-executes exe as a gateway child with opts and waits for its URL.
func startChild(ctx context.Context, exe string, opts childOptions) (*child, error) {
	spec, err := json.Marshal(opts)
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), ChildEnv+"="+string(spec))
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start gateway process: %w", err)
	}
	c := &child{cmd: cmd, stdin: stdin, http: &http.Client{Timeout: 10 * time.Second}}
	type announce struct {
		URL string `json:"url"`
		err error
	}
	got := make(chan announce, 1)
	go func() {
		var a announce
		line, err := bufio.NewReader(stdout).ReadBytes('\n')
		if err == nil {
			err = json.Unmarshal(line, &a)
		}
		a.err = err
		got <- a
		_, _ = io.Copy(io.Discard, stdout)
	}()
	select {
	case a := <-got:
		if a.err != nil || a.URL == "" {
			c.stop()
			return nil, fmt.Errorf("gateway process did not announce its URL: %v", a.err)
		}
		c.url = a.URL
		return c, nil
	case <-time.After(30 * time.Second):
		c.stop()
		return nil, errors.New("gateway process did not start within 30s")
	case <-ctx.Done():
		c.stop()
		return nil, ctx.Err()
	}
}

func (c *child) stats(ctx context.Context, resetPeaks bool) (gatewayStats, error) {
	var st gatewayStats
	u := c.url + childStatsPath
	if resetPeaks {
		u += "?reset_peaks=1"
	}
	err := getJSON(ctx, c.http, u, &st)
	return st, err
}

func (c *child) profile(ctx context.Context, action string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.url+childProfilePath+"?action="+action, nil)
	if err != nil {
		return err
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("cpu profile %s: %w", action, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusNoContent {
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<10))
		return fmt.Errorf("cpu profile %s: %s: %s", action, resp.Status, strings.TrimSpace(string(b)))
	}
	return nil
}

// stop closes the child's stdin (its signal to shut down) and waits, killing it after 10s.
func (c *child) stop() {
	_ = c.stdin.Close()
	done := make(chan struct{})
	go func() {
		_ = c.cmd.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		_ = c.cmd.Process.Kill()
		<-done
	}
}

func getJSON(ctx context.Context, hc *http.Client, url string, v any) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	return json.NewDecoder(resp.Body).Decode(v)
}
