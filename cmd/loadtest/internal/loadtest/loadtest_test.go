package loadtest

import (
	"bytes"
	"context"
	"fmt"
	"math"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"testing"
	"time"

	"custgraph/simstack"
	"custgraph/simstack/simstacktest"
	"custgraph/upstream/seed"
)

// TestMain doubles as the gateway child: Run re-executes the test binary with ChildEnv set, as
// cmd/loadtest re-executes itself.
func TestMain(m *testing.M) {
	if spec := os.Getenv(ChildEnv); spec != "" {
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		err := ServeGateway(ctx, spec, os.Stdin, os.Stdout)
		stop()
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		os.Exit(0)
	}
	os.Exit(m.Run())
}

const testRedis = "redis://127.0.0.1:6379/0"

// quickConfig is a short, gentle run: 10 requests per row, at a rate a busy machine under -race
// still serves without timeouts (at 20 per second, cold list-200 rows timed out when two test
// suites shared the two cores). 210 customers, so list-200 needs two sales pages.
func quickConfig(scenarios []string, modes ...Mode) Config {
	return Config{Scenarios: scenarios, Modes: modes, Rate: 10, Duration: time.Second,
		Customers: 210, RedisURL: testRedis, RedisOpTimeout: 2 * time.Second}
}

// TestUpstreamRequestsPerQueryMatchTheShape: with batching on and no cache, every scenario
// costs exactly the distinct upstream batches its shape needs, whatever the list size (the
// budget's first line), and the tool counts them from the simulators' /_sim/stats.
func TestUpstreamRequestsPerQueryMatchTheShape(t *testing.T) {
	t.Parallel()
	rows, err := Run(t.Context(), quickConfig(ScenarioNames(), ModeCold))
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != len(Scenarios()) {
		t.Fatalf("got %d rows, want %d", len(rows), len(Scenarios()))
	}
	for _, r := range rows {
		t.Run(r.Scenario.Name, func(t *testing.T) {
			if r.Requests == 0 || r.Errors != 0 {
				t.Fatalf("requests %d, errors %d (first: %s)", r.Requests, r.Errors, r.FirstErr)
			}
			// mutation-mix's write share depends on where the window cuts the 1-in-10 cycle.
			tolerance := 0.001
			if r.Scenario.WriteEvery > 0 {
				tolerance = 1 / float64(r.Requests)
			}
			for _, up := range []string{"sales", "netsuite", "commercetools"} {
				if got, want := r.Upstream[up], r.Scenario.Batches[up]; math.Abs(got-want) > tolerance+0.1*want*boolTo(r.Scenario.WriteEvery > 0) {
					t.Errorf("%s: %.3f requests per query, want %.3f", up, got, want)
				}
			}
			if r.CPUCores < 0 || r.PeakRSS == 0 || r.PeakHeap == 0 {
				t.Errorf("gateway process not measured: cpu %v rss %d heap %d", r.CPUCores, r.PeakRSS, r.PeakHeap)
			}
			if r.HitRatio >= 0 {
				t.Errorf("hit ratio %v without a cache", r.HitRatio)
			}
		})
	}
}

func boolTo(b bool) float64 {
	if b {
		return 1
	}
	return 0
}

// TestModesDiffer: the same list-50 scenario costs nothing upstream when warm (Redis and
// memory), and one NetSuite and one commercetools call per customer in naive mode.
func TestModesDiffer(t *testing.T) {
	t.Parallel()
	cfg := quickConfig([]string{"list-50"}, ModeWarmRedis, ModeWarmMemory, ModeNaive)
	// Naive list-50 is 101 upstream calls per query: a few queries are enough.
	cfg.Rate, cfg.Customers = 6, 60
	rows, err := Run(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		mode     Mode
		upstream map[string]float64
		hits     float64
	}{
		{ModeWarmRedis, map[string]float64{"sales": 0, "netsuite": 0, "commercetools": 0}, 1},
		{ModeWarmMemory, map[string]float64{"sales": 0, "netsuite": 0, "commercetools": 0}, 1},
		{ModeNaive, map[string]float64{"sales": 1, "netsuite": 50, "commercetools": 50}, -1},
	}
	for i, tc := range tests {
		r := rows[i]
		if r.Mode != tc.mode {
			t.Fatalf("row %d is %s, want %s", i, r.Mode, tc.mode)
		}
		if r.Errors != 0 {
			t.Errorf("%s: %d errors (first: %s)", tc.mode, r.Errors, r.FirstErr)
		}
		for up, want := range tc.upstream {
			if got := r.Upstream[up]; math.Abs(got-want) > 0.001 {
				t.Errorf("%s: %s %.3f requests per query, want %v", tc.mode, up, got, want)
			}
		}
		if math.Abs(r.HitRatio-tc.hits) > 0.001 {
			t.Errorf("%s: hit ratio %.3f, want %v", tc.mode, r.HitRatio, tc.hits)
		}
	}

	var out bytes.Buffer
	if err := Report(&out, ThisMachine(), LoadAvg(), cfg, rows, true, false); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"| list-50 | warm-redis |", "| list-50 | naive |", "101.00 (1.00+50.00+50.00)", "list-50 warm-redis: p50", "cores"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("report lacks %q:\n%s", want, out.String())
		}
	}
}

// TestTargetMode measures a gateway the tool did not start: no process figures, upstream counts
// only when the simulators' URL is given, and the cache hit ratio from the gateway's /metrics.
func TestTargetMode(t *testing.T) {
	t.Parallel()
	stack := simstacktest.Start(t, simstack.Options{Seed: seed.Options{Customers: 60}})
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	gateways := map[Mode]*child{}
	for _, m := range []Mode{ModeCold, ModeWarmMemory} {
		gw, err := startChild(t.Context(), exe, childOptions{SandboxURL: stack.URL, Mode: m})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(gw.stop)
		gateways[m] = gw
	}
	tests := []struct {
		name     string
		gateway  Mode
		sandbox  string
		upstream float64 // per query; < 0: unknown
		hits     float64 // < 0: unknown
	}{
		{"cold with sandbox", ModeCold, stack.URL, 3, -1},
		{"cold without sandbox", ModeCold, "", -1, -1},
		{"warm with sandbox", ModeWarmMemory, stack.URL, 0, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rows, err := Run(t.Context(), Config{Scenarios: []string{"list-50"}, Rate: 20, Duration: 300 * time.Millisecond,
				Target: gateways[tc.gateway].url, Sandbox: tc.sandbox})
			if err != nil {
				t.Fatal(err)
			}
			r := rows[0]
			if r.Mode != modeTarget || r.Errors != 0 || r.Requests == 0 {
				t.Fatalf("mode %s, %d requests, %d errors (%s)", r.Mode, r.Requests, r.Errors, r.FirstErr)
			}
			if r.CPUCores >= 0 {
				t.Errorf("process figures of a gateway the tool did not start: cpu %v", r.CPUCores)
			}
			if got := r.UpstreamTotal(); math.Abs(got-tc.upstream) > 0.001 {
				t.Errorf("%.3f upstream requests per query, want %v", got, tc.upstream)
			}
			if math.Abs(r.HitRatio-tc.hits) > 0.001 {
				t.Errorf("hit ratio %.3f, want %v", r.HitRatio, tc.hits)
			}
		})
	}
}
